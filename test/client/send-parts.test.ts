import { ApplicationFailure, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { sendParts } from '../../client/parts';
import type { LeaverPart, PartReceipt } from '../../workflows/messages';
import { LeaverParts } from '../../workflows/parts';
import type { Leaver } from '../../workflows/request';

/**
 * How the client sends a large request's parts (client/parts.ts), against a stand-in for the
 * workflow's `addLeavers` update that runs the workflow's own part checks (workflows/parts.ts), or
 * those of a worker from before parts could come in any order. Each update answers after a few
 * event-loop turns, in a shuffled order, as concurrent updates may be accepted by the server.
 * The real update, through a real server, is tested in test/workflow/large-request.test.ts.
 */

const leaver = (n: number): Leaver => ({ employeeId: `E${n}`, wpsUserId: `wps-${n}` });
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => leaver(from + i));

interface StandIn {
  handle: WorkflowHandle;
  parts: LeaverParts;
  sent: LeaverPart[];
  inFlight: { now: number; peak: number };
}

/** `legacy`: refuses any part that is not the next, and ignores offsets, as such a worker did. */
function standIn(first: Leaver[], expected: number, legacy = false): StandIn {
  const parts = new LeaverParts(first, expected);
  const sent: LeaverPart[] = [];
  const inFlight = { now: 0, peak: 0 };
  let turn = 0;
  const executeUpdate = async (_def: unknown, options: { args: [LeaverPart]; updateId: string }) => {
    const [input] = options.args;
    expect(options.updateId).toBe(`part-${input.part}`);
    sent.push(input);
    inFlight.now += 1;
    inFlight.peak = Math.max(inFlight.peak, inFlight.now);
    turn += 1;
    for (let i = 0; i < (turn * 7) % 5; i++) await new Promise((r) => setImmediate(r));
    inFlight.now -= 1;
    const seen = legacy ? { part: input.part, leavers: input.leavers } : input;
    try {
      parts.check(seen);
    } catch (err) {
      throw new WorkflowUpdateFailedError(
        'Workflow Update failed',
        ApplicationFailure.create({ message: (err as Error).message }),
      );
    }
    return parts.add(seen) satisfies PartReceipt;
  };
  return { handle: { executeUpdate } as unknown as WorkflowHandle, parts, sent, inFlight };
}

describe('sendParts', () => {
  const first = range(1, 3);
  const rest = [range(4, 2), range(6, 3), range(9, 1), range(10, 4), range(14, 2), range(16, 5)];
  const total = 20;

  it('sends four parts at once, each with its offset, and every leaver lands in request order', async () => {
    const s = standIn(first, total);
    await sendParts(s.handle, first.length, rest);
    expect(s.inFlight.peak).toBe(4);
    expect(s.sent.map((p) => [p.part, p.offset])).toEqual(
      expect.arrayContaining([
        [1, 3],
        [2, 5],
        [3, 8],
        [4, 9],
        [5, 13],
        [6, 15],
      ]),
    );
    expect(s.sent).toHaveLength(6);
    expect(s.parts.complete).toBe(true);
    expect(s.parts.leavers.map((l) => l.employeeId)).toEqual(range(1, total).map((l) => l.employeeId));
  });

  it('with one in flight, sends the parts in order, one at a time', async () => {
    const s = standIn(first, total);
    await sendParts(s.handle, first.length, rest, 1);
    expect(s.inFlight.peak).toBe(1);
    expect(s.sent.map((p) => p.part)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('against a worker that takes parts only in order, falls back to one at a time and still delivers every part', async () => {
    const s = standIn(first, total, true);
    await sendParts(s.handle, first.length, rest);
    expect(s.parts.complete).toBe(true);
    expect(s.parts.leavers.map((l) => l.employeeId)).toEqual(range(1, total).map((l) => l.employeeId));
    // Some were refused as out of order and sent again, in order, after the first wave.
    expect(s.sent.length).toBeGreaterThan(rest.length);
  });

  it('passes on any other refusal, naming it', async () => {
    const s = standIn(first, total);
    const clash = [range(4, 2), [leaver(1)], ...rest.slice(2)];
    await expect(sendParts(s.handle, first.length, clash)).rejects.toThrow(WorkflowUpdateFailedError);
    expect(s.parts.complete).toBe(false);
  });

  it('sends nothing when the start carried every leaver', async () => {
    const s = standIn(first, first.length);
    await sendParts(s.handle, first.length, []);
    expect(s.sent).toEqual([]);
  });
});
