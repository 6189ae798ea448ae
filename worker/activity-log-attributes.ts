import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/**
 * Puts a vendor activity's position in its request, `{batch, batches, users}`, on every log line of
 * the attempt: the activity's own lines and the SDK's ("Activity failed", "Activity completed"...),
 * which are the ones an operator filters for (docs/operations.md, "Logs"). The SDK knows only the
 * activity's type, ids and attempt; the batch comes from the activity's input, `BatchInput` of
 * activities/index.ts (`{batch, batches, userIds, ...}`, built by workflows/batch-runner.ts).
 *
 * `users` is a count: the ids themselves are personal data and stay out of the logs. An input of
 * another shape adds nothing. The SDK's "Activity started" (DEBUG) is written before any interceptor
 * runs, so it cannot carry them; every later line of the attempt does.
 *
 * Pass it first in `interceptors.activity`, so that what later interceptors log carries them too
 * (worker/worker.ts does, for both vendor Workers).
 */

export interface BatchLogAttributes {
  batch: number;
  batches: number;
  users: number;
}

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** `{batch, batches, users}` of a vendor activity's first argument, or undefined for anything else. */
export function batchLogAttributes(input: unknown): BatchLogAttributes | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const { batch, batches, userIds } = input as { batch?: unknown; batches?: unknown; userIds?: unknown };
  if (!isCount(batch) || !isCount(batches) || !Array.isArray(userIds)) return undefined;
  return { batch, batches, users: userIds.length };
}

export const activityLogAttributesInterceptor: ActivityInterceptorsFactory = () => {
  // One factory call per attempt: this attempt's attributes, known once its input is decoded.
  let attributes: BatchLogAttributes | undefined;
  return {
    inbound: {
      execute(input, next) {
        attributes = batchLogAttributes(input.args[0]);
        return next(input);
      },
    },
    outbound: {
      getLogAttributes(input, next) {
        // The SDK's own attributes win a name clash (there is none today).
        return next(attributes ? { ...attributes, ...input } : input);
      },
    },
  };
};
