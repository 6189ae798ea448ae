import { CHUNK_MAX_LEAVERS, planBatches, planChunks, splitLeavers } from '../../workflows/plan';

const leavers = (count: number, idLength = 8) =>
  Array.from({ length: count }, (_, i) => ({
    wpsUserId: `w${String(i).padStart(idLength, '0')}`,
    authingUserId: `a${String(i).padStart(idLength, '0')}`,
  }));

const sizes = (chunks: unknown[][]) => chunks.map((c) => c.length);

describe('chunks of a large run', () => {
  it('keeps a run of at most one chunk whole', () => {
    expect(sizes(planChunks(leavers(1000), 50, 4))).toEqual([1000]);
    expect(sizes(planChunks(leavers(10), 50, 4))).toEqual([10]);
  });

  it('cuts as many even chunks as a multiple of the lanes, so a wave of chunks ends together', () => {
    // 10,000 leavers: 10 greedy chunks would run as waves of 4, 4 and 2 on 4 lanes.
    expect(sizes(planChunks(leavers(10_000), 50, 4))).toEqual(
      Array(12)
        .fill(0)
        .map((_, i) => (i < 8 ? 850 : 800)),
    );
    expect(sizes(planChunks(leavers(2_100), 50, 4))).toEqual([550, 550, 500, 500]);
    expect(sizes(planChunks(leavers(2_100), 50, 1))).toEqual([700, 700, 700]);
  });

  it('cuts on batch boundaries, so the batches are those of the unchunked plan', () => {
    const all = leavers(3_333);
    const chunks = planChunks(all, 40, 4);
    expect(chunks.flat()).toEqual(all);
    expect(chunks.slice(0, -1).every((c) => c.length % 40 === 0)).toBe(true);
    const batchesOfChunks = chunks.flatMap((c) => planBatches(c, 40).map((b) => b.leavers.length));
    expect(batchesOfChunks).toEqual(planBatches(all, 40).map((b) => b.leavers.length));
  });

  it('never exceeds the leaver and byte limits of a chunk', () => {
    for (const [count, lanes, idLength] of [
      [1_001, 4, 8],
      [5_000, 3, 8],
      [2_000, 32, 8],
      [3_000, 4, 400],
    ] as const) {
      const chunks = planChunks(leavers(count, idLength), 50, lanes, CHUNK_MAX_LEAVERS, 256 * 1024);
      expect(chunks.flat()).toHaveLength(count);
      expect(Math.max(...sizes(chunks))).toBeLessThanOrEqual(CHUNK_MAX_LEAVERS);
      expect(chunks.length).toBeGreaterThanOrEqual(
        splitLeavers(leavers(count, idLength), CHUNK_MAX_LEAVERS, 256 * 1024).length,
      );
    }
  });

  it('falls back to the greedy cut when no even cut fits', () => {
    // Byte limit so tight that a whole batch never fits: only the greedy cut can keep within it.
    const all = leavers(120);
    const tight = planChunks(all, 50, 4, 1000, 400);
    expect(tight).toEqual(splitLeavers(all, 1000, 400));
  });
});
