import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

/**
 * Workflow code, bundled only into the ablated worker's workflows (bench/ablated-worker.ts,
 * `activity-retry`): every activity is scheduled with one attempt, so that Temporal repeats none
 * (a failure the client gave up on, a timeout, a lost worker). Everything else of its options stays.
 */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      scheduleActivity: (input, next) =>
        next({
          ...input,
          options: { ...input.options, retry: { ...input.options.retry, maximumAttempts: 1 } },
        }),
    },
  ],
});
