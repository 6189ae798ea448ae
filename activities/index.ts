import { activityInfo, heartbeat, log } from '@temporalio/activity';
import type { SystemOutcome } from '../workflows/outcome';
import type { AuthingUserIdType } from '../workflows/request';
import type { AuthingUserStatus } from './authing/client';
import type { WpsUserStatus } from './wps/client';
import { toActivityFailure } from './vendor/errors';

/** What the activities need from WPS 365; `WpsClient` is the real one. */
export interface WpsDirectory {
  readUsers(userIds: readonly string[]): Promise<Map<string, WpsUserStatus>>;
  disableUsers(userIds: readonly string[]): Promise<{ vendorRequestId?: string }>;
}

/** What the activities need from Authing; `AuthingClient` is the real one. */
export interface AuthingDirectory {
  readUsers(
    userIds: readonly string[],
    userIdType: AuthingUserIdType,
  ): Promise<Map<string, AuthingUserStatus>>;
  resignUsers(
    userIds: readonly string[],
    userIdType: AuthingUserIdType,
  ): Promise<{ vendorRequestId?: string }>;
}

export interface ActivityDeps {
  wps: WpsDirectory;
  authing: AuthingDirectory;
}

export interface BatchInput {
  /** 1-based, for logs and the Web UI. */
  batch: number;
  batches: number;
  userIds: string[];
}

export interface AuthingBatchInput extends BatchInput {
  userIdType: AuthingUserIdType;
}

/** Heartbeat details of a vendor activity: the ids an earlier attempt already sent the action for. */
interface ActedCheckpoint {
  acted: string[];
}

const HEARTBEAT_EVERY_MS = 5_000;

function actedByEarlierAttempts(): Set<string> {
  const details = activityInfo().heartbeatDetails as Partial<ActedCheckpoint> | undefined;
  return new Set(Array.isArray(details?.acted) ? details.acted.filter((id) => typeof id === 'string') : []);
}

/**
 * Brings every id in a batch to the target state and reports, per id and in input order, what it
 * found and did: read first (so an id already so is not sent again and an unknown id is told apart),
 * act on the rest, then read back to verify. Safe to retry: a retry re-reads. Before acting it
 * records the ids in a heartbeat, which Temporal hands to the next attempt, so that an attempt that
 * acted and then failed (say, on the read-back) is credited as `done`, not reported `already`.
 */
async function converge<S>(
  userIds: readonly string[],
  isTarget: (status: S) => boolean,
  read: (ids: readonly string[]) => Promise<Map<string, S>>,
  act: (ids: readonly string[]) => Promise<{ vendorRequestId?: string }>,
): Promise<SystemOutcome[]> {
  const actedBefore = actedByEarlierAttempts();
  let checkpoint: ActedCheckpoint = { acted: [...actedBefore] };
  // A steady heartbeat while the attempt works (the SDK throttles it), so that a worker that dies is
  // noticed within the heartbeat timeout instead of the much longer start-to-close timeout.
  const ticker = setInterval(() => heartbeat(checkpoint), HEARTBEAT_EVERY_MS);
  try {
    return await convergeSteps(userIds, isTarget, read, act, actedBefore, (next) => {
      checkpoint = next;
      heartbeat(next);
    });
  } finally {
    clearInterval(ticker);
  }
}

async function convergeSteps<S>(
  userIds: readonly string[],
  isTarget: (status: S) => boolean,
  read: (ids: readonly string[]) => Promise<Map<string, S>>,
  act: (ids: readonly string[]) => Promise<{ vendorRequestId?: string }>,
  actedBefore: ReadonlySet<string>,
  recordActing: (checkpoint: ActedCheckpoint) => void,
): Promise<SystemOutcome[]> {
  const before = await read(userIds);
  const pending = userIds.filter((id) => {
    const status = before.get(id);
    return status !== undefined && !isTarget(status);
  });
  let vendorRequestId: string | undefined;
  let after = new Map<string, S>();
  if (pending.length > 0) {
    recordActing({ acted: [...actedBefore, ...pending] });
    vendorRequestId = (await act(pending)).vendorRequestId;
    after = await read(pending);
  }
  return userIds.map((id): SystemOutcome => {
    const was = before.get(id);
    if (was === undefined) return { status: 'not_found' };
    if (isTarget(was)) return { status: actedBefore.has(id) ? 'done' : 'already' };
    const now = after.get(id);
    if (now !== undefined && isTarget(now)) {
      return vendorRequestId === undefined ? { status: 'done' } : { status: 'done', vendorRequestId };
    }
    return {
      status: 'failed',
      code: 'NotVerified',
      message: `the vendor accepted the call but a read-back shows status ${now === undefined ? 'missing' : String(now)}`,
      ...(vendorRequestId === undefined ? {} : { vendorRequestId }),
    };
  });
}

export function createActivities(deps: ActivityDeps) {
  return {
    async disableWpsUsers(input: BatchInput): Promise<SystemOutcome[]> {
      log.info('WPS disable', { batch: input.batch, batches: input.batches, users: input.userIds.length });
      try {
        return await converge<WpsUserStatus>(
          input.userIds,
          (s) => s === 'disabled',
          (ids) => deps.wps.readUsers(ids),
          (ids) => deps.wps.disableUsers(ids),
        );
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    async resignAuthingUsers(input: AuthingBatchInput): Promise<SystemOutcome[]> {
      log.info('Authing resign', { batch: input.batch, batches: input.batches, users: input.userIds.length });
      try {
        return await converge<AuthingUserStatus>(
          input.userIds,
          (s) => s === 'Resigned',
          (ids) => deps.authing.readUsers(ids, input.userIdType),
          (ids) => deps.authing.resignUsers(ids, input.userIdType),
        );
      } catch (err) {
        throw toActivityFailure(err);
      }
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
