import type { System } from './outcome';

/**
 * Each vendor's activities have a task queue of their own, so that a vendor's rate limit is enforced
 * by the Temporal server across every worker (`maxTaskQueueActivitiesPerSecond` on that queue), and
 * a slow vendor does not hold the other's slots. Workflows stay on the base queue.
 */
export function vendorTaskQueue(baseTaskQueue: string, system: System): string {
  return `${baseTaskQueue}-${system}`;
}
