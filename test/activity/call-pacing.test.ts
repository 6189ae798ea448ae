import { AuthingClient } from '../../activities/authing/client';
import { CallPacer } from '../../activities/shared/call-pacer';
import type { CallRetryOptions } from '../../activities/shared/call-retry';
import { Secret } from '../../activities/shared/secret';
import type { AuthingUserRecord } from '../../simulators/authing/server';
import type { WpsUserRecord } from '../../simulators/wps/server';
import { startSimulators, type RunningSimulators } from '../support/simulators';

/**
 * The call pacer (activities/shared/call-pacer.ts) against the real simulators, whose rate limit
 * (simulators/faults.ts) answers 429 above 10 calls in any sliding second. A burst of 30 concurrent
 * reads through a client paced at 10/s meets no 429; the same burst unpaced does. Client retries are
 * off, so a 429 would show as a failed read instead of being retried away. The assertions are on the
 * simulators' fault counts and call records, never on how long anything took.
 */

const RATE = 10;
const READS = 30;
const NO_RETRIES: CallRetryOptions = { maxRetries: 0 };

const WPS_USERS: WpsUserRecord[] = Array.from({ length: READS }, (_, i) => ({
  id: `w-${i}`,
  status: 'active' as const,
}));
const AUTHING_USERS: AuthingUserRecord[] = Array.from({ length: READS }, (_, i) => ({
  userId: `a-${i}`,
  status: 'Activated' as const,
}));

let sims: RunningSimulators | undefined;
afterEach(async () => {
  await sims?.close();
  sims = undefined;
});

async function start(): Promise<RunningSimulators> {
  sims = await startSimulators(
    { wps: WPS_USERS.map((u) => ({ ...u })), authing: AUTHING_USERS.map((u) => ({ ...u })) },
    {
      // The token fetch counts against the limit too (Authing's always does).
      wps: { faultsOnTokenEndpoint: true, faults: { rateLimitPerSecond: RATE } },
      authing: { faults: { rateLimitPerSecond: RATE } },
    },
  );
  return sims;
}

function authingClient(running: RunningSimulators, pacing: { callsPerSecond?: number }): AuthingClient {
  return new AuthingClient({
    baseUrl: running.authingUrl,
    userPoolId: running.credentials.userPoolId,
    accessKeyId: running.credentials.accessKeyId,
    accessKeySecret: new Secret(running.credentials.accessKeySecret),
    callRetry: NO_RETRIES,
    ...pacing,
  });
}

describe('call pacing against a vendor limit of 10 calls per sliding second', () => {
  it('WPS: 30 concurrent reads (and the token fetch) paced at 10/s get no 429', async () => {
    const running = await start();
    const wps = running.wpsClient({ callsPerSecond: RATE, callRetry: NO_RETRIES });
    const results = await Promise.all(WPS_USERS.map((u) => wps.readUsers([u.id])));
    expect(results.every((r, i) => r.size === 1 && r.get(`w-${i}`) === 'active')).toBe(true);
    expect(running.wps.faults.counts.rateLimited).toBe(0);
    expect(running.wps.calls).toHaveLength(READS);
    expect(running.wps.calls.every((c) => c.status === 200 && c.fault === undefined)).toBe(true);
    // Every exchange the simulator saw went through the pacer: the reads and the token fetch.
    expect(wps.tokens.fetches).toBe(1);
    expect((wps.pacer as CallPacer).released).toBe(READS + 1);
  });

  it('Authing: 30 concurrent reads (and the token fetch) paced at 10/s get no 429', async () => {
    const running = await start();
    const authing = authingClient(running, { callsPerSecond: RATE });
    const results = await Promise.all(AUTHING_USERS.map((u) => authing.readUsers([u.userId], 'user_id')));
    expect(results.every((r, i) => r.size === 1 && r.get(`a-${i}`) === 'Activated')).toBe(true);
    expect(running.authing.faults.counts.rateLimited).toBe(0);
    expect(running.authing.calls).toHaveLength(READS + 1); // the token fetch is recorded too
    expect(running.authing.calls.every((c) => c.httpStatus === 200 && c.injected === undefined)).toBe(true);
    expect((authing.pacer as CallPacer).released).toBe(READS + 1);
  });

  it('the same burst unpaced is refused with 429s (what the pacer prevents)', async () => {
    const running = await start();
    const wps = running.wpsClient({ callRetry: NO_RETRIES });
    const authing = authingClient(running, {});
    expect(wps.pacer).toBeUndefined();
    expect(authing.pacer).toBeUndefined();
    await Promise.allSettled([
      ...WPS_USERS.map((u) => wps.readUsers([u.id])),
      ...AUTHING_USERS.map((u) => authing.readUsers([u.userId], 'user_id')),
    ]);
    expect(running.wps.faults.counts.rateLimited).toBeGreaterThan(0);
    expect(running.authing.faults.counts.rateLimited).toBeGreaterThan(0);
  });

  it('paces every retry try as well', async () => {
    const running = await start();
    running.wps.configure({ faults: { serverErrorRate: 1 } });
    const retries: number[] = [];
    const wps = running.wpsClient({
      callsPerSecond: RATE,
      callRetry: {
        random: () => 0,
        // The retry's own wait (not paced) ends the outage, so the second try succeeds.
        sleep: (ms) => {
          retries.push(ms);
          running.wps.configure({ faults: { serverErrorRate: 0 } });
          return Promise.resolve();
        },
      },
    });
    const statuses = await wps.readUsers(['w-0']);
    expect(statuses.get('w-0')).toBe('active');
    expect(retries).toHaveLength(1);
    // The token fetch got the 503 (faults on the token endpoint), its retry the token, then the read.
    expect(running.wps.faults.counts.serverErrors).toBe(1);
    expect(running.wps.faults.counts.rateLimited).toBe(0);
    expect((wps.pacer as CallPacer).released).toBe(3);
  });
});
