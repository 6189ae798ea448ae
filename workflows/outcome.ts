/** What happened to one leaver in one system. Shared by activities, workflow and client. */

export const SYSTEMS = ['wps', 'authing'] as const;
export type System = (typeof SYSTEMS)[number];

export const OUTCOME_STATUSES = ['done', 'already', 'not_found', 'failed', 'skipped'] as const;
/**
 * - `done`: we acted and a read-back verified it;
 * - `already`: it was so before we acted (not sent again);
 * - `not_found`: the vendor has no such user;
 * - `failed`: the action or its verification failed for good (see code, message, vendorRequestId);
 * - `skipped`: not attempted (no id for this system, or the run was cancelled first).
 */
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

/**
 * Failure codes of the canary (activities/index.ts): the one user a vendor accepted the action for
 * and did not change, and the users of that system then not sent at all.
 */
export const NOT_EFFECTIVE = 'NotEffective';
export const NOT_ATTEMPTED = 'NotAttempted';
/** A `not_found` an operator was asked to confirm (the not_found guard) when the run was cancelled. */
export const NOT_FOUND_UNCONFIRMED = 'NotFoundUnconfirmed';

export interface SystemOutcome {
  status: OutcomeStatus;
  /** The vendor's error code, or our failure type, when status is `failed`. */
  code?: string;
  message?: string;
  /** The vendor's request id, for its support desk. */
  vendorRequestId?: string;
  /** A `failed` that was transient (the retry window ran out): the run retries it on its own. */
  transient?: true;
  /** A `failed` an operator accepted with `waive` (the run's `waivers` say who and why). */
  waived?: true;
}

export interface LeaverOutcome {
  employeeId?: string;
  wpsUserId?: string;
  authingUserId?: string;
  wps: SystemOutcome;
  authing: SystemOutcome;
}

export type OutcomeCounts = Record<OutcomeStatus, number>;

export function emptyCounts(): OutcomeCounts {
  return { done: 0, already: 0, not_found: 0, failed: 0, skipped: 0 };
}

/** A leaver counts as failed when either system failed and no operator waived it. */
export function isFailure(outcome: LeaverOutcome): boolean {
  return isOpen(outcome.wps) || isOpen(outcome.authing);
}

/** A failure nobody waived: the leaver's access may still be there. */
export function isOpen(outcome: SystemOutcome): boolean {
  return outcome.status === 'failed' && outcome.waived !== true;
}

/** A leaver with a waived failure and no open one. */
export function isWaived(outcome: LeaverOutcome): boolean {
  return !isFailure(outcome) && (outcome.wps.waived === true || outcome.authing.waived === true);
}
