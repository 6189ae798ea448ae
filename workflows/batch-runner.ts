import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  defaultPayloadConverter,
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
  NOT_ATTEMPTED,
  NOT_EFFECTIVE,
  NOT_FOUND_UNCONFIRMED,
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
 * What bounds the load on the vendors is `callSlots` (activities/call-slots.ts). The lanes only keep
 * enough activities going for those slots never to wait on Temporal's turn-around between activities
 * (LANES_PER_SLOT), and in each lane the next batch's WPS step runs beside this batch's Authing step
 * (never further ahead). So a run has up to 4 × `concurrency` activities going (a few more while a
 * chunk hands over to the next) and `concurrency` exchanges in flight.
 */

/**
 * Per system, whether the run has seen the vendor's action really change a user (the canary):
 * `unproven` (the next step acts on one user alone first), `probing` (that step is under way; the
 * others wait), `proven` (steps act on whole batches), `stopped` (a call the vendor accepted changed
 * nothing, or the first step failed: no further user of that system is sent, each is recorded
 * failed `NotAttempted` with `reason`). The other system goes on either way.
 */
export interface Gate {
  state: 'unproven' | 'probing' | 'proven' | 'stopped';
  reason?: string;
  /** Stopped by a transient failure (the vendor down): the run retries the system on its own. */
  transient?: true;
}
export type Gates = Record<System, Gate>;

export function newGates(): Gates {
  return { wps: { state: 'unproven' }, authing: { state: 'unproven' } };
}

/** Puts `gate` in the state `next` says, dropping what the old state had said. */
export function setGate(gate: Gate, next: Gate): void {
  delete gate.reason;
  delete gate.transient;
  Object.assign(gate, next);
}

/** Why a run stopped for an operator: `not_found` that looks like a wrong tenant or id field. */
export interface NotFoundHold {
  system: System;
  reason: string;
  /** The read that did not return them, e.g. `WPS batch_read`. */
  endpoint: string;
  /** Up to MAX_EVIDENCE of the ids not found, and the request ids of the reads that said so. */
  userIds: string[];
  vendorRequestIds: string[];
}

/** The `not_found` guard: who decides when unknown ids stop the run (workflows/offboarding.ts). */
export interface NotFoundGuard {
  /** A share of a system's ids in this run (0 to 1) that may be `not_found` before the run holds. */
  threshold: number;
  /** Systems whose `not_found` an operator has accepted: no longer held for. */
  accepted: Set<System>;
  /** The hold an operator is asked about first, if any. */
  held: () => NotFoundHold | undefined;
  /** Every hold not yet decided (one per system at most). */
  pending: () => readonly NotFoundHold[];
  hold: (hold: NotFoundHold) => void;
}

export interface BatchRunSettings {
  taskQueue: string;
  authingUserIdType: AuthingUserIdType;
  /** The run's (or chunk's) `concurrency`: two lanes each (see above). */
  concurrency: number;
  /** The run's limit on vendor calls in flight, shared by its chunks: the run's `concurrency`. */
  callSlots: CallSlotsOfRun;
  /** How long transient failures are retried before a batch is recorded failed (ms). */
  retryWindowMs: number;
  /** How long a WPS step is retried before the batch's Authing step goes ahead without it (ms). */
  authingWaitMs: number;
  /** Numbering shown in the Web UI: this run's first batch is batch `batchOffset + 1` of `batchesTotal`. */
  batchOffset: number;
  batchesTotal: number;
  /** Polled before each batch and before each Authing step: true stops new work. */
  isCancelled: () => boolean;
  /** Called once, when a lane finds every batch taken (not when cancelled). */
  onLastBatchTaken?: () => void;
  /** The run's canary gates, shared by its lanes (and, through the parent, by its chunks). */
  gates: Gates;
  /** Called when a gate is decided (proven or stopped). */
  onGateDecided?: (system: System, gate: Gate) => void;
  notFound: NotFoundGuard;
}

export interface BatchRunState {
  /** One per leaver of the run, in order; starts all `skipped`. */
  outcomes: LeaverOutcome[];
  counts: Record<System, OutcomeCounts>;
  batchesDone: number;
  failedLeavers: number;
}

/** With `refusesIds` in its details: the vendor refused some of the ids; split to isolate them. */
const SPLITTABLE_FAILURE = 'VendorRejectedRequest';
/** ceil(log2(50)): enough halvings to reach single ids from a full batch. */
const MAX_SPLIT_DEPTH = 6;
/** Failure messages are cut to this length so a chunk's result stays small. */
const MAX_MESSAGE = 200;
/** Ids and request ids kept as evidence of a `not_found` hold. */
const MAX_EVIDENCE = 20;

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
    // The request's window for transient failures; non-retryable types stop at once. WPS gives up
    // sooner, so that its outage does not hold back the Authing step (the run retries it later).
    scheduleToCloseTimeout:
      system === 'wps' ? Math.min(settings.retryWindowMs, settings.authingWaitMs) : settings.retryWindowMs,
    // A failed attempt is retried soon: the client has already retried what it safely could (a 429's
    // Retry-After comes back as the failure's own delay), and the next attempt re-reads first.
    retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  };
}

const vendor = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes' });
/**
 * Lanes per unit of `concurrency`. One overlapping lane keeps a slot busy while its other activity
 * waits on Temporal (a workflow task, a dispatch); a second covers activities waiting out a Retry-After
 * or a backoff (docs/benchmarks.md, fault scenario: 2.4 times the fault-free time with one, 1.6 with two).
 */
const LANES_PER_SLOT = 2;
const failureConverter = new DefaultFailureConverter();

/** Runs `batches` (positions relative to `state.outcomes`) until done or cancelled. */
export async function runBatches(
  batches: readonly Batch[],
  state: BatchRunState,
  settings: BatchRunSettings,
): Promise<void> {
  const idsOf = (system: System): number =>
    batches.reduce((n, b) => n + (system === 'wps' ? b.wpsUserIds : b.authingUserIds).length, 0);
  const idsInRun: Record<System, number> = { wps: idsOf('wps'), authing: idsOf('authing') };
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
    guardNotFound(system, results);
  };

  /**
   * `not_found` is a claim to verify: a read that returned none of the ids sent, or more of a
   * system's ids unknown than the threshold allows, looks like a wrong tenant or a misread answer,
   * so the run holds for an operator (who continues or cancels) instead of recording it as done.
   */
  const guardNotFound = (system: System, results: Map<string, SystemOutcome>): void => {
    const guard = settings.notFound;
    if (guard.accepted.has(system)) return;
    const missing = [...results].filter(([, outcome]) => outcome.status === 'not_found');
    if (missing.length === 0) return;
    const notFound = state.counts[system].not_found;
    const share = notFound / Math.max(1, idsInRun[system]);
    const reason =
      missing.length === results.size
        ? `none of the ${results.size} ids sent were returned`
        : share > guard.threshold
          ? `${notFound} of the run's ${idsInRun[system]} ids were not found, more than the threshold of ${Math.round(guard.threshold * 100)}%`
          : undefined;
    if (reason === undefined) return;
    guard.hold({
      system,
      reason,
      endpoint: system === 'wps' ? 'WPS batch_read' : 'Authing get-user-batch',
      userIds: missing.slice(0, MAX_EVIDENCE).map(([id]) => id),
      vendorRequestIds: [
        ...new Set(missing.flatMap(([, o]) => (o.vendorRequestId === undefined ? [] : [o.vendorRequestId]))),
      ].slice(0, MAX_EVIDENCE),
    });
  };

  const call = async (
    system: System,
    ids: string[],
    summary: string,
    batchNumber: number,
    canary: boolean,
    acted: readonly string[],
  ): Promise<SystemOutcome[]> => {
    const options: ActivityOptions = {
      ...activityOptions(settings, system),
      summary,
      // A canary attempt makes two more calls (the one user's action and read-back): more time.
      ...(canary ? { startToCloseTimeout: '4 minutes' } : {}),
    };
    const actedBefore = acted.filter((id) => ids.includes(id));
    const position = {
      batch: batchNumber,
      batches: settings.batchesTotal,
      userIds: ids,
      callSlots: settings.callSlots,
      ...(canary ? { canary } : {}),
      ...(actedBefore.length > 0 ? { actedBefore } : {}),
    };
    return system === 'wps'
      ? vendor.disableWpsUsers.executeWithOptions(options, [position])
      : vendor.resignAuthingUsers.executeWithOptions(options, [
          { ...position, userIdType: settings.authingUserIdType },
        ]);
  };

  /**
   * A call behind the system's canary gate: while unproven, the call acts on one user alone first
   * and decides the gate for every other call; once stopped, nothing more is sent.
   */
  const gatedCall = async (
    system: System,
    ids: string[],
    summary: string,
    batchNumber: number,
    acted: readonly string[],
  ): Promise<SystemOutcome[]> => {
    const gate = settings.gates[system];
    // Waits while another call probes, or while the run holds for an operator; looked at again after
    // each wake-up, since lanes woken together must not all start a probe.
    const mustWait = (): boolean =>
      gate.state === 'probing' || (!settings.isCancelled() && settings.notFound.held() !== undefined);
    let waited = false;
    while (mustWait()) {
      waited = true;
      await condition(() => !mustWait());
    }
    // After a cancel nothing more is started: no Authing step at all (irreversible), and no WPS
    // step that was still waiting.
    if (settings.isCancelled() && (waited || system === 'authing')) {
      const message = `cancelled before the ${system === 'wps' ? 'WPS' : 'Authing'} step`;
      return ids.map(() => ({ status: 'skipped', message }));
    }
    if (gate.state === 'stopped') {
      const outcome: SystemOutcome = {
        status: 'failed',
        code: NOT_ATTEMPTED,
        message: cut(`not sent: ${gate.reason ?? ''}`),
        ...(gate.transient ? { transient: true as const } : {}),
      };
      return ids.map(() => ({ ...outcome }));
    }
    if (gate.state === 'proven') return call(system, ids, summary, batchNumber, false, acted);
    gate.state = 'probing';
    const decide = (next: Gate): void => {
      setGate(gate, next);
      if (next.state !== 'unproven') settings.onGateDecided?.(system, { ...gate });
    };
    try {
      const results = await call(system, ids, `${summary}, canary first`, batchNumber, true, acted);
      const refuted = results.find((r) => r.code === NOT_EFFECTIVE);
      if (refuted) decide({ state: 'stopped', reason: refuted.message ?? 'the canary changed nothing' });
      else decide({ state: results.some((r) => r.status === 'done') ? 'proven' : 'unproven' });
      return results;
    } catch (err) {
      // The canary changed a user before the rest was refused: proven. A refusal of some ids is
      // bisected, each half probing again; anything else stops the system.
      if (actedOf(err).length > 0) decide({ state: 'proven' });
      else if (refusesIds(err)) decide({ state: 'unproven' });
      else {
        const failure = failureOutcome(err);
        decide({
          state: 'stopped',
          reason: cut(
            `the first ${system === 'wps' ? 'WPS' : 'Authing'} batch failed: ${failure.message ?? ''}`,
          ),
          ...(failure.transient ? { transient: true as const } : {}),
        });
      }
      throw err;
    }
  };

  /**
   * One call for `ids`; when the vendor refuses it as invalid with a code that says some of the ids
   * are refused (never on a failure that names no id), the halves are tried in turn (bounded depth),
   * so one bad id does not sink the others.
   */
  const converge = async (
    system: System,
    ids: string[],
    batchNumber: number,
    depth: number,
    label: string,
    acted: readonly string[] = [],
  ): Promise<Map<string, SystemOutcome>> => {
    const verb = system === 'wps' ? 'WPS disable' : 'Authing resign';
    const summary = `${verb}, batch ${batchNumber} of ${settings.batchesTotal}, ${ids.length} users${label}`;
    try {
      const results = await gatedCall(system, ids, summary, batchNumber, acted);
      return new Map(ids.map((id, i) => [id, results[i] ?? missingResult()] as const));
    } catch (err) {
      const failure = failureOutcome(err);
      if (refusesIds(err) && ids.length > 1 && depth < MAX_SPLIT_DEPTH) {
        const middle = Math.ceil(ids.length / 2);
        const halves = [ids.slice(0, middle), ids.slice(middle)];
        const merged = new Map<string, SystemOutcome>();
        for (const [i, half] of halves.entries()) {
          const part = `${label}, split ${depth + 1}.${i + 1}`;
          const actedInHalf = [...acted, ...actedOf(err)];
          for (const [id, outcome] of await converge(
            system,
            half,
            batchNumber,
            depth + 1,
            part,
            actedInHalf,
          )) {
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
  const take = async (): Promise<Batch | undefined> => {
    // While the run holds for an operator (the not_found guard), no batch starts.
    while (!settings.isCancelled() && settings.notFound.held() !== undefined) {
      await condition(() => settings.isCancelled() || settings.notFound.held() === undefined);
    }
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
    // The previous batch's Authing step runs beside this batch's WPS step; the lane takes a new
    // batch once both have ended, so WPS is never more than one batch ahead of Authing.
    let previous: Batch | undefined;
    for (let batch = await take(); batch !== undefined; batch = await take()) {
      await Promise.all([previous && authingStep(previous), wpsStep(batch)]);
      previous = batch;
    }
    if (previous) await authingStep(previous);
  };
  const lanes = Math.min(settings.concurrency * LANES_PER_SLOT, batches.length);
  await Promise.all(Array.from({ length: lanes }, lane));
  // A hold raised by a lane's last step is decided too before the run ends.
  while (!settings.isCancelled() && settings.notFound.held() !== undefined) {
    await condition(() => settings.isCancelled() || settings.notFound.held() === undefined);
  }
  // Cancelled while an operator was asked: the not_found ids of those systems were never confirmed,
  // so they are failures to look at (and to retry), not outcomes.
  for (const unconfirmed of settings.notFound.pending()) {
    const system = unconfirmed.system;
    for (const outcome of state.outcomes) {
      if (outcome[system].status !== 'not_found') continue;
      outcome[system] = {
        status: 'failed',
        code: NOT_FOUND_UNCONFIRMED,
        message: cut(
          `not returned by the vendor, but the run was cancelled while an operator was asked to confirm it (${unconfirmed.reason})`,
        ),
        ...(outcome[system].vendorRequestId !== undefined
          ? { vendorRequestId: outcome[system].vendorRequestId }
          : {}),
      };
      state.counts[system].not_found -= 1;
      state.counts[system].failed += 1;
    }
    state.failedLeavers = state.outcomes.filter(isFailure).length;
  }
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

/** The ids a failed attempt had brought to the target state before it failed (the canary's). */
function actedOf(err: unknown): string[] {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const acted =
    cause instanceof ApplicationFailure
      ? (cause.details?.[0] as { acted?: unknown } | undefined)?.acted
      : undefined;
  return Array.isArray(acted) ? acted.filter((id): id is string => typeof id === 'string') : [];
}

/** The vendor refused the call with a code configured as a refusal of some of its ids. */
function refusesIds(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (!(cause instanceof ApplicationFailure) || cause.type !== SPLITTABLE_FAILURE) return false;
  return (cause.details?.[0] as { refusesIds?: unknown } | undefined)?.refusesIds === true;
}

function cut(message: string): string {
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message;
}

export function failureOutcome(err: unknown): SystemOutcome {
  const outcome = describeFailure(err);
  // Say why retrying stopped when it was the retry window. The retry policy sets no attempt limit, so
  // a retryable failure or a timeout that ends the activity means the window ran out, whatever state
  // the server reported it with (seen under load: not TIMEOUT).
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  const retryable =
    (cause instanceof ApplicationFailure && !cause.nonRetryable) || cause instanceof TimeoutFailure;
  if (err instanceof ActivityFailure && (err.retryState === RetryState.TIMEOUT || retryable)) {
    outcome.message = cut(`gave up at the end of the retry window; last error: ${outcome.message ?? ''}`);
    outcome.transient = true;
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
