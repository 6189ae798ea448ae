import { ApplicationFailure } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';

export interface RetryingOptions {
  /** Default 30. */
  maxAttempts?: number;
  /** First backoff when the failure names no nextRetryDelay. Default 20 ms. */
  initialIntervalMs?: number;
  /** Cap on any wait, so a test with Retry-After: 1 stays quick. Default 1,500 ms. */
  maxIntervalMs?: number;
}

export interface Retried<T> {
  result: T;
  attempts: number;
  /** Every failure that was retried, in order. */
  failures: ApplicationFailure[];
}

/**
 * Calls `attempt` again after each retryable ApplicationFailure, waiting its nextRetryDelay (else
 * exponential backoff), as a Temporal retry policy does for an activity. A non-retryable failure
 * or anything else is thrown at once. For activity tests, where MockActivityEnvironment makes one
 * attempt only.
 */
export async function runLikeTemporalRetries<T>(
  attempt: () => Promise<T>,
  options: RetryingOptions = {},
): Promise<Retried<T>> {
  const maxAttempts = options.maxAttempts ?? 30;
  const maxInterval = options.maxIntervalMs ?? 1_500;
  let backoff = options.initialIntervalMs ?? 20;
  const failures: ApplicationFailure[] = [];
  for (let n = 1; ; n++) {
    try {
      return { result: await attempt(), attempts: n, failures };
    } catch (err) {
      if (!(err instanceof ApplicationFailure) || err.nonRetryable || n >= maxAttempts) throw err;
      failures.push(err);
      const wait =
        err.nextRetryDelay !== undefined && err.nextRetryDelay !== null
          ? msToNumber(err.nextRetryDelay)
          : backoff;
      backoff = Math.min(backoff * 2, maxInterval);
      await new Promise((r) => setTimeout(r, Math.min(wait, maxInterval)));
    }
  }
}
