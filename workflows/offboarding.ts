import {
  ActivityFailure,
  type ActivityOptions,
  ApplicationFailure,
  condition,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { cancelSignal, progressQuery, type Phase, type Progress } from './messages';
import {
  emptyCounts,
  isFailure,
  type LeaverOutcome,
  type OutcomeCounts,
  type System,
  type SystemOutcome,
} from './outcome';
import { checkBatchSize, planBatches, type Batch } from './plan';
import { MAX_IDS_PER_CALL, type OffboardingRequest } from './request';
import { FAILED_COUNT, PHASE } from './search-attributes';
import { validateRequest } from './validation';

export interface RunOptions {
  /** Ids per vendor call, 1 to 50. Default 50. */
  batchSize?: number;
  /** Batches in flight at once. Default 4. */
  concurrency?: number;
}

export type FinalStatus = 'completed' | 'completed_with_failures' | 'cancelled';

export interface OffboardingResult {
  requestId: string;
  status: FinalStatus;
  totals: Record<System, OutcomeCounts>;
  failedLeavers: number;
  outcomes: LeaverOutcome[];
}

const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 32;

const VENDOR_ACTIVITY_OPTIONS: ActivityOptions = {
  // One attempt covers a read, an action and a read-back, each with its own 15 s HTTP timeout.
  startToCloseTimeout: '2 minutes',
  // The per-request deadline for transient failures; non-retryable types stop at once.
  scheduleToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};
const vendor = proxyActivities<Activities>(VENDOR_ACTIVITY_OPTIONS);

/** Offboards every leaver of one request: WPS disable, then Authing resign, batch by batch. */
export async function offboarding(
  request: OffboardingRequest,
  options: RunOptions = {},
): Promise<OffboardingResult> {
  const validation = validateRequest(request);
  if (!validation.ok) {
    const lines = validation.issues.map((i) => `${i.field}: ${i.message}`).join('; ');
    throw ApplicationFailure.nonRetryable(
      `invalid offboarding request: ${lines}`,
      'InvalidRequest',
      ...validation.issues,
    );
  }
  const valid = validation.request;
  const batchSize = checkBatchSize(options.batchSize ?? MAX_IDS_PER_CALL);
  const concurrency = Math.min(
    Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY)),
    MAX_CONCURRENCY,
  );
  const batches = planBatches(valid.leavers, batchSize);

  const outcomes: LeaverOutcome[] = valid.leavers.map((l) => ({
    ...l,
    wps: { status: 'skipped' },
    authing: { status: 'skipped' },
  }));
  const counts: Record<System, OutcomeCounts> = { wps: emptyCounts(), authing: emptyCounts() };
  let phase: Phase = 'validating';
  let batchesDone = 0;
  let failedLeavers = 0;
  let cancelled = false;
  let wakeUp: string | undefined;

  setHandler(
    progressQuery,
    (): Progress => ({
      phase,
      leavers: valid.leavers.length,
      batchesDone,
      batchesTotal: batches.length,
      counts: { wps: { ...counts.wps }, authing: { ...counts.authing } },
      ...(wakeUp !== undefined ? { nextWakeUp: wakeUp } : {}),
    }),
  );
  setHandler(cancelSignal, (reason) => {
    log.info('cancel requested', { reason });
    cancelled = true;
  });

  const enter = (next: Phase): void => {
    phase = next;
    upsertSearchAttributes([
      { key: PHASE, value: next },
      { key: FAILED_COUNT, value: failedLeavers },
    ]);
  };

  const delayMs = (valid.effectiveAtMs ?? 0) - Date.now();
  if (delayMs > 0) {
    wakeUp = new Date(valid.effectiveAtMs ?? 0).toISOString();
    enter('scheduled');
    // A durable timer: exact to the second, and a cancel wakes it at once.
    await condition(() => cancelled, delayMs);
    wakeUp = undefined;
  }

  const record = (batch: Batch, system: System, ids: string[], results: SystemOutcome[]): void => {
    const key = system === 'wps' ? 'wpsUserId' : 'authingUserId';
    const byId = new Map(ids.map((id, i) => [id, results[i]] as const));
    batch.leavers.forEach((leaver, i) => {
      const id = leaver[key];
      const outcome = outcomes[batch.first + i];
      const result = id === undefined ? undefined : byId.get(id);
      if (outcome && result) {
        outcome[system] = result;
        counts[system][result.status] += 1;
      }
    });
  };

  const act = async (batch: Batch, system: System): Promise<void> => {
    const ids = system === 'wps' ? batch.wpsUserIds : batch.authingUserIds;
    if (ids.length === 0) return;
    const position = { batch: batch.index + 1, batches: batches.length, userIds: ids };
    // Shown on the activity in the Web UI, so an operator can follow a run from there alone.
    const summary = `${system === 'wps' ? 'WPS disable' : 'Authing resign'}, batch ${position.batch} of ${position.batches}, ${ids.length} users`;
    const options = { ...VENDOR_ACTIVITY_OPTIONS, summary };
    let results: SystemOutcome[];
    try {
      results =
        system === 'wps'
          ? await vendor.disableWpsUsers.executeWithOptions(options, [position])
          : await vendor.resignAuthingUsers.executeWithOptions(options, [
              { ...position, userIdType: valid.authingUserIdType },
            ]);
    } catch (err) {
      results = ids.map(() => failureOutcome(err));
    }
    record(batch, system, ids, results);
  };

  const runBatch = async (batch: Batch): Promise<void> => {
    // WPS first: the Authing resign is irreversible, so it comes last, and runs even when WPS failed.
    await act(batch, 'wps');
    await act(batch, 'authing');
    for (let i = 0; i < batch.leavers.length; i++) {
      const outcome = outcomes[batch.first + i];
      if (outcome && isFailure(outcome)) failedLeavers += 1;
    }
    batchesDone += 1;
  };

  if (!cancelled) {
    enter('running');
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let batch = batches[next]; batch !== undefined && !cancelled; batch = batches[next]) {
        next += 1;
        await runBatch(batch);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, lane));
  }

  const status: FinalStatus = cancelled
    ? 'cancelled'
    : failedLeavers > 0
      ? 'completed_with_failures'
      : 'completed';
  enter(status);
  for (const system of ['wps', 'authing'] as const) {
    const skipped = outcomes.filter((o) => o[system].status === 'skipped').length;
    counts[system].skipped = skipped;
  }
  log.info('offboarding finished', {
    requestId: valid.requestId,
    status,
    workflowId: workflowInfo().workflowId,
  });
  return { requestId: valid.requestId, status, totals: counts, failedLeavers, outcomes };
}

function failureOutcome(err: unknown): SystemOutcome {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { vendorCode?: string; vendorRequestId?: string } | undefined;
    return {
      status: 'failed',
      code: details?.vendorCode ?? cause.type ?? 'Failed',
      message: cause.message,
      ...(details?.vendorRequestId !== undefined ? { vendorRequestId: details.vendorRequestId } : {}),
    };
  }
  return {
    status: 'failed',
    code: 'Failed',
    message: cause instanceof Error ? cause.message : String(cause),
  };
}
