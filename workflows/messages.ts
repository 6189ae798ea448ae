import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { OutcomeCounts, System } from './outcome';

/** The workflow's messages, defined once and imported by the client. */

export const PHASES = [
  'validating',
  'scheduled',
  'running',
  'completed',
  'completed_with_failures',
  'cancelled',
] as const;
export type Phase = (typeof PHASES)[number];

export interface Progress {
  phase: Phase;
  leavers: number;
  batchesDone: number;
  batchesTotal: number;
  counts: Record<System, OutcomeCounts>;
  /** ISO time of the scheduled start while waiting for it. */
  nextWakeUp?: string;
}

export const progressQuery = defineQuery<Progress>('progress');

/** Before `effectiveAt`: nothing is touched. During: no new batch starts. */
export const cancelSignal = defineSignal<[reason?: string]>('cancel');
