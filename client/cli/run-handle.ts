import type { WorkflowExecutionDescription } from '@temporalio/client';
import { workflowIdFor } from '../../workflows/request';
import { PHASE } from '../../workflows/search-attributes';
import { runUrl } from '../offboarding';
import type { CliContext } from './context';
import { CliFailure } from './failure';

/** A run as `describe` sees it: enough to say whether it is still open, before asking it anything. */
export interface DescribedRun {
  requestId: string;
  workflowId: string;
  uiUrl: string;
  description: WorkflowExecutionDescription;
  open: boolean;
  /** RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT, CONTINUED_AS_NEW. */
  status: string;
  /** How a closed run ended in offboarding terms (completed_with_failures, cancelled...), else its status. */
  finishedAs: string;
}

/**
 * Describes the run of `requestId`, or fails with "no offboarding run for requestId X" (and a hint
 * when the operator gave the workflow id instead of the request id).
 */
export async function describeRun(ctx: CliContext, requestId: string): Promise<DescribedRun> {
  const workflowId = workflowIdFor(requestId);
  let description: WorkflowExecutionDescription;
  try {
    description = await ctx.bounded((client) => client.workflow.getHandle(workflowId).describe());
  } catch (err) {
    const failure = ctx.failure(err, requestId);
    if (failure.kind === 'not_found' && requestId.startsWith('offboarding-')) {
      throw new CliFailure(
        'not_found',
        `${failure.message} (that looks like a workflow id; its requestId is ${requestId.slice('offboarding-'.length)})`,
        { cause: err },
      );
    }
    throw failure;
  }
  const { namespace } = await ctx.temporal();
  ctx.runTaskQueue = description.taskQueue;
  const status = description.status.name;
  // A run that returned normally is COMPLETED to Temporal even when it was cancelled: its phase says more.
  const phase = description.typedSearchAttributes.get(PHASE);
  return {
    requestId,
    workflowId,
    uiUrl: runUrl(ctx.uiBaseUrl, namespace, workflowId),
    description,
    open: status === 'RUNNING',
    status,
    finishedAs: status === 'COMPLETED' && phase !== undefined ? phase : status.toLowerCase(),
  };
}

/** Refuses an operation that needs an open run (cancel, reschedule, approve). */
export function requireOpen(run: DescribedRun, operation: string): void {
  if (!run.open) {
    throw new CliFailure(
      'refused',
      `the run for requestId ${run.requestId} has already finished (${run.finishedAs}); nothing to ${operation}`,
    );
  }
}
