import { z } from 'zod';

/**
 * How a run is carried out: chosen by whoever starts it (the CLI's flags and environment, the
 * webhook's configuration), never by the request's JSON, so that an HR event cannot lift the
 * approval threshold or the batch limit. Declared with zod like the request (./request.ts), but apart
 * from it: it is the workflow's second argument, and not in the schema published for HR systems.
 */

export const MAX_CONCURRENCY = 32;
export const DEFAULT_APPROVAL_THRESHOLD = 500;
export const DEFAULT_NOT_FOUND_THRESHOLD = 0.2;
const MINUTE = 60_000;
const DAY = 1_440 * MINUTE;

// One message per option, naming the range and the value given (a number, never personal data).
function number(min: number, max: number, fallback: number, kind = 'whole number') {
  const error = ({ input }: { input?: unknown }): string =>
    `must be a ${kind} from ${min} to ${max}, got ${String(input)}`;
  const valid = (n: number): boolean => n >= min && n <= max && (kind === 'number' || Number.isInteger(n));
  return z.number({ error }).refine(valid, { error }).default(fallback);
}

const runOptionsSchema = (maxBatchSize: number) =>
  z.object(
    {
      /** Ids per vendor call; default the vendors' limit. */
      batchSize: number(1, maxBatchSize, maxBatchSize),
      /**
       * Vendor calls (HTTP exchanges) in flight at once for the run, in each worker process; the run
       * keeps about 4 × as many batch activities going (workflows/batch-runner.ts).
       */
      concurrency: number(1, MAX_CONCURRENCY, 4),
      /** More leavers than this waits for an explicit `approve`. Default 500. */
      approvalThreshold: number(0, Number.MAX_SAFE_INTEGER, DEFAULT_APPROVAL_THRESHOLD),
      /** How long (ms) transient vendor failures (5xx, 429, timeouts) are retried before a batch fails. */
      retryWindowMs: number(10_000, 7 * DAY, 30 * MINUTE),
      /**
       * How long (ms) a batch's WPS step may fail transiently before its Authing step goes ahead without
       * it, so that an office-suite outage does not hold back cutting identity access.
       */
      authingWaitMs: number(1_000, DAY, 2 * MINUTE),
      /**
       * How long (ms), from the start of the work, a run with leavers whose access is not cut retries
       * and waits for an operator's `retry` or `waive`, before it ends Failed.
       */
      deadlineMs: number(10_000, 90 * DAY, 3 * DAY),
      /** The share of a system's ids that may be `not_found` before the run holds (batch-runner.ts). */
      notFoundThreshold: number(0, 1, DEFAULT_NOT_FOUND_THRESHOLD, 'number'),
      /** Set by the client when the leavers arrive in parts: the request's leaver count in all. */
      expectedLeavers: z.custom<number>().optional(),
    },
    { error: 'the run options must be an object' },
  );

export type RunOptions = z.input<ReturnType<typeof runOptionsSchema>>;
export type ResolvedRunOptions = z.output<ReturnType<typeof runOptionsSchema>>;

/** Run options with defaults filled in, or the list of what is wrong with them. */
export function resolveRunOptions(
  options: RunOptions,
  maxBatchSize: number,
): { ok: true; options: ResolvedRunOptions } | { ok: false; problems: string[] } {
  const result = runOptionsSchema(maxBatchSize).safeParse(options);
  if (result.success) return { ok: true, options: result.data };
  return {
    ok: false,
    problems: result.error.issues.map(({ path, message }) => [...path, message].join(' ')),
  };
}
