import { AuthingClient } from '../activities/authing/client';
import { Secret } from '../activities/shared/secret';
import { WpsClient } from '../activities/wps/client';
import type { OffboardingRequest } from '../workflows/request';

/**
 * The naive way, for comparison: one loop, no Temporal, the project's own vendor clients (KSO-1
 * signing, tokens). Per batch of 50, as the activities do: WPS read, disable, read back; then
 * Authing read, resign, read back. One call at a time, no retries (it runs fault-free).
 */

export interface SequentialTarget {
  wpsUrl: string;
  authingUrl: string;
  credentials: {
    WPS_APP_ID: string;
    WPS_APP_KEY: string;
    AUTHING_USERPOOL_ID: string;
    AUTHING_ACCESS_KEY_ID: string;
    AUTHING_ACCESS_KEY_SECRET: string;
  };
}

export interface SequentialRun {
  wallMs: number;
  /** Leavers verified disabled and resigned by the read-backs. */
  verified: number;
}

/** Read, act on those not yet in the target state, read those back: the statuses after. */
async function converge<S>(
  ids: string[],
  read: (ids: string[]) => Promise<ReadonlyMap<string, S>>,
  act: (ids: string[]) => Promise<unknown>,
  isTarget: (status: S) => boolean,
): Promise<ReadonlyMap<string, S>> {
  if (ids.length === 0) return new Map();
  const before = await read(ids);
  const pending = ids.filter((id) => {
    const status = before.get(id);
    return status !== undefined && !isTarget(status);
  });
  if (pending.length === 0) return before;
  await act(pending);
  return new Map([...before, ...(await read(pending))]);
}

/** The project's own vendor clients, as a script outside Temporal would make them. */
export function scriptClients(target: SequentialTarget): { wps: WpsClient; authing: AuthingClient } {
  const { credentials: c } = target;
  return {
    wps: new WpsClient({ baseUrl: target.wpsUrl, appId: c.WPS_APP_ID, appKey: new Secret(c.WPS_APP_KEY) }),
    authing: new AuthingClient({
      baseUrl: target.authingUrl,
      userPoolId: c.AUTHING_USERPOOL_ID,
      accessKeyId: c.AUTHING_ACCESS_KEY_ID,
      accessKeySecret: new Secret(c.AUTHING_ACCESS_KEY_SECRET),
    }),
  };
}

export async function runSequential(
  target: SequentialTarget,
  request: OffboardingRequest,
  batchSize = 50,
): Promise<SequentialRun> {
  const { wps, authing } = scriptClients(target);
  const type = request.authingUserIdType ?? 'user_id';
  let verified = 0;
  const started = performance.now();
  for (let first = 0; first < request.leavers.length; first += batchSize) {
    const batch = request.leavers.slice(first, first + batchSize);
    const wpsIds = batch.flatMap((l) => (l.wpsUserId === undefined ? [] : [l.wpsUserId]));
    const authingIds = batch.flatMap((l) => (l.authingUserId === undefined ? [] : [l.authingUserId]));

    const wpsNow = await converge(
      wpsIds,
      (ids) => wps.readUsers(ids),
      (ids) => wps.disableUsers(ids),
      (s) => s === 'disabled',
    );
    const authingNow = await converge(
      authingIds,
      (ids) => authing.readUsers(ids, type),
      (ids) => authing.resignUsers(ids, type),
      (s) => s === 'Resigned',
    );

    for (const leaver of batch) {
      const wpsOk = leaver.wpsUserId === undefined || wpsNow.get(leaver.wpsUserId) === 'disabled';
      const authingOk =
        leaver.authingUserId === undefined || authingNow.get(leaver.authingUserId) === 'Resigned';
      if (wpsOk && authingOk) verified += 1;
    }
  }
  return { wallMs: performance.now() - started, verified };
}
