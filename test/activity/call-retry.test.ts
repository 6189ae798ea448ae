import { msToNumber } from '@temporalio/common/lib/time';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  createActivities,
  type AuthingBatchInput,
  type AuthingDirectory,
  type BatchInput,
  type WpsDirectory,
} from '../../activities';
import { AuthingClient, type AuthingClientOptions } from '../../activities/authing/client';
import type { CallRetryOptions } from '../../activities/shared/call-retry';
import type { VendorMetrics } from '../../activities/shared/metrics';
import { toActivityFailure, VendorError } from '../../activities/shared/errors';
import { Secret } from '../../activities/shared/secret';
import type { WpsClient, WpsClientOptions } from '../../activities/wps/client';
import type { AuthingUserRecord } from '../../simulators/authing/server';
import type { WpsUserRecord } from '../../simulators/wps/server';
import type { SystemOutcome } from '../../workflows/outcome';
import { startSimulators, type RunningSimulators } from '../support/simulators';
import { applicationFailureOf } from '../support/failures';

/**
 * Per-call retries inside the vendor clients (activities/shared/call-retry.ts), against the real
 * simulators, each within ONE activity attempt (MockActivityEnvironment runs exactly one):
 * a transient read failure costs a short wait, not a failed attempt; an action is repeated only when
 * the vendor provably did nothing (429, connection refused), never after a 5xx or a timeout.
 *
 * The client's `sleep` is injected: it records each wait and does not really wait, and a test may
 * use it to end a fault between two tries (so "503 once, then OK" is exact, not a seeded chance).
 */

const WPS_USERS: WpsUserRecord[] = [
  { id: 'w-1', status: 'active' },
  { id: 'w-2', status: 'active' },
  { id: 'w-3', status: 'disabled' },
];
const AUTHING_USERS: AuthingUserRecord[] = [
  { userId: 'a-1', status: 'Activated' },
  { userId: 'a-2', status: 'Activated' },
  { userId: 'a-3', status: 'Resigned' },
];
const WPS_BATCH = ['w-1', 'w-2', 'w-3', 'w-nobody'];
const AUTHING_BATCH = ['a-1', 'a-2', 'a-3', 'a-nobody'];
const EXPECTED = ['done', 'done', 'already', 'not_found'];

let sims: RunningSimulators | undefined;
afterEach(async () => {
  await sims?.close();
  sims = undefined;
});

async function start(options: { faultsOnTokenEndpoint?: boolean } = {}): Promise<RunningSimulators> {
  sims = await startSimulators(
    { wps: WPS_USERS.map((u) => ({ ...u })), authing: AUTHING_USERS.map((u) => ({ ...u })) },
    { wps: options },
  );
  return sims;
}

/** Injected timing: every wait is recorded, `between` runs in it (to change the simulator), none is real. */
function timing(between: () => void = () => undefined) {
  const waits: number[] = [];
  const callRetry: CallRetryOptions = {
    sleep: (ms) => {
      waits.push(ms);
      between();
      return Promise.resolve();
    },
    random: () => 0.5,
  };
  return { waits, callRetry };
}

/** Every HTTP exchange the client reports through the metrics hook, by operation. */
function exchanges() {
  const operations: string[] = [];
  const metrics: VendorMetrics = {
    callEnded: ({ operation }) => operations.push(operation),
    tokenFetched: () => undefined,
  };
  return { operations, metrics };
}

/** A clock one second further on each read, so every try's X-Kso-Date (and signature) differs. */
function tickingClock(): () => Date {
  let at = Date.now();
  return () => new Date((at += 1000));
}

function wpsClient(s: RunningSimulators, extra: Partial<WpsClientOptions>): WpsClient {
  return s.wpsClient({ now: tickingClock(), ...extra });
}

function authingClient(s: RunningSimulators, extra: Partial<AuthingClientOptions>): AuthingClient {
  return new AuthingClient({
    baseUrl: s.authingUrl,
    userPoolId: s.credentials.userPoolId,
    accessKeyId: s.credentials.accessKeyId,
    accessKeySecret: new Secret(s.credentials.accessKeySecret),
    ...extra,
  });
}

const unusedWps: WpsDirectory = {
  readUsers: () => Promise.reject(new Error('not used')),
  disableUsers: () => Promise.reject(new Error('not used')),
};
const unusedAuthing: AuthingDirectory = {
  readUsers: () => Promise.reject(new Error('not used')),
  resignUsers: () => Promise.reject(new Error('not used')),
};

/** One attempt of disableWpsUsers, as Temporal would make it. */
function disableOnce(wps: WpsDirectory, userIds = WPS_BATCH): Promise<SystemOutcome[]> {
  const activities = createActivities({ wps, authing: unusedAuthing });
  return new MockActivityEnvironment().run<[BatchInput], SystemOutcome[], typeof activities.disableWpsUsers>(
    activities.disableWpsUsers,
    { batch: 1, batches: 1, userIds },
  );
}

/** One attempt of resignAuthingUsers, as Temporal would make it. */
function resignOnce(authing: AuthingDirectory, userIds = AUTHING_BATCH): Promise<SystemOutcome[]> {
  const activities = createActivities({ wps: unusedWps, authing });
  return new MockActivityEnvironment().run<
    [AuthingBatchInput],
    SystemOutcome[],
    typeof activities.resignAuthingUsers
  >(activities.resignAuthingUsers, { batch: 1, batches: 1, userIds, userIdType: 'user_id' });
}

/** The WPS client as the activity sees it, with `beforeDisable` run just before batch_disable is sent. */
function wpsWithHook(wps: WpsClient, beforeDisable: () => void): WpsDirectory {
  return {
    readUsers: (ids) => wps.readUsers(ids),
    disableUsers: (ids) => {
      beforeDisable();
      return wps.disableUsers(ids);
    },
  };
}

function authingWithHook(authing: AuthingClient, beforeResign: () => void): AuthingDirectory {
  return {
    readUsers: (ids, type) => authing.readUsers(ids, type),
    resignUsers: (ids, type) => {
      beforeResign();
      return authing.resignUsers(ids, type);
    },
  };
}

const statuses = (outcomes: SystemOutcome[]) => outcomes.map((o) => o.status);

describe('WPS: transient failures retried per call inside the client', () => {
  const wpsCalls = (s: RunningSimulators) =>
    s.wps.calls.map((c) => [c.path.replace('/v7/users/', ''), c.status] as const);

  it('a batch_read answered 503 once, then 200: the activity succeeds in one attempt, re-signed with a fresh date', async () => {
    const s = await start();
    s.wps.configure({ faults: { serverErrorRate: 1 } });
    const { waits, callRetry } = timing(() => s.wps.configure({ faults: { serverErrorRate: 0 } }));
    const outcomes = await disableOnce(wpsClient(s, { callRetry }));
    expect(statuses(outcomes)).toEqual(EXPECTED);
    expect(wpsCalls(s)).toEqual([
      ['batch_read', 503],
      ['batch_read', 200],
      ['batch_disable', 200],
      ['batch_read', 200],
    ]);
    expect(waits).toEqual([50]); // full jitter: random 0.5 of the first 100 ms ceiling
    const [first, second] = s.wps.calls;
    expect(first?.ksoDate).not.toBe(second?.ksoDate);
    expect(first?.ksoAuthorization).not.toBe(second?.ksoAuthorization);
    expect(second?.signatureValid).toBe(true);
    expect(s.wps.users.get('w-1')).toBe('disabled');
  });

  it('a batch_disable answered 429 with Retry-After 1, then OK: waits the 1 s and succeeds in one attempt', async () => {
    const s = await start();
    const { waits, callRetry } = timing(() => s.wps.configure({ faults: { throttleRate: 0 } }));
    const wps = wpsWithHook(wpsClient(s, { callRetry }), () =>
      s.wps.configure({ faults: { throttleRate: 1, retryAfterSeconds: 1 } }),
    );
    const outcomes = await disableOnce(wps);
    expect(statuses(outcomes)).toEqual(EXPECTED);
    expect(wpsCalls(s)).toEqual([
      ['batch_read', 200],
      ['batch_disable', 429],
      ['batch_disable', 200],
      ['batch_read', 200],
    ]);
    expect(waits).toEqual([1_000]);
    expect(s.wps.calls.filter((c) => c.path.endsWith('batch_disable')).map((c) => c.userIds)).toEqual([
      ['w-1', 'w-2'],
      ['w-1', 'w-2'],
    ]);
  });

  it('a batch_disable answered 503 is NOT retried by the client: one call, the same VendorUnavailable as before', async () => {
    const s = await start();
    const { waits, callRetry } = timing();
    s.wps.configure({ faults: { serverErrorRate: 1 } });
    const err = await wpsClient(s, { callRetry })
      .disableUsers(['w-1', 'w-2'])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(VendorError);
    expect(toActivityFailure(err)).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });
    expect((err as VendorError).details).toMatchObject({
      vendor: 'wps',
      kind: 'transient',
      operation: 'batch_disable',
      httpStatus: 503,
      vendorRequestId: expect.stringMatching(/^wps-sim-req-/) as unknown,
    });
    expect(wpsCalls(s)).toEqual([['batch_disable', 503]]);
    expect(waits).toEqual([]);
  });

  it('after a batch_disable answered 503 the activity reads again before acting again, in the same attempt', async () => {
    const s = await start();
    const { waits, callRetry } = timing();
    const client = wpsClient(s, { callRetry });
    let disables = 0;
    const wps: WpsDirectory = {
      // The 503 answers the first disable only.
      readUsers: (ids) => {
        s.wps.configure({ faults: { serverErrorRate: 0 } });
        return client.readUsers(ids);
      },
      disableUsers: (ids) => {
        disables += 1;
        if (disables === 1) s.wps.configure({ faults: { serverErrorRate: 1 } });
        return client.disableUsers(ids);
      },
    };
    const outcomes = await disableOnce(wps);
    expect(statuses(outcomes)).toEqual(EXPECTED);
    expect(wpsCalls(s)).toEqual([
      ['batch_read', 200],
      ['batch_disable', 503],
      ['batch_read', 200],
      ['batch_disable', 200],
      ['batch_read', 200],
    ]);
    expect(waits).toEqual([]);
  });

  it('a batch_disable that times out is NOT retried by the client either', async () => {
    const s = await start();
    const { waits, callRetry } = timing();
    const wps = wpsWithHook(wpsClient(s, { callRetry, timeoutMs: 300 }), () =>
      s.wps.configure({ faults: { hangRate: 1 } }),
    );
    const af = await applicationFailureOf(disableOnce(wps));
    expect(af.details?.[0]).toMatchObject({ operation: 'batch_disable', vendorCode: 'ECONNABORTED' });
    expect(s.wps.calls.filter((c) => c.path.endsWith('batch_disable'))).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('a 429 with Retry-After 30 gives up at once, leaving the 30 s to the activity retry', async () => {
    const s = await start();
    const { waits, callRetry } = timing();
    const wps = wpsWithHook(wpsClient(s, { callRetry }), () =>
      s.wps.configure({ faults: { throttleRate: 1, retryAfterSeconds: 30 } }),
    );
    const af = await applicationFailureOf(disableOnce(wps));
    expect(af).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });
    expect(msToNumber(af.nextRetryDelay!)).toBe(30_000);
    expect(af.details?.[0]).toMatchObject({ httpStatus: 429, retryAfterMs: 30_000 });
    expect(wpsCalls(s)).toEqual([
      ['batch_read', 200],
      ['batch_disable', 429],
    ]);
    expect(waits).toEqual([]);
  });

  it('a read that keeps failing: 1 + 3 tries, then the last 503 as the activity failure', async () => {
    const s = await start();
    s.wps.configure({ faults: { down: true } });
    const { waits, callRetry } = timing();
    const af = await applicationFailureOf(disableOnce(wpsClient(s, { callRetry })));
    expect(af).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });
    expect(af.details?.[0]).toMatchObject({ operation: 'batch_read', httpStatus: 503 });
    expect(wpsCalls(s)).toEqual(Array.from({ length: 4 }, () => ['batch_read', 503]));
    expect(waits).toEqual([50, 100, 200]);
    expect(s.wps.users.get('w-1')).toBe('active');
  });

  it('a token fetch answered 503 once is retried too, and every exchange is reported to metrics', async () => {
    const s = await start({ faultsOnTokenEndpoint: true });
    s.wps.configure({ faults: { serverErrorRate: 1 } });
    const { waits, callRetry } = timing(() => s.wps.configure({ faults: { serverErrorRate: 0 } }));
    const { operations, metrics } = exchanges();
    const wps = wpsClient(s, { callRetry, metrics });
    const read = await wps.readUsers(['w-1', 'w-3']);
    expect([...read.entries()]).toEqual([
      ['w-1', 'active'],
      ['w-3', 'disabled'],
    ]);
    expect(operations).toEqual(['oauth2/token', 'oauth2/token', 'batch_read']);
    expect(waits).toHaveLength(1);
    expect(wps.tokens.fetches).toBe(2);
  });

  it('connection refused (nothing listening): retried for a read and for an action whose token fetch never connected', async () => {
    const s = await start();
    await s.close();
    sims = undefined;
    for (const call of [
      (wps: WpsClient) => wps.readUsers(['w-1']),
      (wps: WpsClient) => wps.disableUsers(['w-1']),
    ]) {
      const { waits, callRetry } = timing();
      const { operations, metrics } = exchanges();
      const err = await call(wpsClient(s, { callRetry, metrics })).catch((e: unknown) => e);
      expect(err).toMatchObject({
        details: { kind: 'transient', operation: 'oauth2/token', vendorCode: 'ECONNREFUSED' },
      });
      expect(operations).toEqual(Array.from({ length: 4 }, () => 'oauth2/token'));
      expect(waits).toEqual([50, 100, 200]);
    }
  });
});

describe('Authing: transient failures retried per call inside the client', () => {
  const apiCalls = (s: RunningSimulators) =>
    s.authing.calls
      .filter((c) => c.path !== '/api/v3/get-management-token')
      .map((c) => [c.path.replace('/api/v3/', ''), c.httpStatus] as const);

  it('a get-user-batch answered 503 once, then 200: the activity succeeds in one attempt', async () => {
    const s = await start();
    s.authing.nextReadAnswers.push({ httpStatus: 503, statusCode: 503, message: 'service unavailable' });
    const { waits, callRetry } = timing();
    const outcomes = await resignOnce(authingClient(s, { callRetry }));
    expect(statuses(outcomes)).toEqual(EXPECTED);
    expect(apiCalls(s)).toEqual([
      ['get-user-batch', 503],
      ['get-user-batch', 200],
      ['resign-user-batch', 200],
      ['get-user-batch', 200],
    ]);
    expect(waits).toEqual([50]);
    expect(s.authing.resignations.map((r) => r.userId)).toEqual(['a-1', 'a-2']);
  });

  it('a resign-user-batch answered 429 with Retry-After 1, then OK: waits the 1 s and succeeds in one attempt', async () => {
    const s = await start();
    const { waits, callRetry } = timing(() => s.authing.configure({ faults: { throttleRate: 0 } }));
    const authing = authingWithHook(authingClient(s, { callRetry }), () =>
      s.authing.configure({ faults: { throttleRate: 1, retryAfterSeconds: 1 } }),
    );
    const outcomes = await resignOnce(authing);
    expect(statuses(outcomes)).toEqual(EXPECTED);
    expect(apiCalls(s)).toEqual([
      ['get-user-batch', 200],
      ['resign-user-batch', 429],
      ['resign-user-batch', 200],
      ['get-user-batch', 200],
    ]);
    expect(waits).toEqual([1_000]);
    expect(s.authing.resignations.map((r) => r.userId)).toEqual(['a-1', 'a-2']);
  });

  it('a resign-user-batch answered 503 is NOT retried by the client: one call, nothing resigned twice', async () => {
    const s = await start();
    const { waits, callRetry } = timing();
    const client = authingClient(s, { callRetry });
    await client.readUsers(['a-1'], 'user_id'); // the token, fetched before the fault
    s.authing.configure({ faults: { serverErrorRate: 1 } });
    const err = await client.resignUsers(['a-1', 'a-2'], 'user_id').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VendorError);
    expect(toActivityFailure(err)).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });
    expect((err as VendorError).details).toMatchObject({
      vendor: 'authing',
      kind: 'transient',
      operation: 'resign-user-batch',
      httpStatus: 503,
      statusCode: 503,
    });
    expect(apiCalls(s)).toEqual([
      ['get-user-batch', 200],
      ['resign-user-batch', 503],
    ]);
    expect(s.authing.resignations).toEqual([]);
    expect(waits).toEqual([]);
  });

  it('a resign that did act but answered statusCode 500 is NOT repeated: the activity reads again, sees it done, sends nothing more', async () => {
    const s = await start();
    s.authing.nextResignAnswers.push({ statusCode: 500, message: 'busy', apply: true });
    const { waits, callRetry } = timing();
    const outcomes = await resignOnce(authingClient(s, { callRetry }));
    // Sent by this attempt and verified: done, not "already".
    expect(statuses(outcomes)).toEqual(EXPECTED);
    expect(apiCalls(s)).toEqual([
      ['get-user-batch', 200],
      ['resign-user-batch', 200],
      ['get-user-batch', 200],
      ['get-user-batch', 200],
    ]);
    expect(s.authing.resignations.map((r) => r.userId)).toEqual(['a-1', 'a-2']);
    expect(waits).toEqual([]);
  });

  it('a 429 with Retry-After 30 gives up at once, leaving the 30 s to the activity retry', async () => {
    const s = await start();
    const { waits, callRetry } = timing();
    const authing = authingWithHook(authingClient(s, { callRetry }), () =>
      s.authing.configure({ faults: { throttleRate: 1, retryAfterSeconds: 30 } }),
    );
    const af = await applicationFailureOf(resignOnce(authing));
    expect(msToNumber(af.nextRetryDelay!)).toBe(30_000);
    expect(af.details?.[0]).toMatchObject({ httpStatus: 429, statusCode: 429, retryAfterMs: 30_000 });
    expect(apiCalls(s)).toEqual([
      ['get-user-batch', 200],
      ['resign-user-batch', 429],
    ]);
    expect(waits).toEqual([]);
  });
});
