import { planBatches, summarisePlan } from '../../workflows/plan';

describe('batch planning', () => {
  const leavers = Array.from({ length: 120 }, (_, i) =>
    i % 3 === 0 ? { wpsUserId: `w${i}` } : { wpsUserId: `w${i}`, authingUserId: `a${i}` },
  );

  it('cuts consecutive leavers into batches of at most the batch size', () => {
    const batches = planBatches(leavers, 50);
    expect(batches.map((b) => [b.first, b.leavers.length])).toEqual([
      [0, 50],
      [50, 50],
      [100, 20],
    ]);
    expect(batches.every((b) => b.wpsUserIds.length <= 50 && b.authingUserIds.length <= 50)).toBe(true);
    expect(summarisePlan(batches, 50)).toEqual({
      leavers: 120,
      batches: 3,
      batchSize: 50,
      wpsUserIds: 120,
      authingUserIds: 80,
    });
  });

  it('never plans more than 50 ids per call', () => {
    expect(() => planBatches(leavers, 51)).toThrow('batch size must be a whole number from 1 to 50, got 51');
    expect(() => planBatches(leavers, 0)).toThrow(RangeError);
  });
});
