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

/**
 * A request's leavers are cut into parts to travel to the workflow (a start carries part 0, each
 * `addLeaversAt` update one more), and into chunks to run (one child workflow each). Both are bounded
 * by count and by an estimate of their JSON size, so that no payload nears Temporal's 512 KiB
 * warning, whatever the ids' lengths.
 */
/** A sanity bound: for most ids `PART_MAX_BYTES` binds first (about 1,400 leavers with ids like `wps-12345`). */
export const PART_MAX_LEAVERS = 5000;
export const PART_MAX_BYTES = 256 * 1024;

/** Leavers per chunk run: 20 full batches, so lanes stay busy to the end of a chunk. */
export const CHUNK_MAX_LEAVERS = 1000;

/** An upper bound of a leaver's size in a JSON payload. */
export function leaverBytes(leaver: Leaver): number {
  let n = 2;
  for (const [key, value] of Object.entries(leaver)) {
    if (typeof value === 'string') n += key.length + value.length * 6 + 6; // \uXXXX at worst
  }
  return n;
}

/** Consecutive slices of `leavers`, each at most `maxLeavers` long and `maxBytes` large. */
export function splitLeavers<T extends Leaver>(
  leavers: readonly T[],
  maxLeavers: number = PART_MAX_LEAVERS,
  maxBytes: number = PART_MAX_BYTES,
): T[][] {
  const parts: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const leaver of leavers) {
    const size = leaverBytes(leaver);
    if (current.length > 0 && (current.length >= maxLeavers || bytes + size > maxBytes)) {
      parts.push(current);
      current = [];
      bytes = 0;
    }
    current.push(leaver);
    bytes += size;
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

/**
 * The chunks of a large run, for chunks that run `lanes` at a time with one lane each: cut on batch
 * boundaries (so the batches are those of an unchunked plan), as even as possible, and as many as a
 * multiple of `lanes`, so that the chunks of each wave finish together instead of leaving lanes idle
 * while the last few run alone. Each chunk stays within `maxLeavers` and `maxBytes`; when no even
 * cut fits (very long ids), the greedy `splitLeavers` cut is used.
 */
export function planChunks<T extends Leaver>(
  leavers: readonly T[],
  batchSize: number,
  lanes: number,
  maxLeavers: number = CHUNK_MAX_LEAVERS,
  maxBytes: number = PART_MAX_BYTES,
): T[][] {
  const greedy = splitLeavers(leavers, maxLeavers, maxBytes);
  if (greedy.length <= 1) return greedy;
  const batches = Math.ceil(leavers.length / batchSize);
  const step = Math.max(1, Math.floor(lanes));
  for (let count = Math.ceil(greedy.length / step) * step; count <= batches; count += step) {
    const chunks = evenChunks(leavers, batchSize, batches, count);
    const fits = chunks.every(
      (chunk) => chunk.length <= maxLeavers && chunk.reduce((n, l) => n + leaverBytes(l), 2) <= maxBytes,
    );
    if (fits) return chunks;
  }
  return greedy;
}

/** `count` consecutive slices of whole batches whose batch counts differ by at most one. */
function evenChunks<T>(leavers: readonly T[], batchSize: number, batches: number, count: number): T[][] {
  const chunks: T[][] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const size = Math.floor(batches / count) + (i < batches % count ? 1 : 0);
    const end = Math.min(leavers.length, start + size * batchSize);
    chunks.push(leavers.slice(start, end));
    start = end;
  }
  return chunks;
}
