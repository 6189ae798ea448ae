import { activityInfo, heartbeat, log } from '@temporalio/activity';
import { NOT_ATTEMPTED, NOT_EFFECTIVE, type SystemOutcome } from '../workflows/outcome';
import type { AuthingUserIdType } from '../workflows/request';
import type { AuthingUserStatus } from './authing/client';
import type { WpsUserStatus } from './wps/client';
import { CallSlots, type CallSlotsOfRun } from './call-slots';
import { classifyFailure } from './shared/call-retry';
import type { UserStatuses } from './shared/contract';
import { toActivityFailure, VendorError } from './shared/errors';

/** What the activities need from WPS 365; `WpsClient` is the real one. */
export interface WpsDirectory {
  readUsers(userIds: readonly string[]): Promise<UserStatuses<WpsUserStatus>>;
  disableUsers(userIds: readonly string[]): Promise<{ vendorRequestId?: string }>;
}

/** What the activities need from Authing; `AuthingClient` is the real one. */
export interface AuthingDirectory {
  readUsers(
    userIds: readonly string[],
    userIdType: AuthingUserIdType,
  ): Promise<UserStatuses<AuthingUserStatus>>;
  resignUsers(
    userIds: readonly string[],
    userIdType: AuthingUserIdType,
  ): Promise<{ vendorRequestId?: string }>;
}

export interface ActivityDeps {
  wps: WpsDirectory;
  authing: AuthingDirectory;
  /** Where each run's vendor exchanges take a slot (./call-slots.ts). Default: one for these activities. */
  callSlots?: CallSlots;
}

export interface BatchInput {
  /** 1-based, for logs and the Web UI. */
  batch: number;
  batches: number;
  userIds: string[];
  /** The run's limit on vendor calls in flight; absent (runs started before it existed): none. */
  callSlots?: CallSlotsOfRun;
  /**
   * The run has not yet seen this vendor's action take effect: act on one user alone and read it
   * back before acting on the others (see `converge`).
   */
  canary?: boolean;
  /** Ids an earlier call of this run brought to the target state (see VendorErrorDetails.acted). */
  actedBefore?: string[];
}

export interface AuthingBatchInput extends BatchInput {
  userIdType: AuthingUserIdType;
}

/** Heartbeat details of a vendor activity: the ids an earlier attempt already sent the action for. */
interface ActedCheckpoint {
  acted: string[];
}

const HEARTBEAT_EVERY_MS = 5_000;
/**
 * An attempt's exchanges start no later than this long before its start-to-close timeout (one
 * exchange's 15 s HTTP timeout and room to report): one still waiting for a call slot then is not
 * sent (./call-slots.ts), so nothing of a timed-out attempt reaches a vendor after the next began.
 */
const LAST_EXCHANGE_RESERVE_MS = 20_000;

function exchangeDeadline(): number {
  const budget = activityInfo().startToCloseTimeoutMs;
  return Date.now() + Math.max(budget - LAST_EXCHANGE_RESERVE_MS, budget / 2);
}
/**
 * An action the vendor answered with a transient failure (a 5xx, a failure inside an HTTP 200 body)
 * may or may not have taken effect: the attempt re-reads the ids it sent and acts again on those
 * still pending, up to this many times, instead of failing and waiting for Temporal's retry (its
 * backoff, a new dispatch, a new first read). A timeout or a dropped connection is left to that
 * retry: it has already cost an HTTP timeout.
 */
const ACTION_ROUNDS = 3;
/**
 * No new round starts this long after the attempt began. A round and the read-back after it are at
 * most three calls of about 35 s each (call-retry.ts `maxElapsedMs` plus one HTTP timeout), so an
 * attempt that starts its last round by then still ends inside the 2-minute start-to-close timeout
 * (workflows/batch-runner.ts). Waits for the run's call slots count too, and are themselves cut off
 * at LAST_EXCHANGE_RESERVE_MS before that timeout.
 */
const ACTION_ROUNDS_WITHIN_MS = 10_000;
/** Jittered wait before re-reading, at most this long. */
const ACTION_ROUND_DELAY_MS = 100;

/**
 * A transient failure that came with the vendor's answer: it may have acted, and it is up. Not one
 * that asks for a pause (Retry-After): that wait is Temporal's retry's to make.
 */
function answeredMayHaveActed(err: unknown): err is VendorError {
  return (
    err instanceof VendorError &&
    classifyFailure(err) === 'mayHaveActed' &&
    err.details.httpStatus !== undefined &&
    err.details.retryAfterMs === undefined
  );
}

function actedByEarlierAttempts(): Set<string> {
  const details = activityInfo().heartbeatDetails as Partial<ActedCheckpoint> | undefined;
  return new Set(Array.isArray(details?.acted) ? details.acted.filter((id) => typeof id === 'string') : []);
}

/** How an activity reaches one vendor: what it reads, what it sends, and what "done" is. */
interface Vendor<S> {
  /** The read endpoint and the action's, for evidence and messages. */
  readName: string;
  actName: string;
  isTarget: (status: S) => boolean;
  read: (ids: readonly string[]) => Promise<UserStatuses<S>>;
  act: (ids: readonly string[]) => Promise<{ vendorRequestId?: string }>;
}

/**
 * Brings every id in a batch to the target state and reports, per id and in input order, what it
 * found and did: read first (so an id already so is not sent again and an unknown id is told apart),
 * act on the rest (after an answered transient failure of the action: read those again and act on
 * the ones still pending, see ACTION_ROUNDS), then read back to verify. Safe to retry: a retry
 * re-reads. Before acting it records the ids in a heartbeat, which Temporal hands to the next
 * attempt, so that an attempt that acted and then failed (say, on the read-back) is credited as
 * `done`, not reported `already`.
 *
 * With `canary`, the first pending id is acted on alone and read back first: only when that user
 * really changed are the others sent. A vendor that accepts the call and changes nothing has then
 * touched one user, and the others are reported not attempted (NOT_ATTEMPTED), not sent.
 */
async function converge<S>(
  userIds: readonly string[],
  vendor: Vendor<S>,
  input: BatchInput,
): Promise<SystemOutcome[]> {
  const canary = input.canary === true;
  const actedBefore = new Set([...actedByEarlierAttempts(), ...(input.actedBefore ?? [])]);
  let checkpoint: ActedCheckpoint = { acted: [...actedBefore] };
  // A steady heartbeat while the attempt works (the SDK throttles it), so that a worker that dies is
  // noticed within the heartbeat timeout instead of the much longer start-to-close timeout.
  const ticker = setInterval(() => heartbeat(checkpoint), HEARTBEAT_EVERY_MS);
  try {
    return await convergeSteps(userIds, vendor, canary, actedBefore, (next) => {
      checkpoint = next;
      heartbeat(next);
    });
  } finally {
    clearInterval(ticker);
  }
}

/** The ids that exist and are not yet in the target state: those an action is (still) due for. */
function stillPending<S>(
  ids: readonly string[],
  statuses: ReadonlyMap<string, S>,
  isTarget: (status: S) => boolean,
): string[] {
  return ids.filter((id) => {
    const status = statuses.get(id);
    return status !== undefined && !isTarget(status);
  });
}

async function convergeSteps<S>(
  userIds: readonly string[],
  vendor: Vendor<S>,
  canary: boolean,
  actedBefore: ReadonlySet<string>,
  recordActing: (checkpoint: ActedCheckpoint) => void,
): Promise<SystemOutcome[]> {
  const { isTarget, read } = vendor;
  const started = Date.now();
  const before = await read(userIds);
  const pending = stillPending(userIds, before, isTarget);
  // Per id, the request id of the action that brought it to the target state (when known).
  const requestIds = new Map<string, string | undefined>();
  const after = new Map<string, S>();
  const afterRequestIds = new Map<string, string | undefined>();
  const acted = new Set(actedBefore);
  const actOn = async (ids: readonly string[]): Promise<void> => {
    for (const id of ids) acted.add(id);
    recordActing({ acted: [...acted] });
    for (const [id, request] of await actUntilAnswered(ids, vendor, started)) requestIds.set(id, request);
    const readBack = await read(ids);
    for (const id of ids) {
      const status = readBack.get(id);
      if (status !== undefined) after.set(id, status);
      afterRequestIds.set(id, readBack.vendorRequestId);
    }
  };
  let notAttempted: SystemOutcome | undefined;
  const [first, ...rest] = pending;
  if (first !== undefined && canary) {
    await actOn([first]);
    const now = after.get(first);
    if (now !== undefined && isTarget(now)) {
      try {
        if (rest.length > 0) await actOn(rest);
      } catch (err) {
        // The canary user is done: a split of this batch must report it so (batch-runner.ts).
        if (err instanceof VendorError) err.details.acted = [...(err.details.acted ?? []), first];
        throw err;
      }
    } else {
      const message =
        now === undefined
          ? `canary: after ${vendor.actName} for one user the read-back no longer returns that user, so whether the call works cannot be told; no other user was sent`
          : `canary: the vendor accepted ${vendor.actName} for one user but a read-back shows status ${String(now)}; the call changes nothing here, so no other user was sent`;
      log.warn(message, { batchSize: userIds.length });
      notAttempted = { status: 'failed', code: NOT_ATTEMPTED, message: `not sent: ${message}` };
    }
  } else if (pending.length > 0) await actOn(pending);

  return userIds.map((id): SystemOutcome => {
    const was = before.get(id);
    if (was === undefined) return notFound(vendor.readName, before.vendorRequestId, 'the first read');
    if (isTarget(was)) return { status: actedBefore.has(id) ? 'done' : 'already' };
    if (notAttempted && id !== first) return notAttempted;
    // The canary gone from the read-back proves nothing: the system stops as for an unchanged user.
    if (notAttempted && after.get(id) === undefined) {
      return {
        status: 'failed',
        code: NOT_EFFECTIVE,
        message: `canary: the read-back after ${vendor.actName} no longer returns the user; whether the call took effect cannot be told`,
      };
    }
    const now = after.get(id);
    const vendorRequestId = requestIds.get(id);
    const request = vendorRequestId === undefined ? {} : { vendorRequestId };
    if (now !== undefined && isTarget(now)) return { status: 'done', ...request };
    // Gone between the action and the read-back (deleted meanwhile): no such user any more.
    if (now === undefined) return notFound(vendor.readName, afterRequestIds.get(id), 'the read-back');
    return {
      status: 'failed',
      code: notAttempted ? NOT_EFFECTIVE : 'NotVerified',
      message: `the vendor accepted the call but a read-back shows status ${String(now)}`,
      ...request,
    };
  });
}

/** `not_found` is a claim: it says which read did not return the id, and that read's request id. */
function notFound(endpoint: string, vendorRequestId: string | undefined, which: string): SystemOutcome {
  return {
    status: 'not_found',
    message: `not returned by ${endpoint} (${which})`,
    ...(vendorRequestId !== undefined ? { vendorRequestId } : {}),
  };
}

/**
 * Acts on `pending`; after an answered transient failure, re-reads the ids still pending and acts
 * again on those not yet in the target state (ACTION_ROUNDS). Returns, per id sent, the request id
 * of the call that acted on it last: an id that a failed call had brought to the target state after
 * all keeps that call's request id (from its error).
 */
async function actUntilAnswered<S>(
  pending: readonly string[],
  { isTarget, read, act }: Vendor<S>,
  started: number,
): Promise<Map<string, string | undefined>> {
  const requestIds = new Map<string, string | undefined>();
  let remaining = pending;
  for (let round = 1; ; round++) {
    try {
      const { vendorRequestId } = await act(remaining);
      for (const id of remaining) requestIds.set(id, vendorRequestId);
      return requestIds;
    } catch (err) {
      const more = round < ACTION_ROUNDS && Date.now() - started < ACTION_ROUNDS_WITHIN_MS;
      if (!more || !answeredMayHaveActed(err)) throw err;
      for (const id of remaining) requestIds.set(id, err.details.vendorRequestId);
      log.info('the action failed and may have taken effect: reading again before acting again', {
        round,
        users: remaining.length,
      });
      // A plain timer, as in the clients' own retries: the activity's cancellation-aware sleep would
      // turn a worker's shutdown into a failure of this batch instead of letting the round finish.
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * ACTION_ROUND_DELAY_MS)));
      const now = await read(remaining);
      remaining = stillPending(remaining, now, isTarget);
      if (remaining.length === 0) return requestIds;
    }
  }
}

export function createActivities(deps: ActivityDeps) {
  const slots = deps.callSlots ?? new CallSlots();
  /** An attempt's calls, each exchange taking one of its run's slots (until the attempt's deadline). */
  const inSlotsOf = <T>(input: BatchInput, work: () => Promise<T>): Promise<T> =>
    slots.within(input.callSlots, work, exchangeDeadline());
  return {
    async disableWpsUsers(input: BatchInput): Promise<SystemOutcome[]> {
      log.info('WPS disable', { batch: input.batch, batches: input.batches, users: input.userIds.length });
      try {
        return await inSlotsOf(input, () =>
          converge<WpsUserStatus>(
            input.userIds,
            {
              readName: 'WPS batch_read',
              actName: 'WPS batch_disable',
              // A user who has left (dimission) is already off: never acted on.
              isTarget: (s) => s === 'disabled' || s === 'dimission',
              read: (ids) => deps.wps.readUsers(ids),
              act: (ids) => deps.wps.disableUsers(ids),
            },
            input,
          ),
        );
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    async resignAuthingUsers(input: AuthingBatchInput): Promise<SystemOutcome[]> {
      log.info('Authing resign', { batch: input.batch, batches: input.batches, users: input.userIds.length });
      try {
        return await inSlotsOf(input, () =>
          converge<AuthingUserStatus>(
            input.userIds,
            {
              readName: 'Authing get-user-batch',
              actName: 'Authing resign-user-batch',
              isTarget: (s) => s === 'Resigned',
              read: (ids) => deps.authing.readUsers(ids, input.userIdType),
              act: (ids) => deps.authing.resignUsers(ids, input.userIdType),
            },
            input,
          ),
        );
      } catch (err) {
        throw toActivityFailure(err);
      }
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
