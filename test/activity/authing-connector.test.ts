import { AuthingClient } from '../../activities/authing/client';
import type { AuthingErrorDetails } from '../../activities/authing/errors';
import { VendorError } from '../../activities/shared/errors';
import { Secret } from '../../activities/shared/secret';
import type { AuthingSimulatorOptions, AuthingUserRecord } from '../../simulators/authing/server';
import { startSimulators, type RunningSimulators } from '../support/simulators';

/** The AuthingClient alone against the Authing simulator over real HTTP on loopback. */

const USERS: AuthingUserRecord[] = [
  {
    userId: 'u-active',
    status: 'Activated',
    externalId: 'E1',
    email: 'active@example.com',
    phone: '+8613800000001',
    username: 'active',
  },
  { userId: 'u-suspended', status: 'Suspended', externalId: 'E2', email: 'suspended@example.com' },
  { userId: 'u-resigned', status: 'Resigned', externalId: 'E3', email: 'resigned@example.com' },
  { userId: 'u-archived', status: 'Archived', externalId: 'E4' },
  { userId: 'u-deactivated', status: 'Deactivated', externalId: 'E5' },
  {
    userId: 'u-idp',
    status: 'Activated',
    identities: [{ extIdpId: 'idp-lark', userIdInIdp: 'ou_1', provider: 'lark' }],
    customData: { badge: 'B-7' },
  },
];

let sims: RunningSimulators;
let clock: { now: number };

async function setup(options: Partial<AuthingSimulatorOptions> = {}, users = USERS): Promise<void> {
  clock = { now: Date.now() };
  sims = await startSimulators(
    { wps: [], authing: users },
    { authing: { now: () => clock.now, ...options } },
  );
}

function client(overrides: { secret?: string; userPoolId?: string; timeoutMs?: number } = {}): AuthingClient {
  return new AuthingClient({
    baseUrl: sims.authingUrl,
    userPoolId: overrides.userPoolId ?? sims.credentials.userPoolId,
    accessKeyId: sims.credentials.accessKeyId,
    accessKeySecret: new Secret(overrides.secret ?? sims.credentials.accessKeySecret),
    ...(overrides.timeoutMs !== undefined ? { timeoutMs: overrides.timeoutMs } : {}),
  });
}

async function failureOf(p: Promise<unknown>): Promise<VendorError & { details: AuthingErrorDetails }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VendorError);
  return err as VendorError & { details: AuthingErrorDetails };
}

const apiCalls = () => sims.authing.calls.filter((c) => c.path !== '/api/v3/get-management-token');
const statusOf = (id: string) => sims.authing.users.get(id)?.status;

afterEach(async () => sims.close());

describe('AuthingClient against the simulator', () => {
  it('reads per user, tells unknown from resigned, and sends Bearer token and pool id on every call', async () => {
    await setup();
    const authing = client();
    const read = await authing.readUsers(['u-active', 'u-resigned', 'u-archived', 'u-nobody'], 'user_id');
    expect(read).toEqual(
      new Map([
        ['u-active', 'Activated'],
        ['u-resigned', 'Resigned'],
        ['u-archived', 'Archived'],
      ]),
    );
    await authing.resignUsers(['u-active'], 'user_id');
    expect(apiCalls()).toHaveLength(2);
    for (const call of apiCalls()) {
      expect(call).toMatchObject({
        authorization: 'valid',
        bearer: true,
        userPoolId: 'valid',
        statusCode: 200,
      });
    }
  });

  it('the simulator accepts the bare token form too, and refuses a missing token or pool id', async () => {
    await setup();
    const authing = client();
    await authing.readUsers(['u-active'], 'user_id');
    const token = sims.authing.issuedTokens[0] ?? '';
    const get = (headers: Record<string, string>) =>
      fetch(`${sims.authingUrl}/api/v3/get-user-batch?userIds=u-active&userIdType=user_id`, { headers }).then(
        async (r) => ({ http: r.status, body: (await r.json()) as { statusCode: number; apiCode?: number } }),
      );
    const pool = sims.credentials.userPoolId;
    expect(await get({ authorization: token, 'x-authing-userpool-id': pool })).toMatchObject({
      http: 200,
      body: { statusCode: 200 },
    });
    expect(await get({ 'x-authing-userpool-id': pool })).toMatchObject({
      http: 200,
      body: { statusCode: 401 },
    });
    expect(await get({ authorization: `Bearer ${token}` })).toMatchObject({
      http: 200,
      body: { statusCode: 404, apiCode: 2224 },
    });
    expect(sims.authing.calls.slice(-3).map((c) => [c.authorization, c.bearer, c.userPoolId])).toEqual([
      ['valid', false, 'valid'],
      ['missing', false, 'valid'],
      ['valid', true, 'missing'],
    ]);
  });

  it('resigns and reads back by all eight id types (custom_field resigns but is refused for read-back)', async () => {
    await setup();
    const authing = client();
    const cases: Array<[Parameters<AuthingClient['readUsers']>[1], string, string]> = [
      ['user_id', 'u-active', 'u-active'],
      ['external_id', 'E2', 'u-suspended'],
      ['email', 'resigned@example.com', 'u-resigned'],
      ['phone', '+8613800000001', 'u-active'],
      ['username', 'active', 'u-active'],
      ['identity', 'idp-lark:ou_1', 'u-idp'],
      ['sync_relation', 'lark:ou_1', 'u-idp'],
    ];
    for (const [type, id, userId] of cases) {
      const before = await authing.readUsers([id, 'no-such-id'], type);
      expect([...before.keys()]).toEqual([id]);
      expect(before.get(id)).toBe(statusOf(userId));
    }
    await authing.resignUsers(['E4'], 'external_id');
    expect(statusOf('u-archived')).toBe('Resigned');
    await authing.resignUsers(['lark:ou_1'], 'sync_relation');
    expect(statusOf('u-idp')).toBe('Resigned');
    expect((await authing.readUsers(['idp-lark:ou_1'], 'identity')).get('idp-lark:ou_1')).toBe('Resigned');

    // custom_field: the resign itself is allowed, but a read can never be matched, so it is refused.
    await sims.close();
    await setup();
    const fresh = client();
    await fresh.resignUsers(['B-7'], 'custom_field');
    expect(statusOf('u-idp')).toBe('Resigned');
    const refused = await failureOf(fresh.readUsers(['B-7'], 'custom_field'));
    expect(refused.details.kind).toBe('invalidRequest');
    expect(refused.message).toContain('not verifiable');
    expect(apiCalls().map((c) => c.path)).toEqual(['/api/v3/resign-user-batch']);
  });

  it.each([
    ['over 50 ids', Array.from({ length: 51 }, (_, i) => `u-${i}`), '1 to 50'],
    ['no ids', [], '1 to 50'],
    ['duplicates', ['u-active', 'u-active'], 'duplicates'],
    ['an empty id', ['u-active', ' '], 'empty'],
  ])('refuses %s before fetching a token or sending anything', async (_what, ids, message) => {
    await setup();
    const authing = client();
    const resign = await failureOf(authing.resignUsers(ids, 'user_id'));
    const read = await failureOf(authing.readUsers(ids, 'user_id'));
    for (const err of [resign, read]) {
      expect(err.details.kind).toBe('invalidRequest');
      expect(err.message).toContain(message);
      expect(err.message).toContain('nothing was sent');
    }
    expect(sims.authing.calls).toHaveLength(0);
    expect(authing.tokens.fetches).toBe(0);
  });

  it('refuses an unknown userIdType before sending', async () => {
    await setup();
    const authing = client();
    const err = await failureOf(authing.resignUsers(['u-active'], 'nickname' as 'user_id'));
    expect(err.details.kind).toBe('invalidRequest');
    expect(sims.authing.calls).toHaveLength(0);
  });

  describe('a failure hidden in an HTTP 200 body is a failure, and nothing is claimed', () => {
    it.each([
      ['statusCode 400', { statusCode: 400, message: 'bad ids' }, 'VendorRejectedRequest', false],
      [
        'statusCode 200 + success false',
        { statusCode: 200, data: { success: false } },
        'VendorProtocolError',
        false,
      ],
      [
        'statusCode 200 + success "true"',
        { statusCode: 200, data: { success: 'true' } },
        'VendorProtocolError',
        false,
      ],
      ['statusCode 200 without data', { statusCode: 200 }, 'VendorProtocolError', false],
      ['statusCode 500', { statusCode: 500, message: 'busy' }, 'VendorUnavailable', true],
      ['statusCode 403', { statusCode: 403, message: 'forbidden' }, 'VendorCredentialsRejected', false],
    ])('%s', async (_what, answer, type, retryable) => {
      await setup();
      sims.authing.nextResignAnswers.push(answer);
      const err = await failureOf(client().resignUsers(['u-active'], 'user_id'));
      const af = err.toApplicationFailure();
      expect(af.type).toBe(type);
      expect(af.nonRetryable).toBe(!retryable);
      expect(err.details).toMatchObject({ httpStatus: 200, statusCode: answer.statusCode });
      expect(err.details.vendorRequestId).toMatch(/^authing-sim-/);
      expect(err.message).toContain(err.details.vendorRequestId);
      expect(statusOf('u-active')).toBe('Activated');
      expect(sims.authing.resignations).toHaveLength(0);
    });

    it('a get-user-batch without a data array is a protocol failure, not "nobody found"', async () => {
      await setup();
      sims.authing.nextReadAnswers.push({ statusCode: 200, data: { users: [] } });
      const err = await failureOf(client().readUsers(['u-active'], 'user_id'));
      expect(err.details.kind).toBe('protocol');
    });
  });

  describe('management token', () => {
    it('fetches one token for concurrent callers', async () => {
      await setup();
      const authing = client();
      await Promise.all(Array.from({ length: 10 }, () => authing.readUsers(['u-active'], 'user_id')));
      expect(authing.tokens.fetches).toBe(1);
      expect(sims.authing.issuedTokens).toHaveLength(1);
    });

    it('on a body 401 (revoked token) drops the token, fetches a new one and retries once', async () => {
      await setup();
      const authing = client();
      await authing.readUsers(['u-active'], 'user_id');
      sims.authing.revokeTokens();
      await authing.resignUsers(['u-active'], 'user_id');
      expect(authing.tokens.fetches).toBe(2);
      expect(apiCalls().map((c) => [c.path, c.httpStatus, c.statusCode, c.authorization])).toEqual([
        ['/api/v3/get-user-batch', 200, 200, 'valid'],
        ['/api/v3/resign-user-batch', 200, 401, 'invalid'],
        ['/api/v3/resign-user-batch', 200, 200, 'valid'],
      ]);
      expect(statusOf('u-active')).toBe('Resigned');
    });

    it('on an expired token (the vendor clock passed expires_in) renews and retries', async () => {
      await setup({ tokenTtlSeconds: 600 });
      const authing = client();
      await authing.readUsers(['u-active'], 'user_id');
      clock.now += 601_000;
      expect((await authing.readUsers(['u-active'], 'user_id')).get('u-active')).toBe('Activated');
      expect(authing.tokens.fetches).toBe(2);
    });

    it('on an HTTP 401 also retries once', async () => {
      await setup();
      sims.authing.nextReadAnswers.push({ httpStatus: 401, statusCode: 401, message: 'unauthorized' });
      const authing = client();
      expect((await authing.readUsers(['u-active'], 'user_id')).size).toBe(1);
      expect(authing.tokens.fetches).toBe(2);
    });

    it('a second 401 with a fresh token is a non-retryable credentials failure', async () => {
      await setup();
      sims.authing.nextResignAnswers.push({ statusCode: 401 }, { statusCode: 401, message: 'still no' });
      const authing = client();
      const err = await failureOf(authing.resignUsers(['u-active'], 'user_id'));
      expect(err.details.kind).toBe('credentials');
      expect(err.message).toContain('freshly issued');
      expect(apiCalls()).toHaveLength(2);
      expect(statusOf('u-active')).toBe('Activated');
    });

    it('a wrong secret is a credentials failure naming the key settings, without the secret', async () => {
      await setup();
      const wrong = 'wrong-secret-value-0123456789';
      const err = await failureOf(client({ secret: wrong }).resignUsers(['u-active'], 'user_id'));
      expect(err.details).toMatchObject({ kind: 'credentials', statusCode: 401, apiCode: 1300 });
      expect(err.message).toContain('AUTHING_ACCESS_KEY_ID');
      expect(err.message).toContain('AUTHING_ACCESS_KEY_SECRET');
      expect(JSON.stringify({ m: err.message, d: err.details, s: err.stack })).not.toContain(wrong);
      expect(apiCalls()).toHaveLength(0);
    });

    it('an unknown user pool (apiCode 2224) is a credentials failure naming AUTHING_USERPOOL_ID', async () => {
      await setup();
      const err = await failureOf(client({ userPoolId: 'no-such-pool' }).readUsers(['u-active'], 'user_id'));
      expect(err.details).toMatchObject({ kind: 'credentials', apiCode: 2224 });
      expect(err.message).toContain('AUTHING_USERPOOL_ID');
      expect(sims.authing.calls.at(-1)).toMatchObject({ userPoolId: 'invalid', authorization: 'valid' });
    });
  });

  describe('transient failures', () => {
    it('HTTP 429 carries Retry-After as retryAfterMs and nextRetryDelay', async () => {
      await setup({ faults: { throttleRate: 1, retryAfterSeconds: 2 } });
      const err = await failureOf(client().readUsers(['u-active'], 'user_id'));
      expect(err.details).toMatchObject({
        kind: 'transient',
        httpStatus: 429,
        statusCode: 429,
        retryAfterMs: 2000,
      });
      expect(err.toApplicationFailure()).toMatchObject({
        type: 'VendorUnavailable',
        nonRetryable: false,
        nextRetryDelay: 2000,
      });
    });

    it('HTTP 503 (outage) is transient and nothing is resigned', async () => {
      await setup({ faults: { down: true } });
      const err = await failureOf(client().resignUsers(['u-active'], 'user_id'));
      expect(err.details).toMatchObject({ kind: 'transient', httpStatus: 503 });
      sims.authing.configure({ faults: { down: false } });
      expect(statusOf('u-active')).toBe('Activated');
    });

    it('a hang beyond the client timeout is transient', async () => {
      await setup();
      const authing = client({ timeoutMs: 300 });
      await authing.readUsers(['u-active'], 'user_id'); // token fetched before the hang starts
      sims.authing.configure({ faults: { hangRate: 1 } });
      const err = await failureOf(authing.resignUsers(['u-active'], 'user_id'));
      expect(err.details.kind).toBe('transient');
      expect(err.details.vendorCode).toBe('ECONNABORTED');
      expect(sims.authing.calls.at(-1)).toMatchObject({ injected: 'hang' });
    });

    it('a network error (nothing listening) is transient', async () => {
      await setup();
      const url = sims.authingUrl;
      await sims.close();
      const authing = new AuthingClient({
        baseUrl: url,
        userPoolId: 'p',
        accessKeyId: 'k',
        accessKeySecret: new Secret('s-0000000000'),
      });
      const err = await failureOf(authing.readUsers(['u-active'], 'user_id'));
      expect(err.details.kind).toBe('transient');
      await setup(); // so afterEach has something to close
    });
  });
});
