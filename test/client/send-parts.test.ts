import { ApplicationFailure, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { PARTS_IN_FLIGHT, sendParts } from '../../client/parts';
import type { LeaverPart, PartReceipt } from '../../workflows/messages';
import { LeaverParts } from '../../workflows/parts';
import type { Leaver } from '../../workflows/request';

/**
 * How the client sends a large request's parts (client/parts.ts), against a stand-in for the
 * workflow's `addLeaversAt` update that runs the workflow's own part checks (workflows/parts.ts).
 * Each update answers after a few event-loop turns, so that concurrent ones are taken in a shuffled
 * order, as the server may. The real updates, through a
 * real server, are tested in test/workflow/large-request.test.ts.
 */

const leaver = (n: number): Leaver => ({ employeeId: `E${n}`, wpsUserId: `wps-${n}` });
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => leaver(from + i));
const ids = (leavers: readonly Leaver[]) => leavers.map((l) => l.employeeId);

interface Sent {
  update: string;
  updateId: string;
  input: LeaverPart;
  /** Updates in flight when this one was sent, itself included. */
  inFlight: number;
}

interface StandIn {
  handle: WorkflowHandle;
  parts: LeaverParts;
  sent: Sent[];
}

function standIn(first: Leaver[], expected: number): StandIn {
  const parts = new LeaverParts(first, expected);
  const sent: Sent[] = [];
  let inFlight = 0;
  let turn = 0;
  const refuse = (message: string) =>
    new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ message }));
  const executeUpdate = async (
    def: { name: string },
    options: { args: [LeaverPart]; updateId: string },
  ): Promise<PartReceipt> => {
    const [input] = options.args;
    inFlight += 1;
    sent.push({ update: def.name, updateId: options.updateId, input, inFlight });
    turn += 1;
    for (let i = 0; i < (turn * 7) % 5; i++) await new Promise((r) => setImmediate(r));
    inFlight -= 1;
    try {
      parts.check(input);
    } catch (err) {
      throw refuse((err as Error).message);
    }
    return parts.add(input);
  };
  const query = () =>
    Promise.resolve({
      phase: parts.complete ? 'running' : 'receiving',
      leavers: expected,
      leaversReceived: parts.received,
    });
  return { handle: { executeUpdate, query } as unknown as WorkflowHandle, parts, sent };
}

describe('sendParts', () => {
  const first = range(1, 3);
  const rest = [range(4, 2), range(6, 3), range(9, 1), range(10, 4), range(14, 2), range(16, 5)];
  const total = 20;

  it(`sends ${PARTS_IN_FLIGHT} parts at once, each with its offset and its range as update id; every leaver lands in request order`, async () => {
    const s = standIn(first, total);
    await sendParts(s.handle, first.length, rest);
    expect(Math.max(...s.sent.map((x) => x.inFlight))).toBe(PARTS_IN_FLIGHT);
    expect(s.sent.every((x) => x.update === 'addLeaversAt')).toBe(true);
    expect(s.sent.map((x) => [x.input.part, x.input.offset, x.updateId])).toEqual([
      [1, 3, 'leavers-3-4'],
      [2, 5, 'leavers-5-7'],
      [3, 8, 'leavers-8-8'],
      [4, 9, 'leavers-9-12'],
      [5, 13, 'leavers-13-14'],
      [6, 15, 'leavers-15-19'],
    ]);
    expect(s.parts.complete).toBe(true);
    expect(ids(s.parts.leavers)).toEqual(ids(range(1, total)));
  });

  it('with one in flight, sends the parts in order, one at a time', async () => {
    const s = standIn(first, total);
    await sendParts(s.handle, first.length, rest, 1);
    expect(s.sent.map((x) => [x.input.part, x.inFlight])).toEqual([1, 2, 3, 4, 5, 6].map((p) => [p, 1]));
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses %p parts in flight, sending nothing', async (inFlight) => {
    const s = standIn(first, total);
    await expect(sendParts(s.handle, first.length, rest, inFlight)).rejects.toThrow(RangeError);
    expect(s.sent).toEqual([]);
  });

  it('passes on a refusal, naming it, and sends no new part after it', async () => {
    const s = standIn(first, total);
    // Enough parts that some are still unsent when the refusal comes back.
    const clash = [range(4, 2), [leaver(1)], ...Array.from({ length: 14 }, (_, i) => [leaver(6 + i)])];
    const refusal = await sendParts(s.handle, first.length, clash).catch((e: unknown) => e);
    const sentBefore = s.sent.length;
    expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refusal as WorkflowUpdateFailedError).cause?.message).toContain(
      'leavers[5] (employee E1).wpsUserId: duplicates leavers[0].wpsUserId (wps-1)',
    );
    // Those in flight beside it finish; none is sent after it.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(s.sent).toHaveLength(sentBefore);
    expect(sentBefore).toBeLessThan(clash.length);
  });

  it('refuses a submission cut differently from one before it, instead of mixing the two', async () => {
    const s = standIn(first, total);
    // A submission that got leavers 4 to 8 in and stopped: it is told the run still misses some.
    await expect(sendParts(s.handle, first.length, rest.slice(0, 2))).rejects.toThrow(
      'every part was sent, but the run has 8 of its 20 leavers',
    );
    const recut = [range(4, 3), range(7, 7), range(14, 7)];
    const refusal = await sendParts(s.handle, first.length, recut).catch((e: unknown) => e);
    expect((refusal as WorkflowUpdateFailedError).cause?.message).toMatch(
      /overlaps leavers already received/,
    );
  });

  it('sends nothing when the start carried every leaver', async () => {
    const s = standIn(first, first.length);
    await sendParts(s.handle, first.length, []);
    expect(s.sent).toEqual([]);
  });
});
