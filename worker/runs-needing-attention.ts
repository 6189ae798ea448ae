import type { Client } from '@temporalio/client';
import type { Logger, MetricGauge } from '@temporalio/common';
import { PHASE } from '../workflows/search-attributes';

/**
 * `offboarding_runs_needing_attention` (worker/metrics.ts): how many runs wait for an operator, from
 * a visibility count of the whole namespace every 30 s. Every worker process reports the same
 * cluster-wide value (docs/operations.md: aggregate with max(), never sum()).
 */

/** Open runs whose phase is `needs_attention` (the workflow upserts OffboardingPhase). */
export const RUNS_NEEDING_ATTENTION_QUERY = `${PHASE.name} = 'needs_attention' AND ExecutionStatus = 'Running'`;

export const RUNS_NEEDING_ATTENTION_INTERVAL_MS = 30_000;
/** One count that takes longer than this fails (and is tried again at the next interval). */
export const COUNT_TIMEOUT_MS = 10_000;

/** A visibility count through a Client (built on the worker's connection), bounded in time. */
export function visibilityCount(
  client: Client,
  timeoutMs = COUNT_TIMEOUT_MS,
): (query: string) => Promise<number> {
  return async (query) =>
    (await client.withDeadline(Date.now() + timeoutMs, () => client.workflow.count(query))).count;
}

export interface RunsNeedingAttentionOptions {
  count: (query: string) => Promise<number>;
  gauge: Pick<MetricGauge, 'set'>;
  logger: Logger;
  /** Default RUNS_NEEDING_ATTENTION_INTERVAL_MS. */
  intervalMs?: number;
}

export interface RunsNeedingAttentionWatch {
  /** Stops counting; resolves once a count in flight has ended. */
  stop(): Promise<void>;
}

/**
 * Counts at once, then every `intervalMs` after the previous count ended (never two at a time), and
 * sets the gauge. A failed count leaves the last value and logs a warning, once until a count
 * succeeds again; the timer does not keep the process alive.
 */
export function watchRunsNeedingAttention(options: RunsNeedingAttentionOptions): RunsNeedingAttentionWatch {
  const intervalMs = options.intervalMs ?? RUNS_NEEDING_ATTENTION_INTERVAL_MS;
  let stopped = false;
  let failing = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const once = async (): Promise<void> => {
    try {
      const runs = await options.count(RUNS_NEEDING_ATTENTION_QUERY);
      if (stopped) return;
      options.gauge.set(runs);
      if (failing) options.logger.info('worker: counting runs needing attention again', { runs });
      failing = false;
    } catch (err) {
      if (stopped || failing) return;
      failing = true;
      options.logger.warn(
        'worker: could not count the runs needing attention; offboarding_runs_needing_attention keeps its last value until a count succeeds',
        { error: err instanceof Error ? err.message : String(err) },
      );
    }
  };
  const tick = (): void => {
    inFlight = once().finally(() => {
      if (stopped) return;
      timer = setTimeout(tick, intervalMs);
      timer.unref();
    });
  };
  tick();

  return {
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await inFlight;
    },
  };
}
