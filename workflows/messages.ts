import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Gate, NotFoundHold } from './batch-runner';
import type { LeaverOutcome, OutcomeCounts, System } from './outcome';
import type { Leaver } from './request';
import type { OffboardingResult } from './result';

/** The workflow's messages, defined once and imported by the client. */

export const PHASES = [
  'validating',
  /** A large request's leavers are still arriving in parts (`addLeaversAt`). */
  'receiving',
  'scheduled',
  /** More leavers than the approval threshold: waiting for `approve` before touching anything. */
  'awaiting_approval',
  'running',
  /**
   * Waiting for an operator, leavers' access not cut: failures retried on a durable backoff until the
   * deadline (`retry` now, `waive`), or the not_found guard's `hold` (`continue`); `cancel` in either case.
   */
  'needs_attention',
  /** Every leaver's access cut, or what remained waived by an operator (Temporal: Completed). */
  'completed',
  /** Runs of 0.1.0 before `needs_attention` waited for failures; kept so their results read. */
  'completed_with_failures',
  /** Temporal: Canceled. */
  'cancelled',
  /** The deadline passed with leavers whose access is not cut (Temporal: Failed). */
  'failed',
] as const;
export type Phase = (typeof PHASES)[number];

export const FINAL_PHASES = ['completed', 'completed_with_failures', 'cancelled', 'failed'] as const;
export type FinalStatus = (typeof FINAL_PHASES)[number];

export interface Approval {
  /** True when the request has more leavers than the run's approval threshold. */
  required: boolean;
  threshold: number;
  approvedBy?: string;
  /** ISO time the approval arrived. */
  approvedAt?: string;
}

export interface Progress {
  requestId: string;
  phase: Phase;
  /** Leavers in the request (all parts). */
  leavers: number;
  /** Leavers received so far; less than `leavers` only while `receiving`. */
  leaversReceived: number;
  batchesDone: number;
  batchesTotal: number;
  counts: Record<System, OutcomeCounts>;
  /** ISO time of the scheduled start while waiting for it. */
  nextWakeUp?: string;
  /** ISO time the run is due to start (the request's effectiveAt, or as rescheduled). */
  effectiveAt?: string;
  approval: Approval;
  /** Set once a cancel arrived. */
  cancelReason?: string;
  /** Leavers whose access is not cut in at least one system, while the run waits on them. */
  remainingLeavers?: number;
  /** ISO time at which the run ends Failed if leavers still remain. */
  deadline?: string;
  /** ISO time of the next retry of the transient failures, while `needs_attention`. */
  nextRetry?: string;
  /** Operators' waivers of what remained. */
  waivers?: Waiver[];
  /** Per system, whether the vendor's action was seen to take effect (the canary). */
  canary?: Record<System, Gate>;
  /** While `needs_attention`: why, with the evidence. */
  hold?: NotFoundHold;
  /** The not_found holds operators accepted with `continue`. */
  notFoundAccepted?: NotFoundAcceptance[];
  /**
   * Workflow ids of the chunk runs under way, whose own counts the client adds (`chunkProgressQuery`):
   * progress moves batch by batch without a signal per batch growing the parent's history.
   */
  runningChunks?: string[];
}

/** What a running chunk has done so far. */
export interface ChunkProgress {
  batchesDone: number;
  counts: Record<System, OutcomeCounts>;
}
export const chunkProgressQuery = defineQuery<ChunkProgress>('chunkProgress');

export interface ContinueInput {
  /** Who decided, for the audit trail (an operator id, not a secret). */
  by: string;
  /** The system whose hold is accepted; needed when the run holds for both. */
  system?: System;
  /** Why the unknown ids are fine (say, "contractors never had WPS accounts"). */
  reason: string;
}
export interface NotFoundAcceptance extends ContinueInput {
  system: System;
  /** ISO time of the decision. */
  at: string;
  /** The hold that was accepted. */
  hold: NotFoundHold;
}
/**
 * Lets a run held by the not_found guard go on: the unknown ids of that system are accepted as
 * `not_found` and the guard no longer holds for it. Refused when the run is not held.
 */
export const continueUpdate = defineUpdate<Progress, [ContinueInput]>('continue');

export const progressQuery = defineQuery<Progress>('progress');

export interface WaiveInput {
  by: string;
  /** Why the remaining leavers may keep their access as it is (say, "closed by hand in WPS"). */
  reason: string;
}
export interface Waiver extends WaiveInput {
  /** ISO time of the decision. */
  at: string;
  /** Leavers waiting when the waiver was given (a chunked run: over the chunks waiting then). */
  leavers: number;
}
/**
 * While `needs_attention`: tries the leavers whose access is not cut again, now, with the same checks
 * (read first, the canary again for a system it had stopped). Refused when nothing remains.
 */
export const retryUpdate = defineUpdate<Progress, []>('retry');
/**
 * While `needs_attention`: accepts what remains (failures and the not_found guard's unknown ids),
 * recorded in the result; the run then ends Completed. Refused when nothing remains.
 */
export const waiveUpdate = defineUpdate<Progress, [WaiveInput]>('waive');
/** The run's report once it has ended: what a Canceled or Failed run, which has no result, did. */
export const reportQuery = defineQuery<OffboardingResult | undefined>('report');

/**
 * Before the run starts: nothing is touched, ever. While running: no new batch starts; a batch in
 * flight finishes its WPS step but does not start the irreversible Authing step.
 */
export const cancelSignal = defineSignal<[reason?: string]>('cancel');

export interface RescheduleInput {
  /** ISO 8601 instant with an offset, as in the request. */
  effectiveAt: string;
}
/** Moves the start time. Refused (with the reason) once the run has started or finished. */
export const rescheduleUpdate = defineUpdate<Progress, [RescheduleInput]>('reschedule');

export interface ApproveInput {
  approvedBy: string;
}
/** Lets a run over the approval threshold proceed. Refused when no approval is required or given already. */
export const approveUpdate = defineUpdate<Progress, [ApproveInput]>('approve');

/** A part of a large request (the start carries part 0); `offset`: its first leaver's index in it. */
export interface LeaverPart {
  part: number;
  offset: number;
  leavers: Leaver[];
}
export interface PartReceipt {
  received: number;
  expected: number;
}
/** Delivers a part at its offset, in any order (./parts.ts); a refused part changes nothing. */
export const addLeaversAtUpdate = defineUpdate<PartReceipt, [LeaverPart]>('addLeaversAt');

/** A chunk run's outcomes, in request order (a chunk's result holds counts only, to keep its parent small). */
export const chunkOutcomesQuery = defineQuery<LeaverOutcome[]>('outcomes');

/** Sent by a chunk run to its parent once it took its last batch: the next chunk starts now, not after. */
export const chunkDrainingSignal = defineSignal<[chunk: number]>('chunkDraining');

/** Sent by a chunk run to its parent: the canary gate of a system was decided. */
export const chunkGateSignal = defineSignal<[system: System, gate: Gate]>('chunkGate');
/** Sent by a chunk run to its parent: its not_found guard holds (the parent asks an operator). */
export const chunkHeldSignal = defineSignal<[chunk: number, hold: NotFoundHold]>('chunkHeld');
/** Sent by the parent to its running chunks: an operator accepted the not_found of `system`. */
export const resumeSignal = defineSignal<[system: System]>('resume');
/** Sent by the parent to its running chunks: the run holds for an operator (from any chunk). */
export const holdSignal = defineSignal<[hold: NotFoundHold]>('hold');
/** Sent by a chunk run to its parent: how many of its leavers wait for attention now (0: none). */
export const chunkAttentionSignal = defineSignal<[chunk: number, remaining: number]>('chunkAttention');
/** Sent by the parent to its chunks waiting for attention: `retry` now. */
export const retrySignal = defineSignal('retry');
/** Sent by the parent to its chunks waiting for attention: what remains is waived. */
export const waiveSignal = defineSignal<[waiver: Waiver]>('waive');
