import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { addLeaversUpdate, type LeaverPart } from '../workflows/messages';
import type { Leaver } from '../workflows/request';

/**
 * Parts of a large request sent at once, by default. Each part is an update that the workflow takes
 * in a workflow task; several sent together mostly go in one task, where one at a time costs a task
 * (a round trip through the server and the worker) each: at 100,000 leavers, seconds before the run
 * can start. Four parts of at most 256 KiB keep one task's updates near 1 MiB, far below the
 * server's limits on a task's size and on a run's updates in flight.
 */
export const PARTS_IN_FLIGHT = 4;

/**
 * Sends the parts after the first (which the start carried), `inFlight` at a time, each with its
 * offset in the request and a stable update id (`part-N`), so that sending one again is a no-op.
 *
 * A worker from before parts could come in any order refuses a part that is not the next one
 * ("part N is out of order"); the parts it accepted are then the first ones, in order. On such a
 * refusal the rest are sent one at a time, in order, as such a worker expects: a client upgraded
 * before the workers still delivers every part.
 */
export async function sendParts(
  handle: WorkflowHandle,
  firstPartSize: number,
  rest: readonly Leaver[][],
  inFlight: number = PARTS_IN_FLIGHT,
): Promise<void> {
  const parts: LeaverPart[] = [];
  let offset = firstPartSize;
  for (const [i, leavers] of rest.entries()) {
    parts.push({ part: i + 1, leavers, offset });
    offset += leavers.length;
  }
  const send = (part: LeaverPart) =>
    handle.executeUpdate(addLeaversUpdate, { args: [part], updateId: `part-${part.part}` });

  const queue = [...parts];
  const refused: LeaverPart[] = [];
  let failed = false;
  const sender = async (): Promise<void> => {
    while (!failed && refused.length === 0) {
      const next = queue.shift();
      if (!next) return;
      try {
        await send(next);
      } catch (err) {
        if (!isRefusedAsOutOfOrder(err)) {
          // No new part after a failure: the caller sees it, and sending again resumes safely.
          failed = true;
          throw err;
        }
        refused.push(next);
      }
    }
  };
  if (parts.length === 0) return;
  await Promise.all(Array.from({ length: Math.max(1, Math.min(inFlight, parts.length)) }, sender));
  if (refused.length === 0) return;
  const left = [...refused, ...queue].sort((a, b) => a.part - b.part);
  for (const { part, leavers } of left) await send({ part, leavers });
}

function isRefusedAsOutOfOrder(err: unknown): boolean {
  return (
    err instanceof WorkflowUpdateFailedError &&
    /is out of order; part \d+ is due next/.test(err.cause?.message ?? '')
  );
}
