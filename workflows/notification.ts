import type { Phase } from './messages';

/**
 * What a run tells operators when it enters `needs_attention` and when it ends (the `notifyRun`
 * activity of activities/notify/ signs and POSTs it). Ids and counts only: no names, no emails.
 */
export interface RunNotification {
  requestId: string;
  workflowId: string;
  /** `needs_attention`, or the phase the run ended in. */
  phase: Phase;
  /** Why, in one line (no personal data). */
  reason: string;
  leavers: number;
  /** Leavers whose access is not cut in at least one system (failed, or not_found unconfirmed). */
  remaining: number;
  failed: number;
  notFound: number;
  waived: number;
  /** ISO time at which a run still needing attention ends Failed. */
  deadline?: string;
}

/** The activities the workflow calls besides the vendors' (activities/notify/). */
export interface NotifyActivities {
  notifyRun(notification: RunNotification): Promise<void>;
}
