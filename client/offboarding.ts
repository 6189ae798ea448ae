import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { OffboardingResult, RunOptions } from '../workflows/offboarding';
import { workflowIdFor, type OffboardingRequest } from '../workflows/request';
import { LEAVER_COUNT, PHASE, REQUEST_ID, FAILED_COUNT } from '../workflows/search-attributes';
import { assertValidRequest } from '../workflows/validation';
import type { offboarding } from '../workflows';

export interface StartOptions {
  taskQueue: string;
  namespace: string;
  /** Web UI base, for the run's link. Default http://localhost:8233. */
  uiBaseUrl?: string;
  runOptions?: RunOptions;
}

export interface StartedRun {
  workflowId: string;
  /** True when this requestId had already been submitted: nothing new was started. */
  existing: boolean;
  uiUrl: string;
  handle: WorkflowHandle<typeof offboarding>;
}

export function runUrl(uiBaseUrl: string, namespace: string, workflowId: string): string {
  return `${uiBaseUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/**
 * Validates locally (nothing starts on a bad request), then starts the run. Idempotent: the
 * workflow id is derived from `requestId`, so a second submission leads to the existing run.
 */
export async function startOffboarding(
  client: Client,
  request: OffboardingRequest,
  options: StartOptions,
): Promise<StartedRun> {
  const valid = assertValidRequest(request);
  const workflowId = workflowIdFor(valid.requestId);
  const uiUrl = runUrl(options.uiBaseUrl ?? 'http://localhost:8233', options.namespace, workflowId);
  const when = valid.effectiveAtMs === undefined ? 'now' : new Date(valid.effectiveAtMs).toISOString();
  try {
    const handle = await client.workflow.start('offboarding', {
      taskQueue: options.taskQueue,
      workflowId,
      args: [request, options.runOptions ?? {}],
      // A second start of the same requestId, running or closed, is refused by the server: we then
      // attach to that run instead, and can tell the caller that nothing new started.
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: REQUEST_ID, value: valid.requestId },
        { key: LEAVER_COUNT, value: valid.leavers.length },
        { key: FAILED_COUNT, value: 0 },
        { key: PHASE, value: 'validating' },
      ],
      staticSummary: `Offboarding ${valid.requestId}: ${valid.leavers.length} leavers, effective ${when}`,
    });
    return { workflowId, existing: false, uiUrl, handle: handle as WorkflowHandle<typeof offboarding> };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return {
      workflowId,
      existing: true,
      uiUrl,
      handle: client.workflow.getHandle<typeof offboarding>(workflowId),
    };
  }
}

export async function resultOf(client: Client, requestId: string): Promise<OffboardingResult> {
  return client.workflow.getHandle<typeof offboarding>(workflowIdFor(requestId)).result();
}
