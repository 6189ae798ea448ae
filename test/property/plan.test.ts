import fc from 'fast-check';
import { resolveRunOptions, type RunOptions } from '../../workflows/options';
import { checkBatchSize, leaverBytes, planBatches, splitLeavers, summarisePlan } from '../../workflows/plan';
import { MAX_IDS_PER_CALL, type Leaver } from '../../workflows/request';
import { leavers as leaversArb } from './arbitraries';

/**
 * Batch planning as properties: the plan covers every leaver exactly once, in request order, with
 * no batch over the size (so no vendor call over 50 ids); the parts and chunks a large request is
 * cut into do the same within their count and byte bounds, and the byte estimate is a true upper
 * bound of a leaver's JSON size, whatever its ids hold.
 */

const batchSize = fc.integer({ min: 1, max: MAX_IDS_PER_CALL });

/** Leavers with any ids at all (planning does not validate), including lone surrogates and quotes. */
const anyLeavers: fc.Arbitrary<Leaver[]> = fc.array(
  fc.record(
    {
      employeeId: fc.string({ unit: 'binary', maxLength: 12 }),
      wpsUserId: fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.string({
          unit: fc.constantFrom('"', '\\', '\u0000', '\ud800', '\udc00', '😀', '张'),
          maxLength: 20,
        }),
      ),
      authingUserId: fc.string({ unit: 'binary', maxLength: 20 }),
    },
    { requiredKeys: [] },
  ),
  { maxLength: 300 },
);

describe('batch planning (properties)', () => {
  it('covers every leaver exactly once, in order, in batches of at most the size', () => {
    fc.assert(
      fc.property(fc.oneof(leaversArb(150), anyLeavers), batchSize, (leavers, size) => {
        const batches = planBatches(leavers, size);
        expect(batches).toHaveLength(Math.ceil(leavers.length / size));
        // Same objects, same order: concatenated, the batches are the request.
        expect(batches.flatMap((b) => b.leavers)).toEqual(leavers);
        batches.flatMap((b) => b.leavers).forEach((l, i) => expect(l).toBe(leavers[i]));
        let first = 0;
        batches.forEach((batch, i) => {
          expect(batch.index).toBe(i);
          expect(batch.first).toBe(first);
          expect(batch.leavers.length).toBeGreaterThan(0);
          // Full batches except perhaps the last.
          if (i < batches.length - 1) expect(batch.leavers).toHaveLength(size);
          else expect(batch.leavers.length).toBeLessThanOrEqual(size);
          expect(batch.wpsUserIds).toEqual(
            batch.leavers.flatMap((l) => (l.wpsUserId === undefined ? [] : [l.wpsUserId])),
          );
          expect(batch.authingUserIds).toEqual(
            batch.leavers.flatMap((l) => (l.authingUserId === undefined ? [] : [l.authingUserId])),
          );
          expect(batch.wpsUserIds.length).toBeLessThanOrEqual(MAX_IDS_PER_CALL);
          expect(batch.authingUserIds.length).toBeLessThanOrEqual(MAX_IDS_PER_CALL);
          first += batch.leavers.length;
        });
        const summary = summarisePlan(batches, size);
        expect(summary).toEqual({
          leavers: leavers.length,
          batches: batches.length,
          batchSize: size,
          wpsUserIds: leavers.filter((l) => l.wpsUserId !== undefined).length,
          authingUserIds: leavers.filter((l) => l.authingUserId !== undefined).length,
        });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses any batch size but a whole number from 1 to 50, with a RangeError', () => {
    const bad = fc.oneof(
      fc.integer({ max: 0 }),
      fc.integer({ min: MAX_IDS_PER_CALL + 1 }),
      fc.double({ noInteger: true }),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 50.5, 0.5),
    );
    fc.assert(
      fc.property(bad, (size) => {
        expect(() => checkBatchSize(size)).toThrow(RangeError);
        expect(() => planBatches([{ wpsUserId: 'w' }], size)).toThrow(RangeError);
      }),
    );
    fc.assert(fc.property(batchSize, (size) => expect(checkBatchSize(size)).toBe(size)));
  });

  it('estimates a leaver’s JSON size from above, whatever its ids hold', () => {
    fc.assert(
      fc.property(anyLeavers, (leavers) => {
        for (const leaver of leavers) {
          expect(leaverBytes(leaver)).toBeGreaterThanOrEqual(
            Buffer.byteLength(JSON.stringify(leaver), 'utf8'),
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('cuts a request into consecutive parts within the count and byte bounds, losing nobody', () => {
    const bounds = fc.record({
      maxLeavers: fc.integer({ min: 1, max: 60 }),
      maxBytes: fc.integer({ min: 1, max: 4000 }),
    });
    fc.assert(
      fc.property(fc.oneof(leaversArb(150), anyLeavers), bounds, (leavers, { maxLeavers, maxBytes }) => {
        const parts = splitLeavers(leavers, maxLeavers, maxBytes);
        expect(parts.flat()).toEqual(leavers);
        parts.flat().forEach((l, i) => expect(l).toBe(leavers[i]));
        for (const part of parts) {
          expect(part.length).toBeGreaterThan(0);
          expect(part.length).toBeLessThanOrEqual(maxLeavers);
          const bytes = part.reduce((n, l) => n + leaverBytes(l), 0);
          // Only a single leaver larger than the bound by itself may exceed it (it cannot be cut).
          if (part.length > 1) expect(bytes).toBeLessThanOrEqual(maxBytes);
        }
        // Greedy: a part ends only because the next leaver would not fit.
        for (let i = 0; i + 1 < parts.length; i++) {
          const part = parts[i] as Leaver[];
          const next = (parts[i + 1] as Leaver[])[0] as Leaver;
          const bytes = part.reduce((n, l) => n + leaverBytes(l), 0);
          expect(part.length >= maxLeavers || bytes + leaverBytes(next) > maxBytes).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('names each bad run option with its range and the value given, one problem per option', () => {
    const problems = (options: unknown) => {
      const result = resolveRunOptions(options as RunOptions, MAX_IDS_PER_CALL);
      return result.ok ? [] : result.problems;
    };
    expect(
      problems({ batchSize: 51, concurrency: 1.5, notFoundThreshold: 2, deadlineMs: Number.NaN }),
    ).toEqual([
      'batchSize must be a whole number from 1 to 50, got 51',
      'concurrency must be a whole number from 1 to 32, got 1.5',
      'deadlineMs must be a whole number from 10000 to 7776000000, got NaN',
      'notFoundThreshold must be a number from 0 to 1, got 2',
    ]);
    expect(problems(null)).toEqual(['the run options must be an object']);
    expect(resolveRunOptions({}, MAX_IDS_PER_CALL)).toEqual({
      ok: true,
      options: {
        batchSize: 50,
        concurrency: 4,
        approvalThreshold: 500,
        retryWindowMs: 1_800_000,
        authingWaitMs: 120_000,
        deadlineMs: 259_200_000,
        notFoundThreshold: 0.2,
      },
    });
  });

  it('resolves run options: defaults when unset, the value when in range, a named problem otherwise', () => {
    const value = fc.option(
      fc.oneof(fc.integer({ min: -10, max: 100 }), fc.double(), fc.integer({ min: 9_000, max: 20_000_000 })),
      { nil: undefined },
    );
    fc.assert(
      fc.property(
        fc.record({ batchSize: value, concurrency: value, approvalThreshold: value, retryWindowMs: value }),
        (options) => {
          const result = resolveRunOptions(options, MAX_IDS_PER_CALL);
          const inRange = (v: number | undefined, min: number, max: number): boolean =>
            v === undefined || (Number.isInteger(v) && v >= min && v <= max);
          const checks: Array<[keyof typeof options, number, number]> = [
            ['batchSize', 1, MAX_IDS_PER_CALL],
            ['concurrency', 1, 32],
            ['approvalThreshold', 0, Number.MAX_SAFE_INTEGER],
            ['retryWindowMs', 10_000, 7 * 86_400_000],
          ];
          const wrong = checks.filter(([k, min, max]) => !inRange(options[k], min, max)).map(([k]) => k);
          if (wrong.length === 0) {
            if (!result.ok) throw new Error(result.problems.join('; '));
            expect(result.options.batchSize).toBe(options.batchSize ?? MAX_IDS_PER_CALL);
            expect(result.options.concurrency).toBe(options.concurrency ?? 4);
          } else {
            expect(result.ok).toBe(false);
            if (!result.ok) expect(result.problems.map((p) => p.split(' ')[0])).toEqual(wrong);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
