import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities, type AuthingBatchInput, type WpsDirectory } from '../../activities';
import { AuthingClient, type AuthingClientOptions } from '../../activities/authing/client';
import type { AuthingErrorDetails } from '../../activities/authing/errors';
import { classifyFailure } from '../../activities/shared/call-retry';
import { VendorError } from '../../activities/shared/errors';
import { Secret } from '../../activities/shared/secret';
import type {
  AuthingSimulatorOptions,
  AuthingUserRecord,
  ScriptedAnswer,
} from '../../simulators/authing/server';
import type { SystemOutcome } from '../../workflows/outcome';
import type { AuthingUserIdType } from '../../workflows/request';
import { applicationFailureOf } from '../support/failures';
import { startSimulators, type RunningSimulators } from '../support/simulators';

/**
 * The Authing connector fails closed: every answer is checked against its declared contract
 * (activities/authing/contract.ts), and one it does not fully understand stops the work with an
 * error naming what was unexpected. Real HTTP on loopback against the simulator and its switches.
 */

const USERS: AuthingUserRecord[] = [
  {
    userId: 'u-alice',
    status: 'Activated',
    externalId: 'E1',
    email: 'alice@x.com',
    phone: '+8613800000001',
  },
  { userId: 'u-bob', status: 'Activated', externalId: 'E2', email: 'Bob@X.com' },
  { userId: 'u-gone', status: 'Resigned', externalId: 'E3' },
  { userId: 'u-other', status: 'Activated', externalId: 'E4' },
];

const NO_WPS: WpsDirectory = {
  readUsers: () => Promise.resolve(new Map()),
  disableUsers: () => Promise.resolve({}),
};

let sims: RunningSimulators;
let clock: { now: number };

async function setup(options: Partial<AuthingSimulatorOptions> = {}): Promise<void> {
  clock = { now: Date.now() };
  sims = await startSimulators(
    { wps: [], authing: structuredClone(USERS) },
    { authing: { now: () => clock.now, ...options } },
  );
}

function client(overrides: Partial<AuthingClientOptions> & { secret?: string } = {}): AuthingClient {
  const { secret, ...rest } = overrides;
  return new AuthingClient({
    baseUrl: sims.authingUrl,
    userPoolId: sims.credentials.userPoolId,
    accessKeyId: sims.credentials.accessKeyId,
    accessKeySecret: new Secret(secret ?? sims.credentials.accessKeySecret),
    ...rest,
  });
}

function runner(authing = client()) {
  const env = new MockActivityEnvironment();
  const activities = createActivities({ wps: NO_WPS, authing });
  return (userIds: string[], userIdType: AuthingUserIdType = 'user_id') =>
    env.run<[AuthingBatchInput], SystemOutcome[], typeof activities.resignAuthingUsers>(
      activities.resignAuthingUsers,
      { batch: 1, batches: 1, userIds, userIdType },
    );
}

async function failureOf(p: Promise<unknown>): Promise<VendorError & { details: AuthingErrorDetails }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VendorError);
  return err as VendorError & { details: AuthingErrorDetails };
}

/** A VendorProtocolError naming the endpoint and the field, not retried. */
function expectProtocol(err: VendorError, operation: string, field: string): void {
  expect(err.details).toMatchObject({ vendor: 'authing', kind: 'protocol', operation, field });
  expect(err.details.shape).toBeDefined();
  expect(err.message).toContain(`authing ${operation}`);
  expect(err.message).toContain(`at ${field}`);
  expect(err.toApplicationFailure()).toMatchObject({ type: 'VendorProtocolError', nonRetryable: true });
}

const json = (body: unknown): ScriptedAnswer => ({ statusCode: 200, rawBody: JSON.stringify(body) });
const apiCalls = () => sims.authing.calls.filter((c) => c.path !== '/api/v3/get-management-token');
const resignCalls = () => sims.authing.calls.filter((c) => c.path === '/api/v3/resign-user-batch');
const statusOf = (id: string) => sims.authing.users.get(id)?.status;

afterEach(async () => sims.close());

describe('every Authing answer is checked against its contract before it is read', () => {
  it.each<[string, ScriptedAnswer, string]>([
    ['no access_token', { statusCode: 200, data: { expires_in: 7200 } }, 'data.access_token'],
    [
      'an empty access_token',
      { statusCode: 200, data: { access_token: '', expires_in: 7200 } },
      'data.access_token',
    ],
    [
      'expires_in 0',
      { statusCode: 200, data: { access_token: 'tok-0123456789', expires_in: 0 } },
      'data.expires_in',
    ],
    [
      'expires_in as a string',
      { statusCode: 200, data: { access_token: 'tok-0123456789', expires_in: '7200' } },
      'data.expires_in',
    ],
    [
      'a renamed token field',
      { statusCode: 200, data: { accessToken: 'tok-0123456789', expires_in: 7200 } },
      'data.access_token',
    ],
    ['a non-JSON body', { statusCode: 200, rawBody: '<html>gateway</html>' }, '(the body)'],
    [
      'no statusCode',
      json({ message: 'ok', data: { access_token: 'tok-0123456789', expires_in: 60 } }),
      'statusCode',
    ],
  ])('get-management-token: %s stops before any API call', async (_what, answer, field) => {
    await setup();
    sims.authing.nextTokenAnswers.push(answer);
    const err = await failureOf(client().readUsers(['u-alice'], 'user_id'));
    expectProtocol(err, 'get-management-token', field);
    expect(apiCalls()).toHaveLength(0);
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain('tok-0123456789');
  });

  it.each<[string, ScriptedAnswer, string]>([
    ['a non-JSON body', { statusCode: 200, rawBody: 'Service OK' }, '(the body)'],
    ['an empty body', { statusCode: 200, rawBody: '' }, '(the body)'],
    ['no statusCode', json({ message: 'ok', data: [] }), 'statusCode'],
    ['a statusCode that is not a number', json({ statusCode: 'OK', data: [] }), 'statusCode'],
    ['data renamed', json({ statusCode: 200, users: [] }), 'data'],
    ['data not an array', { statusCode: 200, data: { users: [] } }, 'data'],
    [
      'a record without userId',
      { statusCode: 200, data: [{ id: 'u-alice', status: 'Activated' }] },
      'data[0].userId',
    ],
    [
      'an unknown status',
      { statusCode: 200, data: [{ userId: 'u-alice', status: 'Locked' }] },
      'data[0].status',
    ],
    ['no status', { statusCode: 200, data: [{ userId: 'u-alice' }] }, 'data[0].status'],
    [
      'an unknown workStatus',
      { statusCode: 200, data: [{ userId: 'u-alice', status: 'Activated', workStatus: 'OnLeave' }] },
      'data[0].workStatus',
    ],
    [
      'a record that is not an object',
      { statusCode: 200, data: [{ userId: 'u-alice', status: 'Activated' }, 'u-bob'] },
      'data[1]',
    ],
    [
      'identities that are not an array',
      { statusCode: 200, data: [{ userId: 'u-alice', status: 'Activated', identities: {} }] },
      'data[0].identities',
    ],
    [
      'an email that is not a string',
      { statusCode: 200, data: [{ userId: 'u-alice', status: 'Activated', email: 42 }] },
      'data[0].email',
    ],
  ])('get-user-batch: %s is a VendorProtocolError naming the field', async (_what, answer, field) => {
    await setup();
    sims.authing.nextReadAnswers.push(answer);
    const err = await failureOf(client().readUsers(['u-alice', 'u-bob'], 'user_id'));
    expectProtocol(err, 'get-user-batch', field);
    // The request id is named when the answer had one (the raw bodies here have none).
    if (answer.rawBody === undefined) {
      expect(err.details.vendorRequestId).toMatch(/^authing-sim-/);
      expect(err.message).toContain(err.details.vendorRequestId);
    }
  });

  it('get-user-batch: accepts what the contract allows (codes as strings, nulls, workStatus, other fields)', async () => {
    await setup();
    sims.authing.nextReadAnswers.push(
      json({
        statusCode: '200',
        apiCode: null,
        message: 'ok',
        data: [
          {
            userId: 'u-alice',
            status: 'Suspended',
            workStatus: 'Closed',
            email: null,
            phone: null,
            identities: null,
            createdAt: '2026-01-01T00:00:00Z',
            customData: { badge: 'x' },
          },
          { userId: 'u-bob', status: 'Activated', workStatus: 'Active' },
        ],
      }),
    );
    const read = await client().readUsers(['u-alice', 'u-bob', 'u-nobody'], 'user_id');
    expect([...read]).toEqual([
      ['u-alice', 'Suspended'],
      ['u-bob', 'Activated'],
    ]);
    // No requestId on a success (as the vendor answers): none claimed.
    expect(read.vendorRequestId).toBeUndefined();
  });

  it('resign-user-batch: a non-JSON success is not a success; the resign is NOT confirmed', async () => {
    await setup();
    sims.authing.nextResignAnswers.push({ statusCode: 200, rawBody: '<html>ok</html>' });
    const err = await failureOf(client().resignUsers(['u-alice'], 'user_id'));
    expectProtocol(err, 'resign-user-batch', '(the body)');
    expect(err.message).toContain('the resign is NOT confirmed');
    sims.authing.nextResignAnswers.push({ statusCode: 200, data: { success: false } });
    const unconfirmed = await failureOf(client().resignUsers(['u-alice'], 'user_id'));
    expectProtocol(unconfirmed, 'resign-user-batch', 'data.success');
    expect(unconfirmed.details.statusCode).toBe(200);
    expect(unconfirmed.message).toContain('the resign is NOT confirmed');
    expect(statusOf('u-alice')).toBe('Activated');
  });

  it('resign-user-batch: statusCode as a string of digits is understood', async () => {
    await setup();
    sims.authing.nextResignAnswers.push(json({ statusCode: '200', message: 'ok', data: { success: true } }));
    await expect(client().resignUsers(['u-alice'], 'user_id')).resolves.toEqual({});
  });

  it('a non-2xx answer with a gateway page is classified by its HTTP status, not read', async () => {
    await setup();
    sims.authing.nextReadAnswers.push({
      httpStatus: 502,
      statusCode: 502,
      rawBody: '<html>Bad Gateway</html>',
    });
    const authing = client({ callRetry: { maxRetries: 0 } });
    const err = await failureOf(authing.readUsers(['u-alice'], 'user_id'));
    expect(err.details).toMatchObject({ kind: 'transient', httpStatus: 502 });
    expect((await authing.readUsers(['u-alice'], 'user_id')).get('u-alice')).toBe('Activated');
  });

  it('two records carrying one requested id stop the read (never a guess)', async () => {
    await setup();
    sims.authing.nextReadAnswers.push({
      statusCode: 200,
      data: [
        { userId: 'u-alice', status: 'Activated', email: 'alice@x.com' },
        { userId: 'u-alice-2', status: 'Resigned', email: 'ALICE@x.com' },
      ],
    });
    const err = await failureOf(client().readUsers(['alice@x.com'], 'email'));
    expectProtocol(err, 'get-user-batch', 'data[1]');
    expect(err.message).toContain('two records (data[0] and data[1]) carry the email sent as id #1');
    // Positions, never the personal values themselves.
    expect(err.message).not.toContain('alice@x.com');
  });
});

describe('simulator switches the connector must not misread', () => {
  it.each<[string, Partial<AuthingSimulatorOptions>, string, string]>([
    ['recordIdField=id', { recordIdField: 'id' }, 'data[0].userId', 'expected string'],
    ['unknownStatus=Locked', { unknownStatus: 'Locked' }, 'data[0].status', 'Activated'],
    ['extraRecord', { extraRecord: true }, 'data[1]', 'an item for an id we did not send'],
  ])(
    '%s: the read is a VendorProtocolError, and the activity resigns nobody (never "not_found")',
    async (_what, options, field, problem) => {
      await setup(options);
      const err = await failureOf(client().readUsers(['u-alice'], 'user_id'));
      expectProtocol(err, 'get-user-batch', field);
      expect(err.message).toContain(problem);

      const af = await applicationFailureOf(runner()(['u-alice', 'u-bob', 'u-nobody']));
      expect(af).toMatchObject({ type: 'VendorProtocolError', nonRetryable: true });
      expect(af.message).toContain(problem);
      expect(resignCalls()).toHaveLength(0);
      expect(sims.authing.resignations).toEqual([]);
    },
  );

  it('extraRecord names where the user nobody asked for is, and how many ids were sent', async () => {
    await setup({ extraRecord: true });
    const err = await failureOf(client().readUsers(['E1', 'E2'], 'external_id'));
    expect(err.message).toContain('the externalId of the user at data[');
    expect(err.message).toContain('matches none of the 2 ids sent');
    expect(err.message).not.toContain('u-gone');
  });

  it('resignNoop: the vendor says success and changes nothing; the read-back fails each user (NotVerified)', async () => {
    await setup({ resignNoop: true });
    await expect(client().resignUsers(['u-alice'], 'user_id')).resolves.toMatchObject({});
    expect(statusOf('u-alice')).toBe('Activated');
    const outcomes = await runner()(['u-alice', 'u-bob', 'u-gone', 'u-nobody']);
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'failed', 'already', 'not_found']);
    expect(outcomes[0]).toMatchObject({ code: 'NotVerified' });
    expect(sims.authing.resignations).toEqual([]);
  });

  it('throttleInBody: HTTP 200 with body statusCode 429 is a transient throttle (Retry-After kept), then succeeds', async () => {
    await setup({ throttleInBody: true, faults: { throttleRate: 1, retryAfterSeconds: 1 } });
    const authing = client({ callRetry: { maxRetries: 0 } });
    const err = await failureOf(authing.resignUsers(['u-alice'], 'user_id'));
    expect(err.details).toMatchObject({
      kind: 'transient',
      httpStatus: 200,
      statusCode: 429,
      retryAfterMs: 1000,
    });
    expect(err.details.refusesIds).toBeUndefined();
    // A throttle proves the vendor did nothing: the client may send the resign again.
    expect(classifyFailure(err)).toBe('throttled');
    expect(sims.authing.calls.at(-1)).toMatchObject({
      httpStatus: 200,
      statusCode: 429,
      injected: 'throttle',
    });
    expect(statusOf('u-alice')).toBe('Activated');
    sims.authing.configure({ faults: { throttleRate: 0 } });
    await authing.resignUsers(['u-alice'], 'user_id');
    expect(statusOf('u-alice')).toBe('Resigned');
  });

  it('throttleInBody with a rate limit: the activity still ends with every user resigned once', async () => {
    // The real clock: the rate limit's window must move.
    await setup({ throttleInBody: true, faults: { rateLimitPerSecond: 2 }, now: Date.now });
    const outcomes = await runner()(['u-alice', 'u-bob', 'u-gone', 'u-nobody']);
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'done', 'already', 'not_found']);
    expect(sims.authing.resignations.map((r) => r.userId)).toEqual(['u-alice', 'u-bob']);
    expect(sims.authing.calls.some((c) => c.httpStatus === 200 && c.statusCode === 429)).toBe(true);
  });

  it('language=zh: messages in Chinese change nothing the connector decides', async () => {
    await setup({ language: 'zh', rejectIds: ['u-bob'] });
    const err = await failureOf(client().resignUsers(['u-alice', 'u-bob'], 'user_id'));
    expect(err.details).toMatchObject({
      kind: 'invalidRequest',
      apiCode: 2004,
      refusesIds: true,
      vendorMessage: '用户不存在',
    });
    const wrong = await failureOf(
      client({ secret: 'wrong-secret-0123456789' }).readUsers(['u-alice'], 'user_id'),
    );
    expect(wrong.details.kind).toBe('credentials');
    sims.authing.configure({ rejectIds: [] });
    const outcomes = await runner()(['u-alice', 'u-gone', 'u-nobody']);
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'already', 'not_found']);
  });

  it('clockOffsetMs: the read carries the vendor Date header as evidence, not our clock', async () => {
    const offset = -3 * 3600_000;
    await setup({ clockOffsetMs: offset });
    const read = await client().readUsers(['u-alice'], 'user_id');
    expect(read.get('u-alice')).toBe('Activated');
    expect(read.serverDate).toBeDefined();
    expect(Math.abs(Date.parse(read.serverDate ?? '') - (clock.now + offset))).toBeLessThan(2000);
    // The simulator sends a requestId on every answer: it is kept as the read's evidence.
    expect(read.vendorRequestId).toMatch(/^authing-sim-/);
  });

  it('apiCodeAsString: a string apiCode is understood (pool not found, id refusal)', async () => {
    await setup({ apiCodeAsString: true, rejectIds: ['u-bob'] });
    const pool = await failureOf(client({ userPoolId: 'no-such-pool' }).readUsers(['u-alice'], 'user_id'));
    expect(pool.details).toMatchObject({ kind: 'credentials', apiCode: 2224 });
    const refused = await failureOf(client().resignUsers(['u-bob'], 'user_id'));
    expect(refused.details).toMatchObject({ kind: 'invalidRequest', apiCode: 2004, refusesIds: true });
    const authing = client();
    await authing.readUsers(['u-alice'], 'user_id');
    sims.authing.revokeTokens();
    expect((await authing.readUsers(['u-alice'], 'user_id')).get('u-alice')).toBe('Activated');
    expect(authing.tokens.fetches).toBe(2);
  });
});

describe('matching a leaver to a record', () => {
  it('Alice@x.com is found against the record alice@x.com, keyed as requested, and resigned', async () => {
    await setup();
    const read = await client().readUsers(['Alice@x.com', 'nobody@x.com'], 'email');
    expect([...read]).toEqual([['Alice@x.com', 'Activated']]);
    const outcomes = await runner()(['Alice@x.com', 'bob@x.com', 'nobody@x.com'], 'email');
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'done', 'not_found']);
    expect(statusOf('u-alice')).toBe('Resigned');
    expect(statusOf('u-bob')).toBe('Resigned');
  });

  it('two ids that are one email (case aside) are refused before anything is sent', async () => {
    await setup();
    const authing = client();
    const err = await failureOf(authing.readUsers(['Alice@x.com', 'alice@x.com'], 'email'));
    expect(err.details.kind).toBe('invalidRequest');
    expect(err.message).toContain('nothing was sent');
    await failureOf(authing.resignUsers(['Alice@x.com', 'alice@x.com'], 'email'));
    expect(sims.authing.calls).toHaveLength(0);
  });

  it('a phone answered in another form (+86 dropped) is a record we did not ask for, not "not found"', async () => {
    await setup();
    expect((await client().readUsers(['+8613800000001'], 'phone')).get('+8613800000001')).toBe('Activated');
    sims.authing.nextReadAnswers.push({
      statusCode: 200,
      data: [{ userId: 'u-alice', status: 'Activated', phone: '13800000001' }],
    });
    const err = await failureOf(client().readUsers(['+8613800000001'], 'phone'));
    expectProtocol(err, 'get-user-batch', 'data[0]');
    expect(err.message).toContain('an item for an id we did not send');
  });
});

describe('apiCode 2020 (not logged in) renews the token once, like a 401', () => {
  it.each([2020, '2020'])(
    'one %j: a new token, one more send, and the resign goes through',
    async (apiCode) => {
      await setup();
      const authing = client();
      sims.authing.nextResignAnswers.push({ statusCode: 403, apiCode, message: '未登录' });
      await authing.resignUsers(['u-alice'], 'user_id');
      expect(authing.tokens.fetches).toBe(2);
      expect(resignCalls().map((c) => [c.statusCode, c.apiCode ?? null])).toEqual([
        [403, 2020],
        [200, null],
      ]);
      expect(statusOf('u-alice')).toBe('Resigned');
    },
  );

  it('a 2020 again with the fresh token is a credentials failure with a clear hint, nothing resigned', async () => {
    await setup();
    const authing = client();
    sims.authing.nextResignAnswers.push(
      { statusCode: 400, apiCode: 2020, message: 'not logged in' },
      { statusCode: 400, apiCode: '2020', message: 'not logged in' },
    );
    const err = await failureOf(authing.resignUsers(['u-alice'], 'user_id'));
    expect(err.details).toMatchObject({ kind: 'credentials', apiCode: 2020 });
    expect(err.message).toContain('2020 (not logged in) to a freshly issued management token');
    expect(err.message).toContain('AUTHING_USERPOOL_ID');
    expect(err.toApplicationFailure().nonRetryable).toBe(true);
    expect(authing.tokens.fetches).toBe(2);
    expect(resignCalls()).toHaveLength(2);
    expect(statusOf('u-alice')).toBe('Activated');
  });
});

describe('statusCode 499 is transient', () => {
  it('a read is retried by the client', async () => {
    await setup();
    sims.authing.nextReadAnswers.push({ statusCode: 499, message: 'client closed request' });
    const read = await client().readUsers(['u-alice'], 'user_id');
    expect(read.get('u-alice')).toBe('Activated');
    expect(apiCalls().map((c) => c.statusCode)).toEqual([499, 200]);
  });

  it('a resign is not resent blindly: the activity re-reads and resends only those still pending', async () => {
    await setup();
    sims.authing.nextResignAnswers.push({ statusCode: 499 });
    const err = await failureOf(client().resignUsers(['u-alice'], 'user_id'));
    expect(err.details).toMatchObject({ kind: 'transient', statusCode: 499 });
    expect(resignCalls()).toHaveLength(1);
    sims.authing.nextResignAnswers.push({ statusCode: 499, apply: true });
    const outcomes = await runner()(['u-bob', 'u-nobody']);
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'not_found']);
    expect(sims.authing.resignations.map((r) => r.userId)).toEqual(['u-bob']);
  });
});

describe('refusesIds: only a configured apiCode lets the workflow split a batch', () => {
  const refusal = async (
    options: Partial<AuthingSimulatorOptions>,
    clientOptions: Partial<AuthingClientOptions> = {},
  ) => {
    await setup({ rejectIds: ['u-bob'], ...options });
    const err = await failureOf(client(clientOptions).resignUsers(['u-alice', 'u-bob'], 'user_id'));
    expect(err.details.kind).toBe('invalidRequest');
    expect(statusOf('u-alice')).toBe('Activated');
    return err;
  };

  it('the default set (2004 user not found) sets it, on the ApplicationFailure too', async () => {
    const err = await refusal({});
    expect(err.details).toMatchObject({ apiCode: 2004, refusesIds: true });
    const af = err.toApplicationFailure();
    expect(af.type).toBe('VendorRejectedRequest');
    expect((af.details?.[0] as AuthingErrorDetails).refusesIds).toBe(true);
  });

  it('an apiCode outside the set does not, and says nothing about ids', async () => {
    const err = await refusal({ rejectApiCode: 2001 });
    expect(err.details.apiCode).toBe(2001);
    expect(err.details.refusesIds).toBeUndefined();
    expect(err.message).toContain('was rejected; not retried');
  });

  it('idRejectedApiCodes replaces the set', async () => {
    expect((await refusal({ rejectApiCode: 2001 }, { idRejectedApiCodes: [2001] })).details.refusesIds).toBe(
      true,
    );
    await sims.close();
    expect((await refusal({}, { idRejectedApiCodes: [2001] })).details.refusesIds).toBeUndefined();
  });

  it.each<[string, ScriptedAnswer]>([
    ['a 400 without apiCode', { statusCode: 400, message: 'bad' }],
    ['a 422', { statusCode: 422, message: 'user has already resigned' }],
  ])('%s does not', async (_what, answer) => {
    await setup();
    sims.authing.nextResignAnswers.push(answer);
    const err = await failureOf(client().resignUsers(['u-alice'], 'user_id'));
    expect(err.details.kind).toBe('invalidRequest');
    expect(err.details.refusesIds).toBeUndefined();
  });
});

it('no error of these paths shows the access key secret or a token, even in the answer shape', async () => {
  await setup({ language: 'zh' });
  const seen: unknown[] = [];
  const collect = async (p: Promise<unknown>) => {
    const r = await p.then(
      (v) => v,
      (e: unknown) => e,
    );
    if (r instanceof Error) {
      const af = r instanceof VendorError ? r.toApplicationFailure() : (r as ApplicationFailure);
      seen.push(r.message, r.stack, (r as VendorError).details, af.details, String(r.cause));
    }
  };
  const leaked = 'tok-leaked-in-a-bad-answer-42';
  const authing = client();
  sims.authing.nextTokenAnswers.push({ statusCode: 200, data: { access_token: leaked, expires_in: -1 } });
  await collect(authing.readUsers(['u-alice'], 'user_id'));
  sims.authing.nextReadAnswers.push({
    statusCode: 200,
    data: [{ userId: 'u-alice', status: 'Locked', email: leaked }],
  });
  await collect(authing.readUsers(['u-alice'], 'user_id'));
  sims.authing.nextResignAnswers.push({ statusCode: 403, apiCode: 2020 }, { statusCode: 403, apiCode: 2020 });
  await collect(authing.resignUsers(['u-alice'], 'user_id'));
  sims.authing.configure({ extraRecord: true });
  await collect(authing.readUsers(['u-alice'], 'user_id'));
  await collect(runner(authing)(['u-alice']));
  sims.authing.configure({ extraRecord: false, unknownStatus: 'Locked' });
  await collect(authing.readUsers(['u-alice'], 'user_id'));
  const wrongSecret = 'the-wrong-secret-7c1d9e2a';
  await collect(client({ secret: wrongSecret }).readUsers(['u-alice'], 'user_id'));

  expect(seen.length).toBeGreaterThanOrEqual(30);
  const text = JSON.stringify(seen);
  expect(sims.authing.issuedTokens.length).toBeGreaterThanOrEqual(2);
  for (const s of [sims.credentials.accessKeySecret, wrongSecret, leaked, ...sims.authing.issuedTokens]) {
    expect(text).not.toContain(s);
  }
  expect(text).toContain('data[0].status');
  expect(text).toContain('freshly issued');
});
