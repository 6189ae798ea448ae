import { MAX_IDS_PER_CALL, type Leaver } from './request';

/**
 * Batch planning: a batch is a run of consecutive leavers, so that each leaver's WPS disable and
 * Authing resign happen in the same batch, in that order. Pure, shared with the CLI's dry run.
 */

export interface Batch {
  /** 0-based position in the plan. */
  index: number;
  /** Index of the batch's first leaver in the request. */
  first: number;
  leavers: Leaver[];
  wpsUserIds: string[];
  authingUserIds: string[];
}

export interface BatchPlanSummary {
  leavers: number;
  batches: number;
  batchSize: number;
  wpsUserIds: number;
  authingUserIds: number;
}

export function checkBatchSize(batchSize: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_IDS_PER_CALL) {
    throw new RangeError(`batch size must be a whole number from 1 to ${MAX_IDS_PER_CALL}, got ${batchSize}`);
  }
  return batchSize;
}

export function planBatches(leavers: readonly Leaver[], batchSize: number = MAX_IDS_PER_CALL): Batch[] {
  checkBatchSize(batchSize);
  const batches: Batch[] = [];
  for (let first = 0; first < leavers.length; first += batchSize) {
    const slice = leavers.slice(first, first + batchSize);
    batches.push({
      index: batches.length,
      first,
      leavers: slice,
      wpsUserIds: slice.flatMap((l) => (l.wpsUserId === undefined ? [] : [l.wpsUserId])),
      authingUserIds: slice.flatMap((l) => (l.authingUserId === undefined ? [] : [l.authingUserId])),
    });
  }
  return batches;
}

export function summarisePlan(batches: readonly Batch[], batchSize: number): BatchPlanSummary {
  return {
    leavers: batches.reduce((n, b) => n + b.leavers.length, 0),
    batches: batches.length,
    batchSize,
    wpsUserIds: batches.reduce((n, b) => n + b.wpsUserIds.length, 0),
    authingUserIds: batches.reduce((n, b) => n + b.authingUserIds.length, 0),
  };
}
