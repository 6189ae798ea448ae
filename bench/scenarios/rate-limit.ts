import { CHUNK_MAX_LEAVERS } from '../../workflows/plan';
import { MAX_IDS_PER_CALL } from '../../workflows/request';
import { figure } from '../figures';
import type { SimStats, VendorStats } from '../sim-protocol';
import { measure, timingFigures, totalCalls, type MeasureSpec } from './measure';
import type { BenchOptions, Scenario, ScenarioContext, ScenarioResult } from './types';

/**
 * 2. Rate limit: each simulator allows R calls per second (in any sliding second) and answers 429
 * above it. The bench runs N worker processes on one task queue (`--workers`, default 1), configured
 * as an operator would for that limit (README, configuration):
 * - WPS_CALLS_PER_SECOND / AUTHING_CALLS_PER_SECOND = R ÷ N: each worker's call pacer
 *   (activities/shared/call-pacer.ts) spaces its HTTP exchanges to a vendor at least N/R s apart,
 *   so no sliding second holds more than R calls from all of them.
 * The run gets enough lanes (at least 16) for the limit, not the concurrency, to be what binds; and
 * enough leavers that every lane is used (a request over 1,000 leavers runs as chunk runs of one
 * lane each, at most `concurrency` at a time) and the calls last at least 10 s at R, whatever the
 * scale.
 */

export const RATE_LIMIT_LEAVERS = 20_000;
const CALLS_PER_ACTIVITY = 3;
const MIN_CONCURRENCY = 16;
const MIN_SECONDS = 10;
/** The targets: achieved ÷ R at least, 429s ÷ calls at most. */
export const MIN_ACHIEVED = 0.9;
export const MAX_THROTTLED_SHARE = 0.01;

/** Accepted calls per second over the vendor's busy window (first to last accepted call). */
export function achievedPerSecond(stats: VendorStats): number | undefined {
  if (stats.firstAcceptedAt === undefined || stats.lastAcceptedAt === undefined || stats.accepted < 2) {
    return undefined;
  }
  const seconds = (stats.lastAcceptedAt - stats.firstAcceptedAt) / 1000;
  return seconds > 0 ? (stats.accepted - 1) / seconds : undefined;
}

/** The slower vendor's accepted calls per second ÷ `r`. */
export function achievedOverLimit(sims: SimStats, r: number): number | undefined {
  const wps = achievedPerSecond(sims.wps);
  const authing = achievedPerSecond(sims.authing);
  return wps === undefined || authing === undefined ? undefined : Math.min(wps, authing) / r;
}

/** The run this scenario measures (the ablation's too). */
export function rateLimitSpec(options: BenchOptions): MeasureSpec {
  const r = options.rateLimit;
  const concurrency = Math.max(options.concurrency, MIN_CONCURRENCY);
  // A rate is only meaningful over a while (MIN_SECONDS of calls at R), with every lane in use.
  const floor = Math.max(
    Math.ceil((MIN_SECONDS * r) / CALLS_PER_ACTIVITY) * MAX_IDS_PER_CALL,
    concurrency * CHUNK_MAX_LEAVERS,
  );
  return {
    name: 'rate-limit',
    leavers: Math.max(floor, Math.round(RATE_LIMIT_LEAVERS * options.scale)),
    concurrency,
    faults: { latencyMs: options.latencyMs, rateLimitPerSecond: r },
    callsPerSecond: r,
    workers: options.workers,
  };
}

export const rateLimit: Scenario = {
  name: 'rate-limit',
  title: '2. Rate limit',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options } = context;
    const r = options.rateLimit;
    const spec = rateLimitSpec(options);
    const { leavers, concurrency, faults, callsPerSecond, workers } = spec;
    const m = await measure(context, spec);

    const wps = achievedPerSecond(m.sims.wps);
    const authing = achievedPerSecond(m.sims.authing);
    const throttled = m.sims.wps.throttled + m.sims.authing.throttled;
    return {
      name: this.name,
      title: this.title,
      settings: {
        leavers,
        concurrency,
        rateLimitPerSecond: r,
        callsPerSecond,
        workers,
        faults,
      },
      figures: [
        figure('wallMs', 'wall time', m.wallMs, 'ms'),
        figure('wpsPerSecond', 'WPS 365 accepted calls per second', wps, 'per-second'),
        figure('authingPerSecond', 'Authing accepted calls per second', authing, 'per-second'),
        figure(
          'achievedOverLimit',
          `achieved ÷ R (R = ${r}/s, the slower vendor)`,
          achievedOverLimit(m.sims, r),
          'ratio',
          {
            op: '>=',
            value: MIN_ACHIEVED,
          },
        ),
        figure(
          'peakPerSecond',
          'busiest one-second window (either vendor)',
          Math.max(m.sims.wps.peakAcceptedPerSecond, m.sims.authing.peakAcceptedPerSecond),
          'count',
        ),
        figure('throttled', '429s received', throttled, 'count'),
        figure('throttledShare', '429s ÷ calls', throttled / totalCalls(m.sims), 'share', {
          op: '<=',
          value: MAX_THROTTLED_SHARE,
        }),
        ...timingFigures('', '', m, options.latencyMs),
        figure('correct', 'leavers with a correct outcome', m.check.correct / m.check.leavers, 'share', {
          op: '>=',
          value: 1,
        }),
      ],
      details: { run: m },
    };
  },
};
