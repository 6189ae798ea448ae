import { OUTCOME_STATUSES, SYSTEMS, type System } from '../workflows/outcome';
import { createHash } from 'node:crypto';
import {
  ApplicationFailure,
  CancelledFailure,
  WorkflowFailedError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import {
  approveUpdate,
  chunkProgressQuery,
  continueUpdate,
  cancelSignal,
  chunkOutcomesQuery,
  progressQuery,
  reportQuery,
  rescheduleUpdate,
  retryUpdate,
  waiveUpdate,
  type Progress,
} from '../workflows/messages';
import { ACCESS_NOT_CUT } from '../workflows/result';
import type { RunOptions } from '../workflows/options';
import type { LeaverOutcome } from '../workflows/outcome';
import { splitLeavers } from '../workflows/plan';
import { workflowIdFor, type OffboardingRequest, type ValidRequest } from '../workflows/request';
import type { CompleteResult, OffboardingResult } from '../workflows/result';
import { LEAVER_COUNT, PHASE, REQUEST_ID, FAILED_COUNT } from '../workflows/search-attributes';
import { assertValidRequest } from '../workflows/validation';
import type { offboarding, offboardingChunk } from '../workflows';
import { sendParts } from './parts';

export interface StartOptions {
  taskQueue: string;
  namespace: string;
  /** Web UI base, for the run's link. Default http://localhost:8233. */
  uiBaseUrl?: string;
  runOptions?: RunOptions;
  /** Shown in the Web UI after the request id, e.g. "retry of hr-42". */
  note?: string;
  /** Most leavers in one part of a request too large for one payload (workflows/plan.ts). */
  leaversPerPart?: number;
}

export interface StartedRun {
  requestId: string;
  workflowId: string;
  /** True when this requestId had already been submitted: nothing new was started. */
  existing: boolean;
  uiUrl: string;
  handle: WorkflowHandle<typeof offboarding>;
}

/** Thrown when a requestId is reused for a different request (other leavers, time or id type). */
export class ConflictingRequestError extends Error {
  constructor(
    public readonly requestId: string,
    public readonly uiUrl: string,
  ) {
    super(
      `requestId ${requestId} was already submitted with different content; a requestId names one request ` +
        `for good. Use a new requestId for a new request (the existing run: ${uiUrl})`,
    );
    this.name = 'ConflictingRequestError';
  }
}

export function runUrl(uiBaseUrl: string, namespace: string, workflowId: string): string {
  return `${uiBaseUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

function handleOf(client: Client, requestId: string): WorkflowHandle<typeof offboarding> {
  return client.workflow.getHandle<typeof offboarding>(workflowIdFor(requestId));
}

/**
 * A digest of what a run acts on (time, id type, leavers; not key order or formatting), kept in the
 * run's memo so that a second submission can be told apart from a different request under the same
 * id without reading the leavers back. A hash of ids, not the ids.
 */
export function requestDigest(valid: ValidRequest): string {
  const content = JSON.stringify([valid.effectiveAtMs ?? null, valid.authingUserIdType, valid.leavers]);
  return createHash('sha256').update(content).digest('hex');
}

/**
 * Validates locally (nothing starts on a bad request), then starts the run. Idempotent: the
 * workflow id is derived from `requestId`, so a second submission of the same request leads to the
 * existing run, and the same `requestId` with different content is refused. A request too large for
 * one payload travels in parts (./parts.ts); the run touches nothing until every part has arrived.
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
  const parts = splitLeavers(request.leavers, options.leaversPerPart);
  const [first = [], ...rest] = parts;
  const runOptions: RunOptions = { ...options.runOptions };
  if (rest.length > 0) runOptions.expectedLeavers = request.leavers.length;
  const digest = requestDigest(valid);
  let existing = false;
  let handle: WorkflowHandle<typeof offboarding>;
  try {
    handle = await client.workflow.start('offboarding', {
      taskQueue: options.taskQueue,
      workflowId,
      args: [{ ...request, leavers: first }, runOptions],
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
      memo: { requestDigest: digest },
      staticSummary:
        `Offboarding ${valid.requestId}: ${valid.leavers.length} leavers, effective ${when}` +
        (options.note ? ` (${options.note})` : ''),
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    existing = true;
    handle = handleOf(client, valid.requestId);
    const description = await handle.describe();
    if (description.memo?.requestDigest !== digest) throw new ConflictingRequestError(valid.requestId, uiUrl);
    if (description.status.name !== 'RUNNING') {
      return { requestId: valid.requestId, workflowId, existing, uiUrl, handle };
    }
  }
  await sendParts(handle, first.length, rest);
  return { requestId: valid.requestId, workflowId, existing, uiUrl, handle };
}

/** The run's result with every leaver's outcome, joined from its chunk runs when it was split. */
export async function resultOf(client: Client, requestId: string): Promise<CompleteResult> {
  return completeResult(client, await endOf(client, workflowIdFor(requestId)));
}

/**
 * How a run ended: its result, or, for a Canceled or Failed run, which has none, its `report` (a
 * worker answers it by replaying the run). Waits for a run still open.
 */
export async function endOf(client: Client, workflowId: string): Promise<OffboardingResult> {
  const handle = client.workflow.getHandle<typeof offboarding>(workflowId);
  try {
    return await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const cause = err.cause;
    const ended =
      cause instanceof CancelledFailure ||
      (cause instanceof ApplicationFailure && cause.type === ACCESS_NOT_CUT);
    if (!ended) throw err;
    const report = await handle.query(reportQuery);
    // Cancelled before it was ever told how (a run of an older version): the failure says it all.
    if (!report) throw err;
    return report;
  }
}

export async function completeResult(client: Client, result: OffboardingResult): Promise<CompleteResult> {
  if (result.outcomes) return { ...result, outcomes: result.outcomes };
  const outcomes: LeaverOutcome[] = [];
  for (const chunk of result.chunks ?? []) {
    // A chunk's result holds counts only; its outcomes are answered by a query (a worker replays it).
    const part = await client.workflow
      .getHandle<typeof offboardingChunk>(chunk.workflowId)
      .query(chunkOutcomesQuery);
    outcomes.push(...part);
  }
  return { ...result, outcomes };
}

/** Thrown when a run is asked to change after it has finished. */
export class RunFinishedError extends Error {
  constructor(
    public readonly requestId: string,
    public readonly status: string,
    action: string,
  ) {
    super(`the run of requestId ${requestId} has already finished (${status}); it cannot be ${action}`);
    this.name = 'RunFinishedError';
  }
}

/**
 * The server answers a message to a closed run as "not found"; say instead that it finished, so an
 * operator is not told an existing request does not exist.
 */
async function whileOpen<T>(
  client: Client,
  requestId: string,
  action: string,
  send: (handle: WorkflowHandle<typeof offboarding>) => Promise<T>,
): Promise<T> {
  const handle = handleOf(client, requestId);
  try {
    return await send(handle);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    const description = await handle.describe().catch(() => undefined);
    if (description && description.status.name !== 'RUNNING') {
      throw new RunFinishedError(requestId, description.status.name.toLowerCase(), action);
    }
    throw err;
  }
}

/**
 * The run's progress, with the counts of its chunks under way added (Progress.runningChunks). A
 * chunk that ends between the two queries is counted once, by the parent, or not yet.
 */
export async function progressOf(client: Client, requestId: string): Promise<Progress> {
  const progress = await handleOf(client, requestId).query(progressQuery);
  const running = await Promise.all(
    (progress.runningChunks ?? []).map((id) =>
      client.workflow
        .getHandle(id)
        .query(chunkProgressQuery)
        .catch(() => undefined),
    ),
  );
  for (const chunk of running) {
    if (!chunk) continue;
    progress.batchesDone += chunk.batchesDone;
    for (const system of SYSTEMS) {
      for (const status of OUTCOME_STATUSES) progress.counts[system][status] += chunk.counts[system][status];
    }
  }
  return progress;
}

/** The reason goes first (a signal), then Temporal's own cancellation, so the run ends Canceled. */
export async function cancelOffboarding(client: Client, requestId: string, reason?: string): Promise<void> {
  await whileOpen(client, requestId, 'cancelled', async (h) => {
    await h.signal(cancelSignal, reason);
    // The run may have ended on the signal alone in the meantime (it waits a minute for this).
    await h.cancel().catch((err: unknown) => {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    });
  });
}

export async function rescheduleOffboarding(
  client: Client,
  requestId: string,
  effectiveAt: string,
): Promise<Progress> {
  return whileOpen(client, requestId, 'rescheduled', (h) =>
    h.executeUpdate(rescheduleUpdate, { args: [{ effectiveAt }] }),
  );
}

export async function approveOffboarding(
  client: Client,
  requestId: string,
  approvedBy: string,
): Promise<Progress> {
  return whileOpen(client, requestId, 'approved', (h) =>
    h.executeUpdate(approveUpdate, { args: [{ approvedBy }] }),
  );
}

/** Lets a run held by the not_found guard go on, recording who decided and why. */
export async function continueOffboarding(
  client: Client,
  requestId: string,
  by: string,
  reason: string,
  system?: System,
): Promise<Progress> {
  return whileOpen(client, requestId, 'continued', (h) =>
    h.executeUpdate(continueUpdate, { args: [{ by, reason, ...(system !== undefined ? { system } : {}) }] }),
  );
}

/** Tries the leavers whose access is not cut again, in the same run (`needs_attention` only). */
export async function retryOffboarding(client: Client, requestId: string): Promise<Progress> {
  return whileOpen(client, requestId, 'retried', (h) => h.executeUpdate(retryUpdate));
}

/** Accepts what remains of a run in `needs_attention`, recording who decided and why. */
export async function waiveOffboarding(
  client: Client,
  requestId: string,
  by: string,
  reason: string,
): Promise<Progress> {
  return whileOpen(client, requestId, 'waived', (h) =>
    h.executeUpdate(waiveUpdate, { args: [{ by, reason }] }),
  );
}
