import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/**
 * Puts a vendor activity's position in its request, `{batch, batches, users}` from its `BatchInput`
 * (activities/index.ts), on every log line of the attempt, the SDK's ("Activity failed"...) included:
 * those are what an operator filters for (docs/operations.md, "Logs"). `users` is a count: the ids
 * are personal data. The SDK's "Activity started" (DEBUG) comes before any interceptor runs, so it
 * cannot carry them. Pass it first in `interceptors.activity`, so that later interceptors' lines do.
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
