import type { System } from './outcome';

/**
 * Each vendor's activities have a task queue of their own, so that a slow vendor does not hold the
 * other's activity slots. Workflows stay on the base queue.
 */
export function vendorTaskQueue(baseTaskQueue: string, system: System): string {
  return `${baseTaskQueue}-${system}`;
}
