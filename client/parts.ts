import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import {
  addLeaversAtUpdate,
  addLeaversUpdate,
  progressQuery,
  type PartReceipt,
  type PlacedLeaverPart,
} from '../workflows/messages';
import type { Leaver } from '../workflows/request';

/**
 * Parts of a large request sent at once, by default. Each part is an update that the workflow takes
 * in a workflow task; several sent together mostly go in one task, where one at a time costs a task
 * (a round trip through the server and the worker) each: at 100,000 leavers, seconds before the run
 * can start. Four parts of at most 256 KiB keep one task's updates near 1 MiB, far below the
 * server's limits on a task's size and on a run's updates in flight.
 */
export const PARTS_IN_FLIGHT = 4;

/** The update id of a placed part: its range, so that a part sent again is a no-op for Temporal. */
export function placedPartId(part: PlacedLeaverPart): string {
  return `leavers-${part.offset}-${part.offset + part.leavers.length - 1}`;
}

/**
 * Sends the parts after the first (which the start carried) as `addLeaversAt` updates, `inFlight`
 * at a time, each with its offset in the request and an update id naming its range: a submission
 * sent again (a retried HR event, the CLI run again after a dropped connection) re-sends the same
 * parts, which Temporal de-duplicates. One cut differently (another client version) is refused as
 * overlapping the leavers already in, rather than mixed in.
 *
 * A worker from before `addLeaversAt` refuses it ("No registered handler"); the rest then go as
 * `addLeavers` updates, one at a time and in order, as such a worker expects, with the update ids
 * such clients used (`part-N`). Resolves once every part is in; rejects with the refusal otherwise.
 */
export async function sendParts(
  handle: WorkflowHandle,
  firstPartSize: number,
  rest: readonly Leaver[][],
  inFlight: number = PARTS_IN_FLIGHT,
): Promise<void> {
  if (!Number.isInteger(inFlight) || inFlight < 1) {
    throw new RangeError(`inFlight must be a whole number from 1, got ${String(inFlight)}`);
  }
  const parts: PlacedLeaverPart[] = [];
  let offset = firstPartSize;
  for (const [i, leavers] of rest.entries()) {
    parts.push({ part: i + 1, leavers, offset });
    offset += leavers.length;
  }
  if (parts.length === 0) return;

  const receipts: PartReceipt[] = [];
  const queue = [...parts];
  const unplaced: PlacedLeaverPart[] = [];
  let failed = false;
  const sender = async (): Promise<void> => {
    while (!failed && unplaced.length === 0) {
      const next = queue.shift();
      if (!next) return;
      try {
        receipts.push(
          await handle.executeUpdate(addLeaversAtUpdate, { args: [next], updateId: placedPartId(next) }),
        );
      } catch (err) {
        if (!isWithoutPlacedParts(err)) {
          // No new part after a failure; those still in flight finish (sending them again is a no-op).
          failed = true;
          throw err;
        }
        unplaced.push(next);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, parts.length) }, sender));

  if (unplaced.length > 0) {
    for (const { part, leavers } of [...unplaced, ...queue].sort((a, b) => a.part - b.part)) {
      receipts.push(
        await handle.executeUpdate(addLeaversUpdate, { args: [{ part, leavers }], updateId: `part-${part}` }),
      );
    }
  }
  await confirmEveryLeaverIn(handle, receipts);
}

/** The last receipt says so; else (receipts of an earlier submission) the run is asked. */
async function confirmEveryLeaverIn(handle: WorkflowHandle, receipts: readonly PartReceipt[]): Promise<void> {
  if (receipts.some((r) => r.received >= r.expected)) return;
  const progress = await handle.query(progressQuery);
  if (progress.phase === 'receiving' && progress.leaversReceived < progress.leavers) {
    throw new Error(
      `every part was sent, but the run has ${progress.leaversReceived} of its ${progress.leavers} leavers; ` +
        'an earlier submission may have cut the request differently',
    );
  }
}

function isWithoutPlacedParts(err: unknown): boolean {
  return (
    err instanceof WorkflowUpdateFailedError &&
    (err.cause?.message ?? '').includes(`No registered handler for update: ${addLeaversAtUpdate.name}`)
  );
}
