/**
 * How a run is carried out: chosen by whoever starts it (the CLI's flags and environment, the
 * webhook's configuration), never by the request's JSON, so that an HR event cannot lift the
 * approval threshold or the batch limit.
 */
export interface RunOptions {
  /** Ids per vendor call, 1 to 50. Default 50 (the vendors' limit). */
  batchSize?: number;
  /**
   * Vendor calls (HTTP exchanges) in flight at once for the run, in each worker process
   * (activities/call-slots.ts); the run keeps about 4 × as many batch activities going
   * (workflows/batch-runner.ts), and the workers' activity slots cap those. Default 4, at most 32.
   */
  concurrency?: number;
  /** More leavers than this waits for an explicit `approve`. Default 500. */
  approvalThreshold?: number;
  /**
   * How long transient vendor failures (5xx, 429, timeouts) are retried, with exponential backoff,
   * before a batch is recorded failed. Milliseconds. Default 30 minutes.
   */
  retryWindowMs?: number;
  /**
   * How long a batch's WPS step may fail transiently before its Authing step goes ahead without it
   * (ms), so that an office-suite outage does not hold back cutting identity access; WPS is then
   * retried with the run's other failures (`deadlineMs`). Default 2 minutes.
   */
  authingWaitMs?: number;
  /**
   * How long, from the start of the work, a run with leavers whose access is not cut keeps retrying
   * (on a durable backoff) and waits for an operator's `retry` or `waive`, before it ends Failed.
   * Milliseconds. Default 3 days.
   */
  deadlineMs?: number;
  /**
   * The share (0 to 1) of a system's ids that may be `not_found` before the run stops for an
   * operator (phase `needs_attention`); a read that returns none of the ids sent stops it anyway.
   * Default 0.2.
   */
  notFoundThreshold?: number;
  /** Set by the client when the leavers arrive in parts: the request's leaver count in all. */
  expectedLeavers?: number;
}

export const DEFAULT_CONCURRENCY = 4;
export const MAX_CONCURRENCY = 32;
export const DEFAULT_APPROVAL_THRESHOLD = 500;
export const DEFAULT_RETRY_WINDOW_MS = 30 * 60_000;
export const DEFAULT_NOT_FOUND_THRESHOLD = 0.2;
export const DEFAULT_AUTHING_WAIT_MS = 2 * 60_000;
export const DEFAULT_DEADLINE_MS = 3 * 86_400_000;

export interface ResolvedRunOptions {
  batchSize: number;
  concurrency: number;
  approvalThreshold: number;
  retryWindowMs: number;
  authingWaitMs: number;
  deadlineMs: number;
  notFoundThreshold: number;
}

/** Run options with defaults filled in, or the list of what is wrong with them. */
export function resolveRunOptions(
  options: RunOptions,
  maxBatchSize: number,
): { ok: true; options: ResolvedRunOptions } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const whole = (
    name: string,
    value: number | undefined,
    fallback: number,
    min: number,
    max: number,
  ): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got ${String(value)}`);
    }
    return value;
  };
  const share = (name: string, value: number | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      problems.push(`${name} must be a number from 0 to 1, got ${String(value)}`);
    }
    return value;
  };
  const resolved: ResolvedRunOptions = {
    batchSize: whole('batchSize', options.batchSize, maxBatchSize, 1, maxBatchSize),
    concurrency: whole('concurrency', options.concurrency, DEFAULT_CONCURRENCY, 1, MAX_CONCURRENCY),
    approvalThreshold: whole(
      'approvalThreshold',
      options.approvalThreshold,
      DEFAULT_APPROVAL_THRESHOLD,
      0,
      Number.MAX_SAFE_INTEGER,
    ),
    retryWindowMs: whole(
      'retryWindowMs',
      options.retryWindowMs,
      DEFAULT_RETRY_WINDOW_MS,
      10_000,
      7 * 86_400_000,
    ),
    authingWaitMs: whole('authingWaitMs', options.authingWaitMs, DEFAULT_AUTHING_WAIT_MS, 1_000, 86_400_000),
    deadlineMs: whole('deadlineMs', options.deadlineMs, DEFAULT_DEADLINE_MS, 10_000, 90 * 86_400_000),
    notFoundThreshold: share('notFoundThreshold', options.notFoundThreshold, DEFAULT_NOT_FOUND_THRESHOLD),
  };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, options: resolved };
}
