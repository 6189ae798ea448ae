import type { WorkflowHandle } from '@temporalio/client';
import { addLeaversAtUpdate, progressQuery, type LeaverPart, type PartReceipt } from '../workflows/messages';
import type { Leaver } from '../workflows/request';

/**
 * Parts of a large request sent at once, by default. Each part is an update that the workflow takes
 * in a workflow task; several sent together mostly go in one task, where one at a time costs a task
 * (a round trip through the server and the worker) each: at 100,000 leavers, seconds before the run
 * can start. Four parts of at most 256 KiB keep one task's updates near 1 MiB, far below the
 * server's limits on a task's size and on a run's updates in flight.
 */
export const PARTS_IN_FLIGHT = 4;

/** The update id of a part: its range, so that a part sent again is a no-op for Temporal. */
export function partId(part: LeaverPart): string {
  return `leavers-${part.offset}-${part.offset + part.leavers.length - 1}`;
}

/**
 * Sends the parts after the first (which the start carried) as `addLeaversAt` updates, `inFlight`
 * at a time: a submission sent again (a retried HR event, the CLI after a dropped connection) re-sends
 * the same parts, which Temporal de-duplicates by `partId`; one cut differently is refused as
 * overlapping. Resolves once every part is in; rejects with the first refusal otherwise.
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
  const queue: LeaverPart[] = [];
  let offset = firstPartSize;
  for (const [i, leavers] of rest.entries()) {
    queue.push({ part: i + 1, offset, leavers });
    offset += leavers.length;
  }
  if (queue.length === 0) return;

  const receipts: PartReceipt[] = [];
  const sender = async (): Promise<void> => {
    for (let part = queue.shift(); part; part = queue.shift()) {
      receipts.push(
        await handle
          .executeUpdate(addLeaversAtUpdate, { args: [part], updateId: partId(part) })
          .catch((err: unknown) => {
            // No new part after a refusal; those still in flight finish (sending them again is a no-op).
            queue.length = 0;
            throw err;
          }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, queue.length) }, sender));
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
