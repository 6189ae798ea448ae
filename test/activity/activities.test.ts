import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities, type AuthingBatchInput, type BatchInput } from '../../activities';
import type { SystemOutcome } from '../../workflows/outcome';
import { AuthingClient } from '../../activities/authing/client';
import { Secret } from '../../activities/shared/secret';
import { WpsClient } from '../../activities/wps/client';
import { createVendorClients } from '../../worker/worker';
import { startSimulators, type RunningSimulators } from '../support/simulators';

describe('activities against the simulators (real HTTP on loopback)', () => {
  let sims: RunningSimulators;
  const env = new MockActivityEnvironment();

  beforeAll(async () => {
    sims = await startSimulators({
      wps: [
        { id: 'w-active', status: 'active' },
        { id: 'w-notactive', status: 'notactive' },
        { id: 'w-disabled', status: 'disabled' },
      ],
      authing: [
        { userId: 'a-1', status: 'Activated', email: 'one@example.com' },
        { userId: 'a-2', status: 'Suspended', email: 'two@example.com' },
        { userId: 'a-3', status: 'Resigned', email: 'three@example.com' },
      ],
    });
  });
  afterAll(async () => sims.close());

  it('disables in WPS and reports per user: done, already, not found', async () => {
    const activities = createActivities(createVendorClients(sims.workerConfig('q')));
    const input: BatchInput = {
      batch: 1,
      batches: 1,
      userIds: ['w-active', 'w-notactive', 'w-disabled', 'w-unknown'],
    };
    const outcomes = await env.run<[BatchInput], SystemOutcome[], typeof activities.disableWpsUsers>(
      activities.disableWpsUsers,
      input,
    );
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'done', 'already', 'not_found']);
    expect(outcomes[0]?.vendorRequestId).toMatch(/^wps-sim-req-/);
    const disable = sims.wps.calls.find((c) => c.path === '/v7/users/batch_disable');
    // Only the users that needed it were sent.
    expect(disable?.userIds).toEqual(['w-active', 'w-notactive']);
  });

  it('resigns in Authing by any id type and reports per user', async () => {
    const activities = createActivities(createVendorClients(sims.workerConfig('q')));
    const input: AuthingBatchInput = {
      batch: 1,
      batches: 1,
      userIds: ['one@example.com', 'two@example.com', 'three@example.com', 'nobody@example.com'],
      userIdType: 'email',
    };
    const outcomes = await env.run<
      [AuthingBatchInput],
      SystemOutcome[],
      typeof activities.resignAuthingUsers
    >(activities.resignAuthingUsers, input);
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'done', 'already', 'not_found']);
    expect(sims.authing.users.get('a-1')?.status).toBe('Resigned');
  });

  it('fetches one token for many concurrent calls', async () => {
    const clients = createVendorClients(sims.workerConfig('q'));
    await Promise.all(Array.from({ length: 20 }, () => clients.wps.readUsers(['w-active'])));
    await Promise.all(Array.from({ length: 20 }, () => clients.authing.readUsers(['a-1'], 'user_id')));
    expect(clients.wps.tokens.fetches).toBe(1);
    expect(clients.authing.tokens.fetches).toBe(1);
  });

  it('turns a wrong app key into a non-retryable credentials failure that names the settings and hides the key', async () => {
    const wrongKey = 'this-is-the-wrong-app-key-0001';
    const wps = new WpsClient({
      baseUrl: sims.wpsUrl,
      appId: sims.credentials.wpsAppId,
      appKey: new Secret(wrongKey),
    });
    const activities = createActivities({
      wps,
      authing: createVendorClients(sims.workerConfig('q')).authing,
    });
    const failure = await env
      .run(activities.disableWpsUsers, { batch: 1, batches: 1, userIds: ['w-active'] })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    const af = failure as ApplicationFailure;
    expect(af.type).toBe('VendorCredentialsRejected');
    expect(af.nonRetryable).toBe(true);
    expect(af.message).toContain('check WPS_APP_ID and WPS_APP_KEY');
    expect(JSON.stringify({ message: af.message, details: af.details, stack: af.stack })).not.toContain(
      wrongKey,
    );
  });

  it('turns a clock far off into a signature rejection that says what to check', async () => {
    const wps = new WpsClient({
      baseUrl: sims.wpsUrl,
      appId: sims.credentials.wpsAppId,
      appKey: new Secret(sims.credentials.wpsAppKey),
      now: () => new Date(Date.now() - 60 * 60_000),
    });
    const failure = await wps.readUsers(['w-active']).catch((e: unknown) => e);
    expect(failure).toMatchObject({ details: { kind: 'signature', httpStatus: 403 } });
    expect((failure as Error).message).toContain("check WPS_APP_ID, WPS_APP_KEY and this machine's clock");
  });

  it('refuses more than 50 ids before sending anything', async () => {
    const authing = new AuthingClient({
      baseUrl: sims.authingUrl,
      userPoolId: sims.credentials.userPoolId,
      accessKeyId: sims.credentials.accessKeyId,
      accessKeySecret: new Secret(sims.credentials.accessKeySecret),
    });
    const before = sims.authing.calls.length;
    const ids = Array.from({ length: 51 }, (_, i) => `a-${i}`);
    await expect(authing.resignUsers(ids, 'user_id')).rejects.toMatchObject({
      details: { kind: 'invalidRequest' },
    });
    expect(sims.authing.calls.length).toBe(before);
    expect(authing.tokens.fetches).toBe(0);
  });
});
