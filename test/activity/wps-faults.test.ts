import { ApplicationFailure } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { createActivities, type ActivityDeps, type BatchInput } from '../../activities';
import { Secret } from '../../activities/shared/secret';
import { WpsClient, type WpsClientOptions } from '../../activities/wps/client';
import type { WpsUserRecord } from '../../simulators/wps/server';
import type { SystemOutcome } from '../../workflows/outcome';
import { runLikeTemporalRetries } from '../support/retry';
import { wpsSimulatorPerTest, type RunningSimulators } from '../support/simulators';

/**
 * The WPS connector against a misbehaving simulator: 429 storms, 5xx storms, hangs, an outage, wrong
 * credentials; and proof that no app key or token reaches an error or a log line.
 */

const ACTIVE = Array.from({ length: 12 }, (_, i) => `w-${i + 1}`);
const USERS: WpsUserRecord[] = [
  ...ACTIVE.map((id, i) => ({ id, status: i % 4 === 3 ? ('notactive' as const) : ('active' as const) })),
  { id: 'w-gone-1', status: 'disabled' },
  { id: 'w-gone-2', status: 'disabled' },
];
const BATCH = [...ACTIVE.slice(0, 6), 'w-gone-1', 'w-unknown', ...ACTIVE.slice(6), 'w-gone-2'];

const start = wpsSimulatorPerTest(USERS);

function client(s: RunningSimulators, extra: Partial<WpsClientOptions> = {}): WpsClient {
  return s.wpsClient(extra);
}

const unusedAuthing: ActivityDeps['authing'] = {
  readUsers: () => Promise.reject(new Error('not used')),
  resignUsers: () => Promise.reject(new Error('not used')),
};

/** Log lines the activity (and the mock environment) write, kept for assertions. */
const logged: LogEntry[] = [];
const logger = new DefaultLogger('TRACE', (entry) => logged.push(entry));

function runDisable(wps: WpsClient, userIds: string[] = BATCH): Promise<SystemOutcome[]> {
  const activities = createActivities({ wps, authing: unusedAuthing });
  return new MockActivityEnvironment(undefined, { logger }).run<
    [BatchInput],
    SystemOutcome[],
    typeof activities.disableWpsUsers
  >(activities.disableWpsUsers, { batch: 1, batches: 1, userIds });
}

/** Every leaver's outcome is right, whatever attempt did the work, and the directory agrees. */
function expectConverged(s: RunningSimulators, outcomes: SystemOutcome[]): void {
  const byId = Object.fromEntries(BATCH.map((id, i) => [id, outcomes[i]?.status]));
  for (const id of ACTIVE) {
    // `already` when an earlier attempt disabled it before failing on the read-back.
    expect([id, byId[id]]).toEqual([id, expect.stringMatching(/^(done|already)$/)]);
    expect([id, s.wps.users.get(id)]).toEqual([id, 'disabled']);
  }
  expect(byId['w-gone-1']).toBe('already');
  expect(byId['w-gone-2']).toBe('already');
  expect(byId['w-unknown']).toBe('not_found');
  expect(s.wps.users.has('w-unknown')).toBe(false);
}

describe('WPS connector under faults', () => {
  it('a 429 storm (half the calls, Retry-After: 1, fixed seed) ends with every outcome correct', async () => {
    const s = await start({ faults: { throttleRate: 0.5, retryAfterSeconds: 1, seed: 7 } });
    // The client's own retry would absorb the storm; this checks what reaches Temporal's retry.
    const wps = client(s, { callRetry: { maxRetries: 0 } });
    // The runner caps each wait at 50 ms to keep the test fast; what matters is the delay it was told.
    const run = await runLikeTemporalRetries(() => runDisable(wps), { maxIntervalMs: 50, maxAttempts: 60 });
    expectConverged(s, run.result);
    expect(run.failures.length).toBeGreaterThan(0);
    for (const f of run.failures) {
      expect(f.type).toBe('VendorUnavailable');
      expect(f.nonRetryable).toBe(false);
      expect(msToNumber(f.nextRetryDelay!)).toBe(1000);
      expect(f.details?.[0]).toMatchObject({ httpStatus: 429, retryAfterMs: 1000 });
    }
    expect(s.wps.faults.counts.throttled).toBe(run.failures.length);
    expect(s.wps.calls.filter((c) => c.status === 429).every((c) => c.fault === 'throttle')).toBe(true);
  });

  it('a 30% 5xx storm ends with every outcome correct', async () => {
    const s = await start({ faults: { serverErrorRate: 0.3, seed: 3 } });
    const wps = client(s);
    const run = await runLikeTemporalRetries(() => runDisable(wps), { maxIntervalMs: 50, maxAttempts: 60 });
    expectConverged(s, run.result);
    // The storm was real, the disables included (the activity itself reads again and acts again after
    // a disable answered 503, so few or none of them reach the retry); whatever did was a 503.
    expect(
      s.wps.calls.filter((c) => c.path.endsWith('batch_disable') && c.status === 503).length,
    ).toBeGreaterThan(0);
    for (const f of run.failures) {
      expect(f.type).toBe('VendorUnavailable');
      expect(f.details?.[0]).toMatchObject({ httpStatus: 503, vendorMessage: 'service unavailable' });
    }
  });

  it('a rate limit in requests per second answered with 429 still converges', async () => {
    const s = await start({ faults: { rateLimitPerSecond: 2 } });
    const wps = client(s);
    const run = await runLikeTemporalRetries(() => runDisable(wps), {
      maxIntervalMs: 1_100,
      maxAttempts: 20,
    });
    expectConverged(s, run.result);
    expect(run.failures.every((f) => f.type === 'VendorUnavailable')).toBe(true);
  });

  it('a hang beyond the client timeout is a transient failure; the retry succeeds', async () => {
    const s = await start({ faults: { hangRate: 1 } });
    const wps = client(s, { timeoutMs: 200 });
    const failure = await runDisable(wps).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    const af = failure as ApplicationFailure;
    expect(af.type).toBe('VendorUnavailable');
    expect(af.nonRetryable).toBe(false);
    expect(af.message).toContain('request failed before an answer');
    expect(s.wps.calls.at(-1)).toMatchObject({ status: 0, fault: 'hang' });
    s.wps.configure({ faults: { hangRate: 0 } });
    expectConverged(s, await runDisable(wps));
  });

  it('a vendor that is down is transient; nothing changes until it is back', async () => {
    const s = await start({ faults: { down: true } });
    const wps = client(s);
    const af = (await runDisable(wps).catch((e: unknown) => e)) as ApplicationFailure;
    expect(af).toBeInstanceOf(ApplicationFailure);
    expect(af.type).toBe('VendorUnavailable');
    expect(af.details?.[0]).toMatchObject({ httpStatus: 503 });
    expect(s.wps.users.get('w-1')).toBe('active');
    s.wps.configure({ faults: { down: false } });
    expectConverged(s, await runDisable(wps));
  });

  it('faults on the token endpoint (when switched on) are transient too', async () => {
    const s = await start({ faultsOnTokenEndpoint: true, faults: { down: true } });
    const wps = client(s);
    const err = await wps.readUsers(['w-1']).catch((e: unknown) => e);
    expect(err).toMatchObject({ details: { kind: 'transient', operation: 'oauth2/token', httpStatus: 503 } });
    expect(s.wps.tokens.issued).toBe(0);
  });

  it('a vendor not listening at all (connection refused) is transient', async () => {
    const s = await start();
    const wps = client(s);
    await s.close();
    const af = (await runDisable(wps).catch((e: unknown) => e)) as ApplicationFailure;
    expect(af).toBeInstanceOf(ApplicationFailure);
    expect(af.type).toBe('VendorUnavailable');
    expect(af.nonRetryable).toBe(false);
  });

  it('a wrong app key or app id is a non-retryable credentials failure naming WPS_APP_ID and WPS_APP_KEY', async () => {
    const s = await start();
    for (const wrong of [{ appKey: new Secret('wrong-key-0123456789') }, { appId: 'AK-NOT-THIS-APP' }]) {
      const af = (await runDisable(client(s, wrong)).catch((e: unknown) => e)) as ApplicationFailure;
      expect(af).toBeInstanceOf(ApplicationFailure);
      expect(af.type).toBe('VendorCredentialsRejected');
      expect(af.nonRetryable).toBe(true);
      expect(af.message).toContain('check WPS_APP_ID and WPS_APP_KEY');
      expect(af.details?.[0]).toMatchObject({ httpStatus: 401, operation: 'oauth2/token' });
    }
    expect(s.wps.calls).toHaveLength(0);
    expect(s.wps.users.get('w-1')).toBe('active');
  });
});

describe('WPS connector: no secret or token in any error or log line', () => {
  it('collects every failure and log line of many failing runs and finds neither the app key nor a token', async () => {
    const s = await start();
    const key = s.credentials.wpsAppKey;
    const texts: string[] = [];
    const collect = (err: unknown): void => {
      for (let e: unknown = err; e instanceof Error; e = e.cause) {
        texts.push(e.message, e.stack ?? '', JSON.stringify(e), String(e));
        if (e instanceof ApplicationFailure) texts.push(JSON.stringify(e.details ?? []));
        const details = (e as { details?: unknown }).details;
        if (details !== undefined) texts.push(JSON.stringify(details));
      }
    };
    logged.length = 0;
    const attempt = async (setup: () => void, wps: WpsClient, ids: string[] = ['w-1', 'w-2']) => {
      setup();
      await runDisable(wps, ids).then(() => undefined, collect);
      await wps.disableUsers(ids).then(() => undefined, collect);
      await wps.readUsers(ids).then(() => undefined, collect);
    };
    const good = client(s, { timeoutMs: 200 });
    await good.readUsers(['w-1']); // a token is cached: later failures happen with it in hand
    await attempt(() => s.wps.configure({ faults: { throttleRate: 1 } }), good);
    await attempt(() => s.wps.configure({ faults: { throttleRate: 0, down: true } }), good);
    await attempt(() => s.wps.configure({ faults: { down: false, hangRate: 1 } }), good);
    await attempt(() => s.wps.configure({ faults: { hangRate: 0 }, unknownIds: 'reject' }), good, [
      'w-3',
      'w-x',
    ]);
    await attempt(() => {
      s.wps.configure({ unknownIds: 'skip', tokenTtlSeconds: 0, advertisedExpiresInSeconds: 7200 });
      s.wps.revokeTokens();
    }, good);
    await attempt(() => s.wps.configure({ tokenTtlSeconds: 7200 }), client(s, { now: () => new Date(0) }));
    await attempt(() => undefined, client(s, { appKey: new Secret(`${key}-wrong`) }));
    await attempt(
      () => undefined,
      good,
      Array.from({ length: 51 }, (_, i) => `w-${i}`),
    );
    await s.close();
    await attempt(() => undefined, good);

    expect(texts.length).toBeGreaterThan(30);
    expect(logged.length).toBeGreaterThan(10);
    for (const entry of logged) texts.push(entry.message, JSON.stringify(entry.meta ?? {}, replacer));
    for (const entry of logged) {
      const err = (entry.meta as { error?: unknown } | undefined)?.error;
      if (err !== undefined) collect(err);
    }
    const everything = texts.join('\n');
    expect(s.wps.issuedTokens.length).toBeGreaterThan(1);
    expect(everything).not.toContain(key);
    for (const token of s.wps.issuedTokens) expect(everything).not.toContain(token);
    // The errors do say what they are about.
    expect(everything).toContain('VendorUnavailable');
    expect(everything).toContain('kso.contact.readwrite');
    expect(everything).toContain("check WPS_APP_ID, WPS_APP_KEY and this machine's clock");
  });
});

/** JSON.stringify of an Error gives `{}`; spell out its message and stack instead. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { ...value, message: value.message, stack: value.stack };
  if (typeof value === 'bigint') return String(value);
  return value;
}
