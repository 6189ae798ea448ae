import { LeaverParts } from '../../workflows/parts';
import type { Leaver } from '../../workflows/request';

/** A large request's parts as the workflow takes them (workflows/parts.ts): pure, no server. */

const leaver = (n: number): Leaver => ({ employeeId: `E${n}`, wpsUserId: `wps-${n}` });
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => leaver(from + i));
const ids = (leavers: readonly Leaver[]) => leavers.map((l) => l.employeeId);

describe('LeaverParts', () => {
  it('assembles parts in request order whatever order they come in, complete only when they tile the request', () => {
    const parts = new LeaverParts(range(1, 2), 10);
    const sent = [
      { part: 3, offset: 7, leavers: range(8, 3) },
      { part: 1, offset: 2, leavers: range(3, 2) },
      { part: 2, offset: 4, leavers: range(5, 3) },
    ];
    const receipts = sent.map((p) => {
      parts.check(p);
      return parts.add(p);
    });
    expect(receipts.map((r) => r.received)).toEqual([5, 7, 10]);
    expect(parts.complete).toBe(true);
    expect(ids(parts.leavers)).toEqual(ids(range(1, 10)));
  });

  it('counts a part that came ahead of a gap as received, but keeps it out of the leavers until the gap is filled', () => {
    const parts = new LeaverParts(range(1, 2), 6);
    parts.add({ part: 2, offset: 4, leavers: range(5, 2) });
    expect(parts.received).toBe(4);
    expect(parts.complete).toBe(false);
    expect(ids(parts.leavers)).toEqual(['E1', 'E2']);
  });

  it('refuses parts that overlap, lie outside the request, or repeat an id of any part in', () => {
    const parts = new LeaverParts(range(1, 2), 8);
    parts.add({ part: 3, offset: 6, leavers: range(7, 2) });
    expect(() => parts.check({ part: 9, offset: 1, leavers: [leaver(2)] })).toThrow(
      'part 9: offset 1 must be a whole number from 2 (the leavers after the first part)',
    );
    expect(() => parts.check({ part: 9, offset: 5, leavers: range(6, 2) })).toThrow(
      'part 9 (leavers[5] to leavers[6]) overlaps leavers already received',
    );
    expect(() => parts.check({ part: 9, offset: 8, leavers: [leaver(9)] })).toThrow(
      'part 9 brings more leavers than the 8 announced',
    );
    expect(() => parts.check({ part: 0, offset: 2, leavers: [leaver(3)] })).toThrow(
      "part 0: a part's number must be a whole number from 1",
    );
    expect(() => parts.check({ part: 1, offset: 2, leavers: [leaver(3), leaver(8)] })).toThrow(
      'leavers[3] (employee E8).wpsUserId: duplicates leavers[7].wpsUserId (wps-8)',
    );
    // Refused parts changed nothing.
    expect(parts.received).toBe(4);
  });

  it('once closed (a cancel while parts come), holds every leaver received in request order and takes no more parts', () => {
    const parts = new LeaverParts(range(1, 2), 10);
    parts.add({ part: 3, offset: 8, leavers: range(9, 2) });
    parts.add({ part: 2, offset: 5, leavers: range(6, 2) });
    parts.close();
    expect(ids(parts.leavers)).toEqual(['E1', 'E2', 'E6', 'E7', 'E9', 'E10']);
    expect(parts.received).toBe(6);
    const refusal = 'this run takes no more parts: it stopped receiving them (it was cancelled)';
    expect(() => parts.check({ part: 1, offset: 2, leavers: range(3, 3) })).toThrow(refusal);
  });
});
