import type { FinalStatus, NotFoundAcceptance, Waiver } from './messages';
import type { LeaverOutcome, OutcomeCounts, System } from './outcome';
import type { AuthingUserIdType } from './request';

/** The failure type of a run that ended Failed: its deadline passed with leavers' access not cut. */
export const ACCESS_NOT_CUT = 'AccessNotCut';

/** What one chunk run (a child workflow over up to `CHUNK_MAX_LEAVERS` leavers) reports to its parent. */
export interface ChunkSummary {
  workflowId: string;
  /** Index of the chunk's first leaver in the request. */
  first: number;
  leavers: number;
  failedLeavers: number;
  waivedLeavers?: number;
  totals: Record<System, OutcomeCounts>;
}

/**
 * A run's result. Small requests carry every leaver's outcome inline. A request split into chunks
 * carries totals and one summary per chunk; each chunk run's own result holds its leavers' outcomes,
 * and the client's `resultOf` joins them in request order, so that no payload grows with the request.
 */
export interface OffboardingResult {
  requestId: string;
  status: FinalStatus;
  authingUserIdType: AuthingUserIdType;
  leavers: number;
  /** Leavers with a `failed` outcome no operator waived, in either system: their access may remain. */
  failedLeavers: number;
  /** Leavers whose failures were all waived. */
  waivedLeavers?: number;
  /** Who waived what remained, when and why. */
  waivers?: Waiver[];
  totals: Record<System, OutcomeCounts>;
  cancelReason?: string;
  approvedBy?: string;
  /** The not_found holds an operator accepted, with who, when, why and the evidence. */
  notFoundAccepted?: NotFoundAcceptance[];
  outcomes?: LeaverOutcome[];
  chunks?: ChunkSummary[];
}

/** A result with every leaver's outcome, as the client returns it. */
export type CompleteResult = OffboardingResult & { outcomes: LeaverOutcome[] };
