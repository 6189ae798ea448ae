import { VendorError } from './errors';
import { observeSafely } from './metrics';

/**
 * Retries of one vendor call inside the client, so that a single 503 or 429 costs a short wait
 * instead of a failed activity attempt (and Temporal's 1 s, doubling, activity retry).
 *
 * The unit is a *call*: one vendor operation (e.g. `batch_disable`) together with the token fetch it
 * may need first (./vendor-client.ts `withToken`). Each HTTP exchange is still its own `send()`, so
 * `metrics.callEnded` sees every try.
 *
 * What is repeated (`CallSpec.kind`):
 * - `read` (WPS batch_read, Authing get-user-batch) and any failure in a step before the call is
 *   sent (`CallSpec.beforeSending`, the token fetch): every transient failure (429, 5xx, failure
 *   inside an HTTP 200 body, timeout, connection error).
 * - `action` (WPS batch_disable, Authing resign-user-batch): only failures that prove the vendor did
 *   nothing: a 429 (refused before acting), or a connection that was never made (ECONNREFUSED, a DNS
 *   failure). A 5xx, a timeout or a dropped connection may come after the vendor acted, so it is
 *   thrown as is: the activity re-reads those ids before acting again, which is the safe path.
 * - Never a failure that is not transient, nor anything that is not a `VendorError`.
 *
 * How long: `CallRetryOptions`. The waits are timers, so the activity's heartbeat ticker
 * (activities/index.ts) goes on meanwhile. The clients take no AbortSignal (activities are not
 * handed one), so a wait is not cut short by cancellation; it is at most `maxTotalWaitMs`.
 *
 * The error thrown after the last try is the last try's own `VendorError`, unchanged.
 */

export type CallKind = 'read' | 'action';

export interface CallSpec {
  /** The call's operation, as in `VendorErrorDetails.operation` (e.g. `batch_disable`). */
  operation: string;
  /** `read`: safe to repeat. `action`: changes the vendor's state; repeated only when provably not done. */
  kind: CallKind;
  /**
   * Operations that run before the call is sent (the token fetch): a transient failure of one of
   * them is repeated whatever `kind` says, since the call itself never left.
   */
  beforeSending?: readonly string[];
}

export interface CallRetryOptions {
  /** Most extra tries per call after the first. Default 3; 0 turns client retries off. */
  maxRetries?: number;
  /** Backoff ceiling of the first retry; it doubles per retry (full jitter: a random wait up to it). Default 100 ms. */
  baseDelayMs?: number;
  /** Cap on the backoff ceiling. Default 1,000 ms. */
  maxDelayMs?: number;
  /**
   * Longest Retry-After (on a 429, or a 5xx that sends one) waited for inside the client. A longer
   * one ends the call at once: the error carries it, and the activity retry waits it. Default 2,000 ms.
   */
  maxRetryAfterMs?: number;
  /** Most waiting in total across one call's retries; a wait that would pass it is not made. Default 3,000 ms. */
  maxTotalWaitMs?: number;
  /**
   * No try starts later than this after the call began (tries included, not only waits). Only slow
   * failures reach it (timeouts of 15 s each): it keeps one call within about 20 s + one HTTP timeout
   * (35 s), so an activity attempt stays inside its start-to-close timeout (activities/index.ts
   * `ACTION_ROUNDS_WITHIN_MS`) and no timed-out attempt sends an action late. Default 20,000 ms.
   */
  maxElapsedMs?: number;
  /** Clock for `maxElapsedMs`. Default `Date.now`. */
  now?: () => number;
  /** Waits between tries. Default a `setTimeout` (it does not block the event loop, so heartbeats go on). */
  sleep?: (ms: number) => Promise<void>;
  /** Numbers in [0, 1) for the jitter. Default `Math.random`. */
  random?: () => number;
  /** Told before each wait (logs, tests); an error it throws is ignored. */
  onRetry?: (event: CallRetryEvent) => void;
}

export interface CallRetryEvent {
  operation: string;
  /** The operation that failed: the call's own, or one in `beforeSending`. */
  failedOperation: string;
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  error: VendorError;
}

export const CALL_RETRY_DEFAULTS = {
  maxRetries: 3,
  baseDelayMs: 100,
  maxDelayMs: 1_000,
  maxRetryAfterMs: 2_000,
  maxTotalWaitMs: 3_000,
  maxElapsedMs: 20_000,
} as const;

export interface CallRetryPolicy {
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxRetryAfterMs: number;
  readonly maxTotalWaitMs: number;
  readonly maxElapsedMs: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly onRetry: ((event: CallRetryEvent) => void) | undefined;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Fills in the defaults; a negative or non-finite number is a programming error and throws. */
export function resolveCallRetryPolicy(options: CallRetryOptions = {}): CallRetryPolicy {
  const number = (name: keyof typeof CALL_RETRY_DEFAULTS): number => {
    const value = options[name] ?? CALL_RETRY_DEFAULTS[name];
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`callRetry.${name} must be a finite number >= 0, got ${String(value)}`);
    }
    return value;
  };
  return {
    maxRetries: Math.floor(number('maxRetries')),
    baseDelayMs: number('baseDelayMs'),
    maxDelayMs: number('maxDelayMs'),
    maxRetryAfterMs: number('maxRetryAfterMs'),
    maxTotalWaitMs: number('maxTotalWaitMs'),
    maxElapsedMs: number('maxElapsedMs'),
    now: options.now ?? Date.now,
    sleep: options.sleep ?? defaultSleep,
    random: options.random ?? Math.random,
    onRetry: options.onRetry,
  };
}

/**
 * What a transient failure says about the vendor's state:
 * - `throttled`: HTTP 429 (or Authing's body `statusCode` 429): refused before doing anything.
 * - `notConnected`: no connection was ever made (ECONNREFUSED, DNS failure): nothing reached it.
 * - `mayHaveActed`: 5xx, a failure inside an HTTP 200 body, a timeout, a reset: it may have acted.
 * - `permanent`: not transient, or not a `VendorError` at all.
 */
export type FailureClass = 'throttled' | 'notConnected' | 'mayHaveActed' | 'permanent';

/** An exchange that never left the worker: its run's call slots stayed busy (../call-slots.ts). */
export const NOT_SENT_CODE = 'NOT_SENT';
/** Network error codes (from `send()`'s `vendorCode`) raised before a connection exists. */
export const NOT_CONNECTED_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  NOT_SENT_CODE,
]);

export function classifyFailure(err: unknown): FailureClass {
  if (!(err instanceof VendorError) || !err.retryable) return 'permanent';
  const details = err.details as VendorError['details'] & { statusCode?: unknown };
  if (details.httpStatus === 429 || details.statusCode === 429 || details.throttled === true)
    return 'throttled';
  if (
    details.httpStatus === undefined &&
    details.vendorCode !== undefined &&
    NOT_CONNECTED_CODES.has(details.vendorCode)
  ) {
    return 'notConnected';
  }
  return 'mayHaveActed';
}

export interface RetryState {
  /** Retries already made for this call. */
  retries: number;
  /** Total waited so far for this call, in milliseconds. */
  waitedMs: number;
  /** Time since the call began (tries and waits), in milliseconds. Default 0. */
  elapsedMs?: number;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

/** Pure: whether (and after how long) `err`, the outcome of one try of `spec`, is tried again. */
export function decideRetry(
  err: unknown,
  spec: CallSpec,
  state: RetryState,
  policy: Omit<CallRetryPolicy, 'sleep' | 'onRetry' | 'now'>,
): RetryDecision {
  const failure = classifyFailure(err);
  if (failure === 'permanent' || !(err instanceof VendorError)) {
    return { retry: false, reason: 'not a transient failure' };
  }
  const sentNothing = spec.beforeSending?.includes(err.details.operation) ?? false;
  if (spec.kind === 'action' && !sentNothing && failure === 'mayHaveActed') {
    return {
      retry: false,
      reason: 'the vendor may have acted; the activity re-reads before acting again',
    };
  }
  if (state.retries >= policy.maxRetries) return { retry: false, reason: 'no tries left' };
  const retryAfterMs = err.details.retryAfterMs;
  let delayMs: number;
  if (retryAfterMs !== undefined) {
    if (retryAfterMs > policy.maxRetryAfterMs) {
      return { retry: false, reason: `Retry-After ${retryAfterMs} ms is longer than the client waits` };
    }
    delayMs = retryAfterMs;
  } else {
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** state.retries);
    delayMs = Math.floor(clampUnit(policy.random()) * ceiling);
  }
  if (state.waitedMs + delayMs > policy.maxTotalWaitMs) {
    return { retry: false, reason: 'the call has used its waiting budget' };
  }
  if ((state.elapsedMs ?? 0) + delayMs > policy.maxElapsedMs) {
    return { retry: false, reason: 'the call has run too long to start another try' };
  }
  return { retry: true, delayMs };
}

function clampUnit(x: number): number {
  return Number.isFinite(x) ? Math.min(Math.max(x, 0), 1) : 0;
}

/** Runs `attempt` and repeats it as `decideRetry` says; throws the last failure unchanged. */
export async function withCallRetry<T>(
  spec: CallSpec,
  attempt: () => Promise<T>,
  policy: CallRetryPolicy,
): Promise<T> {
  const started = policy.now();
  const state: RetryState = { retries: 0, waitedMs: 0, elapsedMs: 0 };
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      state.elapsedMs = Math.max(0, policy.now() - started);
      const decision = decideRetry(err, spec, state, policy);
      if (!decision.retry || !(err instanceof VendorError)) throw err;
      state.retries += 1;
      const event: CallRetryEvent = {
        operation: spec.operation,
        failedOperation: err.details.operation,
        retry: state.retries,
        delayMs: decision.delayMs,
        error: err,
      };
      const onRetry = policy.onRetry;
      if (onRetry) observeSafely(() => onRetry(event));
      await policy.sleep(decision.delayMs);
      state.waitedMs += decision.delayMs;
    }
  }
}
