import { figure, type Figure } from '../figures';
import { historyStats, type HistoryStats } from '../history';
import { benchRequest, leaver } from '../leavers';
import { outcomesOf, runRequest } from '../run';
import type { SimStats } from '../sim-protocol';
import { checkOutcomes, type OutcomeCheck } from '../outcome-check';
import type { WorkerSwitch } from '../ablated-worker';
import type { Faults, ScenarioContext } from './types';

/**
 * One measured run, shared by the scenarios: a fresh directory and faults in the simulators, fresh
 * workers, the request through Temporal; then the simulators' counters, the histories, every leaver's
 * outcome against the directories, and the worker's peak memory.
 */

export interface MeasureSpec {
  /** Names the run's worker log and request id. */
  name: string;
  leavers: number;
  concurrency: number;
  faults: Faults;
  /**
   * Per-vendor calls per second of all the run's workers together; unset: no pacing. Each process's
   * pacer gets it ÷ `workers`, as README's configuration table tells an operator.
   */
  callsPerSecond?: number;
  /** Worker processes on the run's task queue (`--workers`); unset: 1. */
  workers?: number;
  /** The leaver (1-based) both vendors refuse to act on; left out of the outcome check. */
  refused?: number;
  /** A layer switched off in the worker (bench/ablated-worker.ts); unset: the product's worker. */
  ablate?: WorkerSwitch;
  /** The run option: how long a run with leavers not cut waits before it ends (ms); unset: its default. */
  deadlineMs?: number;
}

export interface Measurement {
  wallMs: number;
  leavers: number;
  concurrency: number;
  workers: number;
  status: string;
  sims: SimStats;
  history: HistoryStats;
  check: OutcomeCheck;
  /** The first worker's. */
  peakRssBytes: number | undefined;
}

export async function measure(context: ScenarioContext, spec: MeasureSpec): Promise<Measurement> {
  const { stack, say } = context;
  const sims = stack.sims;
  const client = stack.client;
  if (!sims || !client) throw new Error('the bench stack is not started');
  const refused = spec.refused === undefined ? undefined : leaver(spec.refused);
  await sims.reset(spec.leavers, spec.faults, {
    wps: refused ? [refused.wpsUserId] : [],
    authing: refused ? [refused.authingUserId] : [],
  });
  const workers = spec.workers ?? 1;
  const taskQueue = await stack.startWorkers(
    spec.name,
    {
      // The product's default (20) unless the run asks for more lanes than that.
      maxConcurrentActivities: Math.max(20, spec.concurrency),
      ...(spec.callsPerSecond !== undefined ? { callsPerSecond: spec.callsPerSecond / workers } : {}),
      ...(spec.ablate !== undefined ? { ablate: spec.ablate } : {}),
    },
    workers,
  );
  try {
    const request = benchRequest(`bench-${context.tag}-${spec.name}`, spec.leavers);
    say(`${spec.name}: ${spec.leavers.toLocaleString('en-US')} leavers, concurrency ${spec.concurrency}`);
    const run = await runRequest(client, request, {
      taskQueue,
      concurrency: spec.concurrency,
      timeoutMs: context.options.runTimeoutMs,
      ...(spec.deadlineMs !== undefined ? { deadlineMs: spec.deadlineMs } : {}),
      onProgress: (line) => say(`${spec.name}: ${line}`),
    });
    say(`${spec.name}: ${run.result.status} in ${(run.wallMs / 1000).toFixed(2)} s`);
    const simStats = await sims.stats();
    const history = await historyStats(client, run.workflowIds);
    const check = await checkOutcomes(sims, await outcomesOf(client, run), refused?.employeeId);
    const peakRssBytes = await stack.stopWorkers();
    return {
      wallMs: run.wallMs,
      leavers: spec.leavers,
      concurrency: spec.concurrency,
      workers,
      status: run.result.status,
      sims: simStats,
      history,
      check,
      peakRssBytes,
    };
  } finally {
    await stack.stopWorkers();
  }
}

/** Every vendor call the simulators recorded (API calls, and Authing's token calls). */
export function totalCalls(stats: SimStats): number {
  return stats.wps.calls + stats.authing.calls;
}

/** Where the time went (info only): the figures that explain a measured ÷ ideal above 1. */
export function timingFigures(prefix: string, label: string, m: Measurement, latencyMs: number): Figure[] {
  const t = m.history.timings;
  return [
    figure(
      `${prefix}callsInFlightPeak`,
      `vendor calls in flight, most at once${label} (both vendors)`,
      m.sims.inFlight.peak,
      'number',
      // A run's call slots are per worker process.
      { op: '<=', value: m.concurrency * m.workers },
    ),
    figure(
      `${prefix}callsInFlightMean`,
      `vendor calls in flight, mean${label} (the ideal time assumes ${m.concurrency})`,
      m.sims.inFlight.mean,
      'number',
    ),
    figure(
      `${prefix}meanActivityRunMs`,
      `mean activity run${label} (3 calls of ${latencyMs} ms, and waits for a call slot)`,
      t.meanActivityRunMs,
      'ms',
    ),
    figure(
      `${prefix}meanActivityQueueMs`,
      `mean activity wait, scheduled to started${label}`,
      t.meanActivityQueueMs,
      'ms',
    ),
    figure(
      `${prefix}meanWorkflowTaskMs`,
      `mean workflow task, scheduled to completed${label}`,
      t.meanWorkflowTaskMs,
      'ms',
    ),
    figure(
      `${prefix}activitiesInFlight`,
      `mean activities running at once${label} (lanes for about ${4 * m.concurrency})`,
      (t.activities * t.meanActivityRunMs) / m.wallMs,
      'number',
    ),
  ];
}
