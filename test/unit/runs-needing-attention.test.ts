import {
  RUNS_NEEDING_ATTENTION_INTERVAL_MS,
  RUNS_NEEDING_ATTENTION_QUERY,
  watchRunsNeedingAttention,
} from '../../worker/runs-needing-attention';
import { CapturingLogger } from '../support/logger';

/**
 * The loop behind `offboarding_runs_needing_attention` (worker/runs-needing-attention.ts), with a fake
 * count and gauge. test/workflow/runs-needing-attention.test.ts runs it against the dev server.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/** A count that answers from `answers` in turn (a number, or an error to throw), recording its queries. */
function fakeCount(answers: Array<number | Error>, delayMs = 0) {
  const queries: string[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const count = async (query: string): Promise<number> => {
    queries.push(query);
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    try {
      if (delayMs > 0) await sleep(delayMs);
      const answer = answers[Math.min(queries.length - 1, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return answer ?? 0;
    } finally {
      inFlight--;
    }
  };
  return { count, queries, mostInFlight: () => mostInFlight };
}

describe('watchRunsNeedingAttention', () => {
  it('counts at once, without waiting for the first interval', async () => {
    expect(RUNS_NEEDING_ATTENTION_QUERY).toBe(
      "OffboardingPhase = 'needs_attention' AND ExecutionStatus = 'Running'",
    );
    expect(RUNS_NEEDING_ATTENTION_INTERVAL_MS).toBe(30_000);
    const values: number[] = [];
    const fake = fakeCount([2]);
    const watch = watchRunsNeedingAttention({
      count: fake.count,
      gauge: { set: (value) => values.push(value) },
      logger: new CapturingLogger(),
      intervalMs: 60_000,
    });
    await until(() => values.length >= 1, 2_000);
    await watch.stop();
    expect(values).toEqual([2]);
    expect(fake.queries).toEqual([RUNS_NEEDING_ATTENTION_QUERY]);
  });

  it('counts open runs in needs_attention every interval and sets the gauge each time', async () => {
    const values: number[] = [];
    const fake = fakeCount([2, 3, 0]);
    const watch = watchRunsNeedingAttention({
      count: fake.count,
      gauge: { set: (value) => values.push(value) },
      logger: new CapturingLogger(),
      intervalMs: 20,
    });
    await until(() => values.length >= 3);
    await watch.stop();
    expect(values.slice(0, 3)).toEqual([2, 3, 0]);
    expect(new Set(fake.queries)).toEqual(new Set([RUNS_NEEDING_ATTENTION_QUERY]));
  });

  it('never runs two counts at once when one takes longer than the interval', async () => {
    const fake = fakeCount([1], 60);
    const watch = watchRunsNeedingAttention({
      count: fake.count,
      gauge: { set: () => undefined },
      logger: new CapturingLogger(),
      intervalMs: 5,
    });
    await until(() => fake.queries.length >= 3);
    await watch.stop();
    expect(fake.mostInFlight()).toBe(1);
  });

  it('keeps the last value when a count fails, warns once, and says when counting works again', async () => {
    const values: number[] = [];
    const logger = new CapturingLogger();
    const fake = fakeCount([4, new Error('visibility unavailable'), new Error('still unavailable'), 1]);
    const watch = watchRunsNeedingAttention({
      count: fake.count,
      gauge: { set: (value) => values.push(value) },
      logger,
      intervalMs: 10,
    });
    await until(() => values.length >= 2);
    await watch.stop();
    expect(values.slice(0, 2)).toEqual([4, 1]);
    const warnings = logger.lines.filter((l) => l.level === 'WARN');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain('offboarding_runs_needing_attention keeps its last value');
    expect(warnings[0]?.meta).toEqual({ error: 'visibility unavailable' });
    expect(logger.lines.filter((l) => l.level === 'INFO').map((l) => l.message)).toEqual([
      'worker: counting runs needing attention again',
    ]);
  });

  it('stops: waits for the count in flight, sets nothing after, and counts no more', async () => {
    const values: number[] = [];
    const fake = fakeCount([7], 50);
    const watch = watchRunsNeedingAttention({
      count: fake.count,
      gauge: { set: (value) => values.push(value) },
      logger: new CapturingLogger(),
      intervalMs: 5,
    });
    await until(() => fake.queries.length === 1);
    const stopping = watch.stop();
    await stopping;
    expect(fake.mostInFlight()).toBe(1);
    await sleep(100);
    expect(fake.queries).toHaveLength(1);
    expect(values).toEqual([]);
  });
});
