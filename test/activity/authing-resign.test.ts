import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { createActivities, type AuthingBatchInput, type WpsDirectory } from '../../activities';
import { AuthingClient, type AuthingClientOptions } from '../../activities/authing/client';
import { Secret } from '../../activities/shared/secret';
import type {
  AuthingIdBehaviour,
  AuthingSimulatorOptions,
  AuthingUserRecord,
} from '../../simulators/authing/server';
import type { AuthingUserIdType } from '../../workflows/request';
import type { SystemOutcome } from '../../workflows/outcome';
import { runLikeTemporalRetries } from '../support/retry';
import { startSimulators, type RunningSimulators } from '../support/simulators';
import { applicationFailureOf } from '../support/failures';

/** The resignAuthingUsers activity (read, resign the rest, read back) against the Authing simulator. */

const NO_WPS: WpsDirectory = {
  readUsers: () => Promise.resolve(new Map()),
  disableUsers: () => Promise.resolve({}),
};

/** One user per status, plus ids for every id type. */
function directory(): AuthingUserRecord[] {
  return [
    {
      userId: 'a-active',
      status: 'Activated',
      externalId: 'E1',
      email: 'a1@example.com',
      phone: '+861',
      username: 'alice',
    },
    { userId: 'a-suspended', status: 'Suspended', externalId: 'E2' },
    { userId: 'a-archived', status: 'Archived', externalId: 'E3' },
    { userId: 'a-deactivated', status: 'Deactivated', externalId: 'E4' },
    { userId: 'a-resigned', status: 'Resigned', externalId: 'E5' },
    {
      userId: 'a-idp',
      status: 'Activated',
      identities: [{ extIdpId: 'idp-1', userIdInIdp: 'ou_9', provider: 'wecom' }],
      customData: { badge: 'B-9' },
    },
    ...Array.from(
      { length: 60 },
      (_, i): AuthingUserRecord => ({ userId: `bulk-${i}`, status: 'Activated' }),
    ),
  ];
}

const BATCH = ['a-active', 'a-suspended', 'a-archived', 'a-deactivated', 'a-resigned', 'a-nobody'];
const EXPECTED = ['done', 'done', 'done', 'done', 'already', 'not_found'];
const TARGETS = ['a-active', 'a-suspended', 'a-archived', 'a-deactivated'];

let sims: RunningSimulators;
let clock: { now: number };
let logs: LogEntry[];

async function setup(options: Partial<AuthingSimulatorOptions> = {}): Promise<void> {
  clock = { now: Date.now() };
  logs = [];
  sims = await startSimulators(
    { wps: [], authing: directory() },
    { authing: { now: () => clock.now, ...options } },
  );
}

function authingClient(
  overrides: { secret?: string; timeoutMs?: number; callRetry?: AuthingClientOptions['callRetry'] } = {},
): AuthingClient {
  return new AuthingClient({
    baseUrl: sims.authingUrl,
    userPoolId: sims.credentials.userPoolId,
    accessKeyId: sims.credentials.accessKeyId,
    accessKeySecret: new Secret(overrides.secret ?? sims.credentials.accessKeySecret),
    ...(overrides.timeoutMs !== undefined ? { timeoutMs: overrides.timeoutMs } : {}),
    ...(overrides.callRetry !== undefined ? { callRetry: overrides.callRetry } : {}),
  });
}

function runner(authing = authingClient()) {
  const env = new MockActivityEnvironment(undefined, {
    logger: new DefaultLogger('TRACE', (entry) => logs.push(entry)),
  });
  const activities = createActivities({ wps: NO_WPS, authing });
  return (userIds: string[], userIdType: AuthingUserIdType = 'user_id') =>
    env.run<[AuthingBatchInput], SystemOutcome[], typeof activities.resignAuthingUsers>(
      activities.resignAuthingUsers,
      { batch: 1, batches: 1, userIds, userIdType },
    );
}

const statuses = (outcomes: SystemOutcome[]) => outcomes.map((o) => o.status);
const statusOf = (id: string) => sims.authing.users.get(id)?.status;
const resignCalls = () => sims.authing.calls.filter((c) => c.path === '/api/v3/resign-user-batch');
const resignedUsers = () => sims.authing.resignations.map((r) => r.userId);

afterEach(async () => sims.close());

describe('resignAuthingUsers against the Authing simulator', () => {
  const modes: AuthingIdBehaviour[] = ['fail', 'skip', 'succeed'];
  const combos = modes.flatMap((unknownIds) =>
    modes.map((resignedIds) => [unknownIds, resignedIds] as const),
  );

  it.each(combos)(
    'unknownIds=%s resignedIds=%s: done/already/not_found per user; unknown and resigned ids are never sent',
    async (unknownIds, resignedIds) => {
      await setup({ unknownIds, resignedIds });
      const outcomes = await runner()(BATCH);
      expect(statuses(outcomes)).toEqual(EXPECTED);
      expect(outcomes[0]?.vendorRequestId).toMatch(/^authing-sim-/);
      expect(resignCalls().map((c) => c.userIds)).toEqual([TARGETS]);
      expect(resignedUsers()).toEqual(TARGETS);
      for (const id of [...TARGETS, 'a-resigned']) expect(statusOf(id)).toBe('Resigned');
      expect(statusOf('a-idp')).toBe('Activated');
    },
  );

  describe('the directory changes between the read and the resign', () => {
    // After our read, just before our resign: another admin resigns a-suspended, someone deletes a-archived.
    const meanwhile = (s: RunningSimulators) => {
      let first = true;
      s.authing.configure({
        onApiCall: (call) => {
          if (!first || call.operation !== 'resign-user-batch') return;
          first = false;
          s.authing.users.get('a-suspended')!.status = 'Resigned';
          s.authing.users.delete('a-archived');
        },
      });
    };

    it.each([
      ['fail', 'skip', 'VendorRejectedRequest'],
      ['skip', 'fail', 'VendorRejectedRequest'],
    ] as const)(
      'unknownIds=%s resignedIds=%s: the whole call fails, nothing is resigned',
      async (u, r, type) => {
        await setup({ unknownIds: u, resignedIds: r });
        meanwhile(sims);
        const af = await applicationFailureOf(runner()(BATCH));
        expect(af.type).toBe(type);
        expect(af.nonRetryable).toBe(true);
        expect(resignedUsers()).toEqual([]);
        expect(statusOf('a-active')).toBe('Activated');
      },
    );

    it.each([
      ['skip', 'skip', ['a-active', 'a-deactivated']],
      ['succeed', 'succeed', ['a-active', 'a-suspended', 'a-deactivated']],
    ] as const)(
      'unknownIds=%s resignedIds=%s: success; the deleted user is not found by the read-back, which it names',
      async (u, r, resigned) => {
        await setup({ unknownIds: u, resignedIds: r });
        meanwhile(sims);
        const outcomes = await runner()(BATCH);
        expect(statuses(outcomes)).toEqual(['done', 'done', 'not_found', 'done', 'already', 'not_found']);
        expect(outcomes[2]?.message).toContain('the read-back');
        expect(outcomes[2]?.vendorRequestId).toMatch(/^authing-sim-/);
        expect(resignedUsers()).toEqual(resigned);
      },
    );
  });

  describe('a failure hidden in an HTTP 200 body', () => {
    it.each([
      [{ statusCode: 400, message: 'invalid' }, 'VendorRejectedRequest'],
      [{ statusCode: 200, data: { success: false } }, 'VendorProtocolError'],
      [{ statusCode: 200 }, 'VendorProtocolError'],
    ])('%j fails the activity and claims nothing', async (answer, type) => {
      await setup();
      sims.authing.nextResignAnswers.push(answer);
      const af = await applicationFailureOf(runner()(BATCH));
      expect(af.type).toBe(type);
      expect(af.nonRetryable).toBe(true);
      expect(resignedUsers()).toEqual([]);
      for (const id of TARGETS) expect(statusOf(id)).not.toBe('Resigned');
    });

    it('a success that did nothing is caught by the read-back: failed, NotVerified, per user', async () => {
      await setup();
      sims.authing.nextResignAnswers.push({ statusCode: 200, data: { success: true } });
      const outcomes = await runner()(BATCH);
      expect(statuses(outcomes)).toEqual(['failed', 'failed', 'failed', 'failed', 'already', 'not_found']);
      expect(outcomes[0]).toMatchObject({ code: 'NotVerified' });
      expect(resignedUsers()).toEqual([]);
    });

    it('a failure that did resign (statusCode 500 after the effect): the attempt re-reads and sends nothing again', async () => {
      await setup();
      sims.authing.nextResignAnswers.push({ statusCode: 500, message: 'busy', apply: true });
      const { result, attempts, failures } = await runLikeTemporalRetries(() => runner()(BATCH), {
        maxIntervalMs: 10,
      });
      expect(attempts).toBe(1);
      expect(failures).toEqual([]);
      // Resigned by this attempt's one call, seen as such by its second read: done, never a second resign.
      expect(statuses(result)).toEqual(['done', 'done', 'done', 'done', 'already', 'not_found']);
      expect(resignedUsers()).toEqual(TARGETS);
      expect(resignCalls()).toHaveLength(1);
    });
  });

  it('token expiry mid-batch: the resign gets 401, renews the token once and goes on', async () => {
    await setup({ tokenTtlSeconds: 600 });
    let first = true;
    sims.authing.configure({
      onApiCall: (call) => {
        if (first && call.operation === 'get-user-batch') {
          first = false;
          clock.now += 601_000; // the token expires right after the first read
        }
      },
    });
    const authing = authingClient();
    expect(statuses(await runner(authing)(BATCH))).toEqual(EXPECTED);
    expect(authing.tokens.fetches).toBe(2);
    expect(resignCalls().map((c) => c.statusCode)).toEqual([401, 200]);
    expect(resignedUsers()).toEqual(TARGETS);
  });

  it.each([
    ['a 429 storm', { throttleRate: 0.5, retryAfterSeconds: 1, seed: 7 }, 'throttle'],
    ['a 503 storm', { serverErrorRate: 0.5, seed: 7 }, 'serverError'],
  ])(
    '%s (fixed seed) ends with every user resigned exactly once and every outcome right',
    async (_w, faults, kind) => {
      await setup({ faults });
      // The client's own retry would absorb a 429 storm; this checks what reaches Temporal's retry.
      const authing = authingClient({ callRetry: { maxRetries: 0 } });
      const run = runner(authing);
      const retry = { maxAttempts: 80, maxIntervalMs: 20 };
      const first = await runLikeTemporalRetries(() => run(BATCH), retry);
      const bulk = Array.from({ length: 50 }, (_, i) => `bulk-${i}`);
      const second = await runLikeTemporalRetries(() => run(bulk), retry);
      const failures = [...first.failures, ...second.failures];
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.every((f) => f.type === 'VendorUnavailable' && !f.nonRetryable)).toBe(true);
      if (kind === 'throttle') expect(failures.every((f) => f.nextRetryDelay === 1000)).toBe(true);
      expect(sims.authing.calls.some((c) => c.injected === kind)).toBe(true);
      // A user resigned by an attempt whose read-back then failed is seen as "already" by the next
      // attempt (activities/index.ts cannot tell); never "not_found" or "failed", never resigned twice.
      for (const o of [...first.result.slice(0, 4), ...second.result])
        expect(['done', 'already']).toContain(o.status);
      expect(statuses(first.result).slice(4)).toEqual(['already', 'not_found']);
      expect(resignedUsers()).toEqual([...TARGETS, ...bulk]);
      for (const id of [...TARGETS, ...bulk]) expect(statusOf(id)).toBe('Resigned');
      expect(statusOf('a-idp')).toBe('Activated');
    },
  );

  it('failures inside HTTP 200 bodies (statusCode 500 share) are retried to the same end', async () => {
    await setup({ failInBodyRate: 0.4 });
    const { result, failures } = await runLikeTemporalRetries(() => runner()(BATCH), {
      maxAttempts: 60,
      maxIntervalMs: 20,
    });
    // The storm was real (some answers were failures in HTTP 200 bodies); what reached the retry, if
    // anything (the activity re-reads and acts again itself after a failed resign), was transient.
    expect(sims.authing.calls.some((c) => c.injected === 'failInBody' && c.httpStatus === 200)).toBe(true);
    expect(
      sims.authing.calls.some((c) => c.injected === 'failInBody' && c.path.endsWith('/resign-user-batch')),
    ).toBe(true);
    expect(failures.every((f) => f.type === 'VendorUnavailable' && !f.nonRetryable)).toBe(true);
    expect(statuses(result).slice(4)).toEqual(['already', 'not_found']);
    expect(resignedUsers()).toEqual(TARGETS);
  });

  it('a hang beyond a short client timeout is transient; the retry then succeeds', async () => {
    await setup({ faults: { hangRate: 1 } });
    const run = runner(authingClient({ timeoutMs: 250 }));
    const af = await applicationFailureOf(run(BATCH));
    expect(af).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });
    sims.authing.configure({ faults: { hangRate: 0 } });
    expect(statuses(await run(BATCH))).toEqual(EXPECTED);
  });

  it('a batch over 50 is refused before any request is sent', async () => {
    await setup();
    const authing = authingClient();
    const af = await applicationFailureOf(runner(authing)(Array.from({ length: 51 }, (_, i) => `bulk-${i}`)));
    expect(af).toMatchObject({ type: 'VendorRejectedRequest', nonRetryable: true });
    expect(sims.authing.calls).toHaveLength(0);
    expect(authing.tokens.fetches).toBe(0);
    expect(resignedUsers()).toEqual([]);
    // 50 is fine.
    const outcomes = await runner(authing)(Array.from({ length: 50 }, (_, i) => `bulk-${i}`));
    expect(new Set(statuses(outcomes))).toEqual(new Set(['done']));
  });

  it.each([
    ['user_id', 'a-active'],
    ['external_id', 'E1'],
    ['email', 'a1@example.com'],
    ['phone', '+861'],
    ['username', 'alice'],
    ['identity', 'idp-1:ou_9'],
    ['sync_relation', 'wecom:ou_9'],
  ] as const)('resigns and verifies by %s', async (type, id) => {
    await setup();
    const outcomes = await runner()([id, 'zz-unknown'], type);
    expect(statuses(outcomes)).toEqual(['done', 'not_found']);
    expect(resignCalls().map((c) => [c.userIdType, c.userIds])).toEqual([[type, [id]]]);
    expect(resignedUsers()).toHaveLength(1);
  });

  it('custom_field cannot be verified: refused before anything is sent or resigned', async () => {
    await setup();
    const af = await applicationFailureOf(runner()(['B-9'], 'custom_field'));
    expect(af).toMatchObject({ type: 'VendorRejectedRequest', nonRetryable: true });
    expect(af.message).toContain('not verifiable');
    expect(sims.authing.calls).toHaveLength(0);
    expect(statusOf('a-idp')).toBe('Activated');
  });

  it('no error, detail, stack or log line ever shows the access key secret or an issued token', async () => {
    await setup({ tokenTtlSeconds: 600 });
    const seen: unknown[] = [];
    const collect = async (p: Promise<unknown>) => {
      const r = await p.then(
        (v) => v,
        (e: unknown) => e,
      );
      if (r instanceof Error) {
        const af = r as ApplicationFailure;
        seen.push(r.message, r.stack, af.details, String(r.cause), (r.cause as Error | undefined)?.stack);
      } else seen.push(r);
    };
    const authing = authingClient();
    const run = runner(authing);
    await collect(run(BATCH.slice(0, 2)));
    sims.authing.revokeTokens();
    await collect(run(['a-archived']));
    sims.authing.nextResignAnswers.push({ statusCode: 401 }, { statusCode: 401 });
    await collect(run(['a-deactivated']));
    sims.authing.nextResignAnswers.push({ statusCode: 400, message: 'bad' });
    await collect(run(['a-idp']));
    sims.authing.configure({ faults: { throttleRate: 1 } });
    await collect(run(['bulk-1']));
    sims.authing.configure({ faults: { throttleRate: 0, hangRate: 1 } });
    await collect(runner(authingClient({ timeoutMs: 200 }))(['bulk-2']));
    sims.authing.configure({ faults: { hangRate: 0 } });
    const wrongSecret = 'the-wrong-secret-4f9a8c7e6d5b';
    await collect(runner(authingClient({ secret: wrongSecret }))(['bulk-3']));
    await collect(run(Array.from({ length: 51 }, (_, i) => `bulk-${i}`)));

    const text = JSON.stringify({ seen, logs: logs.map((l) => ({ m: l.message, meta: l.meta })) });
    expect(logs.length).toBeGreaterThan(0);
    expect(sims.authing.issuedTokens.length).toBeGreaterThanOrEqual(3);
    for (const s of [sims.credentials.accessKeySecret, wrongSecret, ...sims.authing.issuedTokens]) {
      expect(text).not.toContain(s);
    }
    // The failures really happened and say what to check.
    expect(text).toContain('AUTHING_ACCESS_KEY_SECRET');
    expect(text).toContain('freshly issued');
    expect(text).toContain('ECONNABORTED');
  });
});
