import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type ActivityDeps, type BatchInput } from '../../activities';
import { Secret } from '../../activities/shared/secret';
import { VendorError } from '../../activities/shared/errors';
import { WpsClient, type WpsClientOptions } from '../../activities/wps/client';
import type { WpsErrorDetails } from '../../activities/wps/errors';
import { kso1Authorization, kso1Date } from '../../activities/wps/kso1';
import { WPS_CODES, type WpsSimulatorOptions, type WpsUserRecord } from '../../simulators/wps/server';
import type { SystemOutcome } from '../../workflows/outcome';
import { runLikeTemporalRetries } from '../support/retry';
import { wpsSimulatorPerTest } from '../support/simulators';

/**
 * The WPS connector fails closed: an answer it does not fully understand stops the work with an error
 * naming what was unexpected, never an outcome, a default or a guess. Real HTTP on loopback, against
 * the simulator's switches (and, for answers it cannot give, a scripted server).
 */

const USERS: WpsUserRecord[] = [
  { id: 'w-1', status: 'active' },
  { id: 'w-2', status: 'active' },
  { id: 'w-3', status: 'notactive' },
  { id: 'w-4', status: 'disabled' },
  { id: 'w-5', status: 'dimission' },
];

const start = wpsSimulatorPerTest(USERS);

const unusedAuthing: ActivityDeps['authing'] = {
  readUsers: () => Promise.reject(new Error('not used')),
  resignUsers: () => Promise.reject(new Error('not used')),
};

function disableActivity(wps: WpsClient, userIds: string[]): Promise<SystemOutcome[]> {
  const activities = createActivities({ wps, authing: unusedAuthing });
  return new MockActivityEnvironment().run<[BatchInput], SystemOutcome[], typeof activities.disableWpsUsers>(
    activities.disableWpsUsers,
    { batch: 1, batches: 1, userIds },
  );
}

async function failureOf(p: Promise<unknown>): Promise<VendorError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VendorError);
  return err as VendorError;
}

const wpsDetails = (err: VendorError) => err.details as WpsErrorDetails;

describe('WPS contract: a batch_read we do not fully understand stops the work', () => {
  it('a renamed id field (itemIdField=user_id) is a VendorProtocolError naming data.items[0].id and the request id', async () => {
    const s = await start({ itemIdField: 'user_id' });
    const err = await failureOf(s.wpsClient().readUsers(['w-1', 'w-2']));
    expect(err.details).toMatchObject({
      kind: 'protocol',
      operation: 'batch_read',
      httpStatus: 200,
      field: 'data.items[0].id',
      vendorRequestId: s.wps.calls.at(-1)!.requestId,
    });
    expect(err.message).toContain('data.items[0].id');
    expect(err.message).toContain(s.wps.calls.at(-1)!.requestId);
    // The shape names the keys the answer had, never a value.
    expect(JSON.stringify(err.details.shape)).toContain('user_id');
    expect(JSON.stringify(err.details)).not.toContain('w-1');
    const af = err.toApplicationFailure();
    expect(af.type).toBe('VendorProtocolError');
    expect(af.nonRetryable).toBe(true);
  });

  it('through the activity: the batch fails VendorProtocolError and nobody is reported not_found or disabled', async () => {
    const s = await start({ itemIdField: 'user_id' });
    const failure = await disableActivity(s.wpsClient(), ['w-1', 'w-2']).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe('VendorProtocolError');
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect(s.wps.calls.filter((c) => c.path.endsWith('batch_disable'))).toHaveLength(0);
    expect(s.wps.users.get('w-1')).toBe('active');
  });

  it('an unknown status (unknownStatus=locked) is a VendorProtocolError naming the status field', async () => {
    const s = await start({ unknownStatus: 'locked' });
    const err = await failureOf(s.wpsClient().readUsers(['w-1']));
    expect(err.details).toMatchObject({ kind: 'protocol', field: 'data.items[0].status' });
    expect(err.message).toContain('data.items[0].status');
    expect(err.message).not.toContain('locked');
  });

  it('an item for an id that was not sent, or a second item for one id, is a VendorProtocolError', async () => {
    const s = await start({ extraReadItems: [{ id: 'w-9', status: 'active' }] });
    const wps = s.wpsClient();
    const stranger = await failureOf(wps.readUsers(['w-1', 'w-2']));
    expect(stranger.details).toMatchObject({ kind: 'protocol', field: 'data.items[2].id' });
    expect(stranger.message).toContain('not in the request');
    expect(stranger.message).not.toContain('w-9');
    s.wps.configure({ extraReadItems: [{ id: 'w-1', status: 'disabled' }] });
    const twice = await failureOf(wps.readUsers(['w-1', 'w-2']));
    expect(twice.details).toMatchObject({ kind: 'protocol', field: 'data.items[2].id' });
    expect(twice.message).toContain('second item');
  });

  it('asks for every status, so dimission users are returned; the read carries its request id and Date', async () => {
    const s = await start();
    const read = await s.wpsClient().readUsers(['w-1', 'w-3', 'w-4', 'w-5', 'w-nope']);
    expect(s.wps.calls.at(-1)!.statusFilter).toEqual(['active', 'notactive', 'disabled', 'dimission']);
    expect([...read.entries()]).toEqual([
      ['w-1', 'active'],
      ['w-3', 'notactive'],
      ['w-4', 'disabled'],
      ['w-5', 'dimission'],
    ]);
    expect(read.vendorRequestId).toBe(s.wps.calls.at(-1)!.requestId);
    expect(Math.abs(Date.parse(read.serverDate!) - Date.now())).toBeLessThan(5_000);
  });

  it('the Date evidence is the vendor clock (clockOffsetMs), and a clock beyond the skew is a signature failure', async () => {
    const s = await start({ clockOffsetMs: 10 * 60_000 });
    const read = await s.wpsClient().readUsers(['w-1']);
    expect(Date.parse(read.serverDate!) - Date.now()).toBeGreaterThan(9 * 60_000);
    s.wps.configure({ clockOffsetMs: -60 * 60_000 });
    const err = await failureOf(s.wpsClient().readUsers(['w-1']));
    expect(err.details).toMatchObject({ kind: 'signature', vendorCode: String(WPS_CODES.signatureInvalid) });
  });
});

describe('WPS contract: what the vendor says in its answer', () => {
  it('a rate limit inside an HTTP 200 body (throttleInBody) is transient, Retry-After honoured, and converges', async () => {
    const s = await start({
      throttleInBody: true,
      faults: { throttleRate: 0.5, retryAfterSeconds: 1, seed: 7 },
    });
    const wps = s.wpsClient({ callRetry: { maxRetries: 0 } });
    const run = await runLikeTemporalRetries(() => disableActivity(wps, ['w-1', 'w-2', 'w-4', 'w-x']), {
      maxIntervalMs: 50,
      maxAttempts: 60,
    });
    expect(run.result.map((o) => o.status)).toEqual(['done', 'done', 'already', 'not_found']);
    expect(run.failures.length).toBeGreaterThan(0);
    for (const f of run.failures) {
      expect(f.type).toBe('VendorUnavailable');
      expect(f.details?.[0]).toMatchObject({
        httpStatus: 200,
        vendorCode: String(WPS_CODES.rateLimited),
        retryAfterMs: 1000,
      });
    }
    expect(s.wps.calls.some((c) => c.fault === 'throttle' && c.status === 200)).toBe(true);
    expect(s.wps.users.get('w-1')).toBe('disabled');
  });

  it('a read throttled inside an HTTP 200 body is retried by the client', async () => {
    const s = await start({ throttleInBody: true });
    // Only the first batch_read is throttled.
    const before = s.wps.faults.before.bind(s.wps.faults);
    let reads = 0;
    s.wps.faults.before = (call) =>
      call?.path.endsWith('batch_read') && ++reads === 1
        ? Promise.resolve({ kind: 'throttle', retryAfterSeconds: 0, reason: 'injected' })
        : before(call);
    const read = await s.wpsClient().readUsers(['w-1']);
    expect(read.get('w-1')).toBe('active');
    expect(s.wps.calls.map((c) => [c.status, c.code, c.fault])).toEqual([
      [200, WPS_CODES.rateLimited, 'throttle'],
      [200, 0, undefined],
    ]);
  });

  it('a batch_disable throttled inside an HTTP 200 body is retried by the client, as a 429 is (nothing was done)', async () => {
    const s = await start({ throttleInBody: true });
    const before = s.wps.faults.before.bind(s.wps.faults);
    let disables = 0;
    s.wps.faults.before = (call) =>
      call?.path.endsWith('batch_disable') && ++disables === 1
        ? Promise.resolve({ kind: 'throttle', retryAfterSeconds: 0, reason: 'injected' })
        : before(call);
    await s.wpsClient().disableUsers(['w-1']);
    expect(s.wps.calls.map((c) => [c.path, c.status, c.code])).toEqual([
      ['/v7/users/batch_disable', 200, WPS_CODES.rateLimited],
      ['/v7/users/batch_disable', 200, 0],
    ]);
    expect(s.wps.users.get('w-1')).toBe('disabled');
  });

  it('a Chinese signature message (language=zh) with the configured code is a signature rejection', async () => {
    const s = await start({ language: 'zh' });
    const err = await failureOf(
      s.wpsClient({ now: () => new Date(Date.now() - 60 * 60_000) }).readUsers(['w-1']),
    );
    expect(err.details).toMatchObject({ kind: 'signature', vendorMessage: '签名无效' });
    expect(err.message).toContain("check WPS_APP_ID, WPS_APP_KEY and this machine's clock");
    // A Chinese refusal of ids is an invalid request like any other.
    s.wps.configure({ unknownIds: 'reject' });
    const refused = await failureOf(s.wpsClient().disableUsers(['w-1', 'w-nope']));
    expect(refused.details).toMatchObject({ kind: 'invalidRequest', vendorMessage: '用户不存在' });
  });

  it('403000001 (a missing permission scope) is a credentials failure naming the scope and the console', async () => {
    const s = await start({ grantedScopes: ['kso.contact.read'] });
    const wps = s.wpsClient();
    await expect(wps.readUsers(['w-1'])).resolves.toBeDefined();
    const err = await failureOf(wps.disableUsers(['w-1']));
    expect(err.details).toMatchObject({ kind: 'credentials', httpStatus: 403, vendorCode: '403000001' });
    expect(err.message).toContain('kso.contact.readwrite');
    expect(err.message).toContain('WPS 365 developer console');
    expect(err.toApplicationFailure().type).toBe('VendorCredentialsRejected');
    s.wps.configure({ grantedScopes: [] });
    const read = await failureOf(wps.readUsers(['w-1']));
    expect(read.details.kind).toBe('credentials');
    expect(read.message).toContain('kso.contact.read');
    expect(s.wps.users.get('w-1')).toBe('active');
  });

  it('detail and more are kept in the error details and message', async () => {
    const s = await start({ errorDetail: true, unknownIds: 'reject' });
    const err = await failureOf(s.wpsClient().disableUsers(['w-1', 'w-nope']));
    expect(wpsDetails(err).vendorDetail).toBe(`simulated failure ${WPS_CODES.usersNotFound}`);
    expect(wpsDetails(err).vendorMore).toContain(err.details.vendorRequestId!);
    expect(err.message).toContain(`detail "simulated failure ${WPS_CODES.usersNotFound}"`);
    expect(err.message).toContain('more {');
    expect(err.toApplicationFailure().details?.[0]).toMatchObject({ vendorDetail: expect.any(String) });
  });

  it('an OAuth-style token refusal keeps error and error_description', async () => {
    const s = await start({ tokenErrorStyle: 'oauth' });
    const err = await failureOf(
      s.wpsClient({ appKey: new Secret('wrong-key-0123456789') }).readUsers(['w-1']),
    );
    expect(err.details).toMatchObject({
      kind: 'credentials',
      operation: 'oauth2/token',
      httpStatus: 401,
      vendorCode: 'invalid_client',
      vendorMessage: 'invalid client_id or client_secret',
    });
    expect(err.message).toContain('error invalid_client');
    expect(err.message).toContain('check WPS_APP_ID and WPS_APP_KEY');
  });

  it('only configured id-refusal codes let a batch be split (refusesIds)', async () => {
    const s = await start({ unknownIds: 'reject', maxIdsPerCall: 2 });
    const wps = s.wpsClient();
    const unknown = await failureOf(wps.disableUsers(['w-1', 'w-nope']));
    expect(unknown.details).toMatchObject({ kind: 'invalidRequest', refusesIds: true });
    const tooMany = await failureOf(wps.disableUsers(['w-1', 'w-2', 'w-3']));
    expect(tooMany.details.kind).toBe('invalidRequest');
    expect(tooMany.details.refusesIds).toBeUndefined();
    // Configured otherwise: the simulator's unknown-id code no longer splits.
    const other = await failureOf(
      s.wpsClient({ idRejectedCodes: [WPS_CODES.tooManyIds] }).disableUsers(['w-1', 'w-nope']),
    );
    expect(other.details.refusesIds).toBeUndefined();
  });

  it('disableNoop: the vendor says yes and changes nothing; no user is reported done', async () => {
    const s = await start({ disableNoop: true });
    const outcomes = await disableActivity(s.wpsClient(), ['w-1', 'w-2']).catch((e: unknown) => e);
    // Whatever the activity makes of it, it is never `done`: the read-back shows the truth.
    if (Array.isArray(outcomes)) {
      for (const o of outcomes as SystemOutcome[]) expect(o.status).toBe('failed');
    } else expect(outcomes).toBeInstanceOf(ApplicationFailure);
    expect(s.wps.users.get('w-1')).toBe('active');
    expect(s.wps.users.get('w-2')).toBe('active');
  });
});

describe('WPS base URL with a path (a gateway)', () => {
  it('signs the full path sent: a base URL with the prefix works, one without gets a clear error', async () => {
    const s = await start({ basePath: '/openapi' });
    const wps = s.wpsClient({ baseUrl: `${s.wpsUrl}/openapi/` });
    const read = await wps.readUsers(['w-1']);
    expect(read.get('w-1')).toBe('active');
    await wps.disableUsers(['w-1']);
    expect(s.wps.users.get('w-1')).toBe('disabled');
    const call = s.wps.calls.at(-1)!;
    expect(call).toMatchObject({
      url: '/openapi/v7/users/batch_disable',
      path: '/v7/users/batch_disable',
      signatureValid: true,
      status: 200,
    });
    expect(call.ksoAuthorization).toBe(
      kso1Authorization({
        method: 'POST',
        requestUri: '/openapi/v7/users/batch_disable',
        contentType: 'application/json',
        date: call.ksoDate!,
        body: Buffer.from('{"user_ids":["w-1"]}'),
        appId: s.credentials.wpsAppId,
        appKey: s.credentials.wpsAppKey,
      }),
    );

    const without = await failureOf(s.wpsClient().readUsers(['w-2']));
    expect(without.details).toMatchObject({ kind: 'invalidRequest', httpStatus: 404 });
    expect(without.details.refusesIds).toBeUndefined();
    expect(without.message).toContain('WPS_BASE_URL');
  });

  it('the simulator refuses a signature over the path without the prefix, and API calls without it', async () => {
    const s = await start({ basePath: '/openapi' });
    const token = await s.wpsClient({ baseUrl: `${s.wpsUrl}/openapi` }).tokens.get();
    const send = async (url: string, signedUri: string) => {
      const body = '{"user_ids":["w-1"]}';
      const date = kso1Date(new Date());
      const res = await fetch(`${s.wpsUrl}${url}`, {
        method: 'POST',
        body,
        headers: {
          'Content-Type': 'application/json',
          'X-Kso-Date': date,
          'X-Kso-Authorization': kso1Authorization({
            method: 'POST',
            requestUri: signedUri,
            contentType: 'application/json',
            date,
            body: Buffer.from(body),
            appId: s.credentials.wpsAppId,
            appKey: s.credentials.wpsAppKey,
          }),
          Authorization: `Bearer ${token}`,
        },
      });
      return { status: res.status, code: ((await res.json()) as { code: number }).code };
    };
    expect(await send('/openapi/v7/users/batch_read', '/openapi/v7/users/batch_read')).toEqual({
      status: 200,
      code: 0,
    });
    expect(await send('/openapi/v7/users/batch_read', '/v7/users/batch_read')).toEqual({
      status: 403,
      code: WPS_CODES.signatureInvalid,
    });
    expect((await send('/v7/users/batch_read', '/v7/users/batch_read')).status).toBe(404);
  });
});

interface ScriptedAnswer {
  status?: number;
  body: string | object;
  headers?: Record<string, string>;
}

/** A scripted server for answers the simulator never gives; each path answers what `answers` says. */
async function scripted(
  answers: Record<string, ScriptedAnswer>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const answer: ScriptedAnswer = answers[req.url ?? ''] ?? {
        status: 404,
        body: { code: 404, msg: 'no' },
      };
      const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status ?? 200, {
        'Content-Type': typeof answer.body === 'string' ? 'text/html' : 'application/json',
        'X-Request-Id': 'scripted-req-1',
        ...answer.headers,
      });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const APP_KEY = 'scripted-app-key-0123456789';
const TOKEN = 'scripted-token-abcdef';
const GOOD_TOKEN = { body: { access_token: TOKEN, expires_in: 7200, token_type: 'bearer' } };

function scriptedClient(url: string, extra: Partial<WpsClientOptions> = {}): WpsClient {
  return new WpsClient({
    baseUrl: url,
    appId: 'AK-SCRIPTED',
    appKey: new Secret(APP_KEY),
    callRetry: { maxRetries: 0 },
    ...extra,
  });
}

describe('WPS contract: answers the simulator never gives', () => {
  const cases: Array<[string, Parameters<typeof scripted>[0], string, string]> = [
    [
      'a non-JSON batch_read body',
      { '/oauth2/token': GOOD_TOKEN, '/v7/users/batch_read': { body: '<html>gateway</html>' } },
      'batch_read',
      '(the body)',
    ],
    [
      'a batch_read without data.items',
      { '/oauth2/token': GOOD_TOKEN, '/v7/users/batch_read': { body: { code: 0, data: {} } } },
      'batch_read',
      'data.items',
    ],
    [
      'a 2xx whose code is a string',
      { '/oauth2/token': GOOD_TOKEN, '/v7/users/batch_read': { body: { code: '0', data: { items: [] } } } },
      'batch_read',
      'code',
    ],
    [
      'a token without expires_in',
      { '/oauth2/token': { body: { access_token: TOKEN } } },
      'oauth2/token',
      'expires_in',
    ],
    [
      'an empty token',
      { '/oauth2/token': { body: { access_token: '', expires_in: 7200 } } },
      'oauth2/token',
      'access_token',
    ],
    ['a non-JSON token answer', { '/oauth2/token': { body: 'OK' } }, 'oauth2/token', '(the body)'],
  ];

  it.each(cases)('%s is a VendorProtocolError naming the field', async (_name, answers, operation, field) => {
    const server = await scripted(answers);
    try {
      const err = await failureOf(scriptedClient(server.url).readUsers(['w-1']));
      expect(err.details).toMatchObject({
        kind: 'protocol',
        operation,
        field,
        vendorRequestId: 'scripted-req-1',
      });
      expect(err.message).toContain('scripted-req-1');
    } finally {
      await server.close();
    }
  });

  it('a server code (5 + eight digits) or a configured throttling code is transient, whatever the HTTP status; another code is not', async () => {
    const server = await scripted({
      '/oauth2/token': GOOD_TOKEN,
      '/v7/users/batch_disable': { body: { code: 503000002, msg: '服务繁忙' } },
      '/v7/users/batch_read': { status: 400, body: { code: 400123456, msg: 'x' } },
    });
    try {
      const wps = scriptedClient(server.url, { throttledCodes: [400123456] });
      expect((await failureOf(wps.disableUsers(['w-1']))).details).toMatchObject({
        kind: 'transient',
        httpStatus: 200,
        vendorCode: '503000002',
      });
      expect((await failureOf(wps.readUsers(['w-1']))).details.kind).toBe('transient');
      expect((await failureOf(scriptedClient(server.url).readUsers(['w-1']))).details.kind).toBe(
        'invalidRequest',
      );
    } finally {
      await server.close();
    }
  });

  it('a vendor echoing the app key or the token in its message: neither reaches the error', async () => {
    const server = await scripted({
      '/oauth2/token': GOOD_TOKEN,
      '/v7/users/batch_read': {
        status: 400,
        body: { code: 400999999, msg: `bad token ${TOKEN}`, detail: `key ${APP_KEY}`, more: { t: TOKEN } },
      },
      '/v7/users/batch_disable': {
        status: 401,
        body: { error: 'invalid_client', error_description: APP_KEY },
      },
    });
    try {
      const wps = scriptedClient(server.url);
      const errors = [await failureOf(wps.readUsers(['w-1'])), await failureOf(wps.disableUsers(['w-1']))];
      const text = JSON.stringify(
        errors.map((e) => [e.message, e.details, e.toApplicationFailure().details]),
      );
      expect(text).toContain('[secret]');
      expect(text).not.toContain(APP_KEY);
      expect(text).not.toContain(TOKEN);
    } finally {
      await server.close();
    }
  });
});

describe('WPS contract: no secret in any error of the new failure modes', () => {
  it('collects the errors of every switch and finds neither the app key nor a token', async () => {
    const s = await start();
    const key = s.credentials.wpsAppKey;
    const texts: string[] = [];
    const collect = (err: unknown): void => {
      if (err instanceof VendorError) {
        texts.push(
          err.message,
          JSON.stringify(err.details),
          JSON.stringify(err.toApplicationFailure().details),
        );
      }
    };
    const tryAll = async (wps: WpsClient): Promise<void> => {
      await wps.readUsers(['w-1', 'w-2']).then(() => undefined, collect);
      await wps.disableUsers(['w-1', 'w-nope']).then(() => undefined, collect);
    };
    const switches: Array<Partial<WpsSimulatorOptions>> = [
      { itemIdField: 'user_id' },
      { itemIdField: 'id', unknownStatus: 'locked' },
      { unknownStatus: '', extraReadItems: [{ id: 'w-9', status: 'active' }] },
      { extraReadItems: [], grantedScopes: [] },
      {
        grantedScopes: ['kso.contact.read', 'kso.contact.readwrite'],
        errorDetail: true,
        unknownIds: 'reject',
      },
      { language: 'zh', tokenErrorStyle: 'oauth' },
      { throttleInBody: true, faults: { throttleRate: 1, retryAfterSeconds: 0 } },
    ];
    for (const change of switches) {
      s.wps.configure(change);
      await tryAll(s.wpsClient({ callRetry: { maxRetries: 0 } }));
    }
    s.wps.configure({ faults: { throttleRate: 0 } });
    await tryAll(s.wpsClient({ appKey: new Secret(`${key}-wrong`) }));
    await tryAll(s.wpsClient({ now: () => new Date(0) }));
    expect(texts.length).toBeGreaterThan(20);
    const everything = texts.join('\n');
    expect(everything).not.toContain(key);
    expect(s.wps.issuedTokens.length).toBeGreaterThan(1);
    for (const token of s.wps.issuedTokens) expect(everything).not.toContain(token);
    expect(everything).toContain('"kind":"protocol"');
    expect(everything).toContain('"kind":"credentials"');
  });
});
