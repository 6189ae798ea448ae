import type { MetricCounter, MetricGauge, MetricHistogram, MetricMeter } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Activities } from '../activities';
import { VENDOR_FAILURE_TYPES, type VendorName } from '../activities/shared/errors';
import { observeSafely, type VendorMetrics } from '../activities/shared/metrics';
import { OUTCOME_STATUSES, SYSTEMS, type System, type SystemOutcome } from '../workflows/outcome';

/**
 * Our metrics, recorded through the Temporal runtime's meter so that they are served on the same
 * Prometheus endpoint as the SDK's own (`temporal_*`). Names and labels are documented in
 * docs/operations.md; keep the two in step.
 */
export const METRIC_NAMES = {
  leavers: 'offboarding_leavers_total',
  vendorCallDuration: 'vendor_call_duration_seconds',
  vendorCallErrors: 'vendor_call_errors_total',
  tokenFetches: 'vendor_token_fetches_total',
  /** A gauge, set by worker/runs-needing-attention.ts from a visibility count. */
  runsNeedingAttention: 'offboarding_runs_needing_attention',
} as const;

/**
 * Bucket bounds for vendor call durations in seconds: a healthy call takes tens to hundreds of
 * milliseconds; the HTTP timeout is 15 s. (The runtime's default buckets are in milliseconds.)
 */
export const VENDOR_CALL_DURATION_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

/** Which system each vendor activity acts on; a new activity must be added here to be counted. */
export const ACTIVITY_SYSTEM: Record<keyof Activities, System> = {
  disableWpsUsers: 'wps',
  resignAuthingUsers: 'authing',
};

/** A failure outside the closed set of vendor failure types (a bug, a cancellation). */
export const OTHER_FAILURE = 'Other';

export interface OffboardingMetrics {
  leavers: MetricCounter;
  vendorCallDuration: MetricHistogram;
  vendorCallErrors: MetricCounter;
  tokenFetches: MetricCounter;
}

export function createOffboardingMetrics(meter: MetricMeter): OffboardingMetrics {
  const metrics: OffboardingMetrics = {
    leavers: meter.createCounter(
      METRIC_NAMES.leavers,
      'leavers',
      'Leavers whose vendor activity completed, by system and verified outcome',
    ),
    vendorCallDuration: meter.createHistogram(
      METRIC_NAMES.vendorCallDuration,
      'float',
      's',
      'Duration of one HTTP exchange with a vendor, answered or not, by vendor and operation',
    ),
    vendorCallErrors: meter.createCounter(
      METRIC_NAMES.vendorCallErrors,
      'errors',
      'Vendor activity attempts that failed, by vendor and failure type (activities/shared/errors.ts)',
    ),
    tokenFetches: meter.createCounter(
      METRIC_NAMES.tokenFetches,
      'fetches',
      'Access tokens requested from a vendor (cache empty, expiring or rejected)',
    ),
  };
  // Every known series starts at 0, so that dashboards and alerts see it before its first event
  // (a rate over a series that does not exist yet is empty, not zero).
  const failureTypes = [...Object.values(VENDOR_FAILURE_TYPES), OTHER_FAILURE];
  for (const system of SYSTEMS) {
    for (const outcome of OUTCOME_STATUSES) metrics.leavers.add(0, { system, outcome });
    for (const type of failureTypes) metrics.vendorCallErrors.add(0, { vendor: system, type });
    metrics.tokenFetches.add(0, { vendor: system });
  }
  return metrics;
}

/**
 * The gauge of runs waiting for an operator (worker/runs-needing-attention.ts sets it). Apart from
 * `createOffboardingMetrics`: only a worker process that serves metrics counts them.
 */
export function createRunsNeedingAttentionGauge(meter: MetricMeter): MetricGauge {
  return meter.createGauge(
    METRIC_NAMES.runsNeedingAttention,
    'int',
    'runs',
    'Running offboarding runs in phase needs_attention, counted through visibility (the same in every worker)',
  );
}

/** The hook the vendor clients take (`WpsClient` / `AuthingClient` option `metrics`). */
export function vendorMetricsHook(metrics: OffboardingMetrics): VendorMetrics {
  return {
    callEnded: ({ vendor, operation, seconds }) =>
      metrics.vendorCallDuration.record(Math.max(0, seconds), { vendor, operation }),
    tokenFetched: (vendor: VendorName) => metrics.tokenFetches.add(1, { vendor }),
  };
}

function isOutcomeList(value: unknown): value is SystemOutcome[] {
  return (
    Array.isArray(value) &&
    value.every(
      (item) =>
        typeof item === 'object' &&
        item !== null &&
        (OUTCOME_STATUSES as readonly unknown[]).includes((item as { status?: unknown }).status),
    )
  );
}

/** The failure type of what an activity threw: one of VENDOR_FAILURE_TYPES, or `Other`. */
export function failureTypeOf(err: unknown): string {
  const type = (err as { type?: unknown } | null)?.type;
  const known: readonly unknown[] = Object.values(VENDOR_FAILURE_TYPES);
  return known.includes(type) ? (type as string) : OTHER_FAILURE;
}

/**
 * Counts, per vendor activity attempt, each leaver's outcome when it completes, or the failure type
 * when it throws. Pass it as `interceptors: { activity: [activityMetricsInterceptor(metrics)] }`.
 * Outcomes decided by the workflow without an activity result (`skipped`, or `failed` after the
 * retry window) are in the run's result and search attributes, not here.
 */
export function activityMetricsInterceptor(metrics: OffboardingMetrics): ActivityInterceptorsFactory {
  return (ctx) => {
    const system = (ACTIVITY_SYSTEM as Record<string, System | undefined>)[ctx.info.activityType];
    if (system === undefined) return {};
    return {
      inbound: {
        async execute(input, next) {
          let result: unknown;
          try {
            result = await next(input);
          } catch (err) {
            observeSafely(() =>
              metrics.vendorCallErrors.add(1, { vendor: system, type: failureTypeOf(err) }),
            );
            throw err;
          }
          if (isOutcomeList(result)) {
            const counts = new Map<string, number>();
            for (const { status } of result) counts.set(status, (counts.get(status) ?? 0) + 1);
            // Metrics never change an activity's result: a recording error is ignored.
            observeSafely(() => {
              for (const [outcome, n] of counts) metrics.leavers.add(n, { system, outcome });
            });
          }
          return result;
        },
      },
    };
  };
}
