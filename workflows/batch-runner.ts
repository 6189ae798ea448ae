import {
  ActivityFailure,
  ApplicationFailure,
  defaultPayloadConverter,
  patched,
  proxyActivities,
  TimeoutFailure,
  type ActivityOptions,
} from '@temporalio/workflow';
import { DefaultFailureConverter, RetryState } from '@temporalio/common';
import type { Activities } from '../activities';
import type { CallSlotsOfRun } from '../activities/call-slots';
import {
  emptyCounts,
  isFailure,
  type LeaverOutcome,
  type OutcomeCounts,
  type System,
  type SystemOutcome,
} from './outcome';
import type { Batch } from './plan';
import type { AuthingUserIdType, Leaver } from './request';
import { vendorTaskQueue } from './task-queues';

/**
 * Runs batches of leavers against both vendors, in lanes: per batch, WPS disable, then the Authing
 * resign (irreversible, so last, and done even when WPS failed for good). Shared by the
 * whole-request run and the chunk runs of a large request.
 *
 * What bounds the load on the vendors is `callSlots`: each HTTP exchange of the run's activities
 * takes one of its `limit` slots in the worker (activities/call-slots.ts). The lanes only keep
 * enough activities going for those slots never to wait on Temporal, whose turn-around between one
 * activity's end and the lane's next activity (a workflow task, a dispatch) would otherwise idle a
 * slot after every activity, and whose activities sit idle while a client waits out a Retry-After:
 * two lanes per unit of `concurrency`, and in each lane the next batch's WPS step runs beside this
 * batch's Authing step (never further ahead). So a run has up to 4 × `concurrency` activities going
 * (a few more while a chunk hands over to the next: workflows/offboarding.ts) and `concurrency`
 * exchanges in flight.
 *
 * Runs that reached this code before it was so replay one step at a time, `concurrency` lanes
 * (OVERLAPPING_LANES_PATCH); their activities take no slot.
 */

export interface BatchRunSettings {
  taskQueue: string;
  authingUserIdType: AuthingUserIdType;
  /** The run's (or chunk's) `concurrency`: two lanes each (see above). */
  concurrency: number;
  /** The run's limit on vendor calls in flight, shared by its chunks: the run's `concurrency`. */
  callSlots: CallSlotsOfRun;
  /** How long transient failures are retried before a batch is recorded failed (ms). */
  retryWindowMs: number;
  /** Numbering shown in the Web UI: this run's first batch is batch `batchOffset + 1` of `batchesTotal`. */
  batchOffset: number;
  batchesTotal: number;
  /** Polled before each batch and before each Authing step: true stops new work. */
  isCancelled: () => boolean;
  /** Called once, when a lane finds every batch taken (not when cancelled). */
  onLastBatchTaken?: () => void;
}

export interface BatchRunState {
  /** One per leaver of the run, in order; starts all `skipped`. */
  outcomes: LeaverOutcome[];
  counts: Record<System, OutcomeCounts>;
  batchesDone: number;
  failedLeavers: number;
}

/** The vendor refused the call as invalid without naming an id: split the batch to isolate offenders. */
const SPLITTABLE_FAILURE = 'VendorRejectedRequest';
/** ceil(log2(50)): enough halvings to reach single ids from a full batch. */
const MAX_SPLIT_DEPTH = 6;
/** Failure messages are cut to this length so a chunk's result stays small. */
const MAX_MESSAGE = 200;

export function newRunState(leavers: readonly Leaver[]): BatchRunState {
  return {
    outcomes: initialOutcomes(leavers),
    counts: { wps: emptyCounts(), authing: emptyCounts() },
    batchesDone: 0,
    failedLeavers: 0,
  };
}

export function initialOutcomes(leavers: readonly Leaver[]): LeaverOutcome[] {
  return leavers.map((l) => ({
    ...l,
    wps: { status: 'skipped' },
    authing: { status: 'skipped' },
  }));
}

function activityOptions(settings: BatchRunSettings, system: System): ActivityOptions {
  return {
    taskQueue: vendorTaskQueue(settings.taskQueue, system),
    // One attempt covers a read, an action and a read-back (and, after an action answered with a 5xx,
    // a re-read and a new action: activities/index.ts), each call with its own 15 s HTTP timeout.
    startToCloseTimeout: '2 minutes',
    // The activity heartbeats while it works, so a worker that dies is noticed in seconds, not minutes.
    heartbeatTimeout: '20 seconds',
    // The request's window for transient failures; non-retryable types stop at once.
    scheduleToCloseTimeout: settings.retryWindowMs,
    // A failed attempt is retried soon: the client has already retried what it safely could (a 429's
    // Retry-After comes back as the failure's own delay), and the next attempt re-reads first.
    retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  };
}

const vendor = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes' });
/** Runs that passed this point before lanes overlapped their vendors replay one step at a time. */
export const OVERLAPPING_LANES_PATCH = 'lanes-overlap-vendors';
/**
 * Lanes per unit of `concurrency`. One overlapping lane keeps a slot busy while its other activity
 * waits on Temporal; a second covers activities waiting out a vendor's Retry-After or a backoff
 * (the fault scenario of docs/benchmarks.md: 2.4 times the fault-free time with one, 1.6 with two).
 */
const LANES_PER_SLOT = 2;
const failureConverter = new DefaultFailureConverter();

/** Runs `batches` (positions relative to `state.outcomes`) until done or cancelled. */
export async function runBatches(
  batches: readonly Batch[],
  state: BatchRunState,
  settings: BatchRunSettings,
): Promise<void> {
  const overlapping = patched(OVERLAPPING_LANES_PATCH);
  const record = (batch: Batch, system: System, results: Map<string, SystemOutcome>): void => {
    const key = system === 'wps' ? 'wpsUserId' : 'authingUserId';
    batch.leavers.forEach((leaver, i) => {
      const id = leaver[key];
      const outcome = state.outcomes[batch.first + i];
      const result = id === undefined ? undefined : results.get(id);
      if (outcome && result) {
        outcome[system] = result;
        state.counts[system][result.status] += 1;
      }
    });
  };

  const call = async (
    system: System,
    ids: string[],
    summary: string,
    batchNumber: number,
  ): Promise<SystemOutcome[]> => {
    const options = { ...activityOptions(settings, system), summary };
    const position = {
      batch: batchNumber,
      batches: settings.batchesTotal,
      userIds: ids,
      ...(overlapping ? { callSlots: settings.callSlots } : {}),
    };
    return system === 'wps'
      ? vendor.disableWpsUsers.executeWithOptions(options, [position])
      : vendor.resignAuthingUsers.executeWithOptions(options, [
          { ...position, userIdType: settings.authingUserIdType },
        ]);
  };

  /**
   * One call for `ids`; when the vendor refuses it as invalid without naming the offender, the
   * halves are tried in turn (bounded depth), so one bad id does not sink the others.
   */
  const converge = async (
    system: System,
    ids: string[],
    batchNumber: number,
    depth: number,
    label: string,
  ): Promise<Map<string, SystemOutcome>> => {
    const verb = system === 'wps' ? 'WPS disable' : 'Authing resign';
    const summary = `${verb}, batch ${batchNumber} of ${settings.batchesTotal}, ${ids.length} users${label}`;
    try {
      const results = await call(system, ids, summary, batchNumber);
      return new Map(ids.map((id, i) => [id, results[i] ?? missingResult()] as const));
    } catch (err) {
      const failure = failureOutcome(err);
      if (failureType(err) === SPLITTABLE_FAILURE && ids.length > 1 && depth < MAX_SPLIT_DEPTH) {
        const middle = Math.ceil(ids.length / 2);
        const halves = [ids.slice(0, middle), ids.slice(middle)];
        const merged = new Map<string, SystemOutcome>();
        for (const [i, half] of halves.entries()) {
          const part = `${label}, split ${depth + 1}.${i + 1}`;
          for (const [id, outcome] of await converge(system, half, batchNumber, depth + 1, part)) {
            merged.set(id, outcome);
          }
        }
        return merged;
      }
      return new Map(ids.map((id) => [id, failure] as const));
    }
  };

  const wpsStep = async (batch: Batch): Promise<void> => {
    if (batch.wpsUserIds.length > 0) {
      const batchNumber = settings.batchOffset + batch.index + 1;
      record(batch, 'wps', await converge('wps', batch.wpsUserIds, batchNumber, 0, ''));
    }
  };

  const authingStep = async (batch: Batch): Promise<void> => {
    if (batch.authingUserIds.length > 0) {
      if (settings.isCancelled()) {
        const skipped: SystemOutcome = { status: 'skipped', message: 'cancelled before the Authing step' };
        record(batch, 'authing', new Map(batch.authingUserIds.map((id) => [id, skipped] as const)));
      } else {
        const batchNumber = settings.batchOffset + batch.index + 1;
        record(batch, 'authing', await converge('authing', batch.authingUserIds, batchNumber, 0, ''));
      }
    }
    for (let i = 0; i < batch.leavers.length; i++) {
      const outcome = state.outcomes[batch.first + i];
      if (outcome && isFailure(outcome)) state.failedLeavers += 1;
    }
    state.batchesDone += 1;
  };

  let next = 0;
  let allTaken = false;
  const take = (): Batch | undefined => {
    if (settings.isCancelled()) return undefined;
    const batch = batches[next];
    if (batch) next += 1;
    else if (!allTaken) {
      allTaken = true;
      settings.onLastBatchTaken?.();
    }
    return batch;
  };
  const lane = async (): Promise<void> => {
    if (!overlapping) {
      for (let batch = take(); batch !== undefined; batch = take()) {
        await wpsStep(batch);
        await authingStep(batch);
      }
      return;
    }
    // The previous batch's Authing step runs beside this batch's WPS step; the lane takes a new
    // batch once both have ended, so WPS is never more than one batch ahead of Authing.
    let previous: Batch | undefined;
    for (let batch = take(); batch !== undefined; batch = take()) {
      await Promise.all([previous && authingStep(previous), wpsStep(batch)]);
      previous = batch;
    }
    if (previous) await authingStep(previous);
  };
  const lanes = Math.min(settings.concurrency * (overlapping ? LANES_PER_SLOT : 1), batches.length);
  await Promise.all(Array.from({ length: lanes }, lane));
}

/** Counts `skipped` from the outcomes, so a cancelled run's untouched leavers are counted too. */
export function countSkipped(state: BatchRunState): void {
  for (const system of ['wps', 'authing'] as const) {
    state.counts[system].skipped = state.outcomes.filter((o) => o[system].status === 'skipped').length;
  }
}

function missingResult(): SystemOutcome {
  return { status: 'failed', code: 'NoResult', message: 'the activity returned no outcome for this id' };
}

function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

function cut(message: string): string {
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message;
}

export function failureOutcome(err: unknown): SystemOutcome {
  const outcome = describeFailure(err);
  // Say why retrying stopped when it was the retry window, not the error itself.
  if (err instanceof ActivityFailure && err.retryState === RetryState.TIMEOUT) {
    outcome.message = cut(`gave up at the end of the retry window; last error: ${outcome.message ?? ''}`);
  }
  return outcome;
}

function describeFailure(err: unknown): SystemOutcome {
  let cause = err instanceof ActivityFailure ? err.cause : err;
  // The window ran out while an attempt was running: the server's timeout carries the last failed
  // attempt's failure, which says more than "ScheduleToClose timeout". The SDK keeps it only in the
  // timeout's raw failure: converted here as the SDK converts any failure (its encoded message and
  // details, already decrypted by the worker's codec, included).
  const last = cause instanceof TimeoutFailure ? cause.failure?.cause : undefined;
  if (last) {
    try {
      cause = failureConverter.failureToError(last, defaultPayloadConverter);
    } catch {
      // Undecodable (say, still encrypted): a failed workflow task would repeat on every replay,
      // so record what the raw failure says instead.
      return {
        status: 'failed',
        code: last.applicationFailureInfo?.type ?? 'Failed',
        message: cut(last.message ?? 'activity ScheduleToClose timeout'),
      };
    }
  }
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { vendorCode?: string; vendorRequestId?: string } | undefined;
    return {
      status: 'failed',
      code: details?.vendorCode ?? cause.type ?? 'Failed',
      message: cut(cause.message),
      ...(details?.vendorRequestId !== undefined ? { vendorRequestId: details.vendorRequestId } : {}),
    };
  }
  // A timeout (retry window used up) or anything else: say which.
  const message = cause instanceof Error ? cause.message : String(cause);
  return { status: 'failed', code: cause instanceof Error ? cause.name : 'Failed', message: cut(message) };
}
