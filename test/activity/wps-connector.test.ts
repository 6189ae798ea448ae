import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type ActivityDeps, type BatchInput, type WpsDirectory } from '../../activities';
import { VendorError } from '../../activities/shared/errors';
import { WpsClient, type WpsClientOptions } from '../../activities/wps/client';
import { kso1Authorization, kso1Date } from '../../activities/wps/kso1';
import type { WpsUserRecord } from '../../simulators/wps/server';
import { WPS_CODES } from '../../simulators/wps/server';
import type { SystemOutcome } from '../../workflows/outcome';
import { wpsSimulatorPerTest, type RunningSimulators } from '../support/simulators';

/** The WPS connector against the WPS simulator over real HTTP on loopback, in each of its modes. */

const USERS: WpsUserRecord[] = [
  { id: 'w-1', status: 'active' },
  { id: 'w-2', status: 'active' },
  { id: 'w-3', status: 'notactive' },
  { id: 'w-4', status: 'disabled' },
  { id: 'w-5', status: 'active' },
];

const start = wpsSimulatorPerTest(USERS);

function client(s: RunningSimulators, extra: Partial<WpsClientOptions> = {}): WpsClient {
  return s.wpsClient(extra);
}

/** A clock one second further on each time it is read, so that every attempt's X-Kso-Date differs. */
function tickingClock(): () => Date {
  let at = Date.now();
  return () => new Date((at += 1000));
}

const unusedAuthing: ActivityDeps['authing'] = {
  readUsers: () => Promise.reject(new Error('not used')),
  resignUsers: () => Promise.reject(new Error('not used')),
};

async function disableActivity(wps: WpsDirectory, userIds: string[]): Promise<SystemOutcome[]> {
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

const statuses = (s: RunningSimulators) => Object.fromEntries(s.wps.users);

describe('WPS connector: signing every attempt', () => {
  it('signs the exact bytes sent; the simulator verifies each call', async () => {
    const s = await start();
    const wps = client(s);
    await wps.disableUsers(['w-1', 'w-2']);
    const call = s.wps.calls.at(-1)!;
    expect(call).toMatchObject({
      path: '/v7/users/batch_disable',
      signatureValid: true,
      status: 200,
      code: 0,
    });
    expect(call.userIds).toEqual(['w-1', 'w-2']);
    // The header is the KSO-1 signature of the compact JSON, the bytes that went on the wire.
    expect(call.ksoAuthorization).toBe(
      kso1Authorization({
        method: 'POST',
        requestUri: '/v7/users/batch_disable',
        contentType: 'application/json',
        date: call.ksoDate!,
        body: Buffer.from('{"user_ids":["w-1","w-2"]}'),
        appId: s.credentials.wpsAppId,
        appKey: s.credentials.wpsAppKey,
      }),
    );
  });

  it('a token-invalid retry is a new request with a new date and a new signature', async () => {
    const s = await start();
    const wps = client(s, { now: tickingClock() });
    await wps.readUsers(['w-1']);
    s.wps.revokeTokens();
    const before = s.wps.calls.length;
    await wps.disableUsers(['w-1']);
    const attempts = s.wps.calls.slice(before);
    expect(attempts.map((c) => [c.status, c.code])).toEqual([
      [401, WPS_CODES.tokenInvalid],
      [200, 0],
    ]);
    expect(attempts.every((c) => c.signatureValid)).toBe(true);
    expect(attempts[0]!.ksoDate).not.toBe(attempts[1]!.ksoDate);
    expect(attempts[0]!.ksoAuthorization).not.toBe(attempts[1]!.ksoAuthorization);
    expect(wps.tokens.fetches).toBe(2);
    expect(s.wps.users.get('w-1')).toBe('disabled');
  });

  it('every call in a run gets its own date and signature', async () => {
    const s = await start();
    const outcomes = await disableActivity(client(s, { now: tickingClock() }), ['w-1', 'w-2']);
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'done']);
    const dates = s.wps.calls.map((c) => c.ksoDate);
    const signatures = s.wps.calls.map((c) => c.ksoAuthorization);
    expect(s.wps.calls).toHaveLength(3); // read, disable, read back
    expect(new Set(dates).size).toBe(3);
    expect(new Set(signatures).size).toBe(3);
  });
});

describe('WPS simulator: KSO-1 and Bearer checked exactly', () => {
  async function raw(
    s: RunningSimulators,
    token: string,
    opts: { body?: string; signBody?: string; date?: string; omit?: string[]; bearer?: string } = {},
  ): Promise<{ status: number; code: number }> {
    const body = opts.body ?? '{"user_ids":["w-1"]}';
    const date = opts.date ?? kso1Date(new Date());
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'X-Kso-Date': date,
      'X-Kso-Authorization': kso1Authorization({
        method: 'POST',
        requestUri: '/v7/users/batch_read',
        contentType: 'application/json',
        date,
        body: Buffer.from(opts.signBody ?? body),
        appId: s.credentials.wpsAppId,
        appKey: s.credentials.wpsAppKey,
      }),
      Authorization: `Bearer ${opts.bearer ?? token}`,
    };
    for (const h of opts.omit ?? []) delete headers[h];
    const res = await fetch(`${s.wpsUrl}/v7/users/batch_read`, { method: 'POST', headers, body });
    const json = (await res.json()) as { code: number };
    return { status: res.status, code: json.code };
  }

  it('accepts a correct request and rejects a wrong signature, a missing header, a date > 15 min off, a bad Bearer', async () => {
    const s = await start();
    const token = await client(s).tokens.get();
    const bad = { status: 403, code: WPS_CODES.signatureInvalid };
    expect(await raw(s, token)).toEqual({ status: 200, code: 0 });
    // Re-serialised body (a space added): the signature no longer covers what was sent.
    expect(await raw(s, token, { body: '{"user_ids": ["w-1"]}', signBody: '{"user_ids":["w-1"]}' })).toEqual(
      bad,
    );
    expect(await raw(s, token, { omit: ['X-Kso-Authorization'] })).toEqual(bad);
    expect(await raw(s, token, { omit: ['X-Kso-Date'] })).toEqual(bad);
    expect(await raw(s, token, { date: kso1Date(new Date(Date.now() - 16 * 60_000)) })).toEqual(bad);
    expect(await raw(s, token, { date: kso1Date(new Date(Date.now() + 16 * 60_000)) })).toEqual(bad);
    expect(await raw(s, token, { date: kso1Date(new Date(Date.now() - 14 * 60_000)) })).toEqual({
      status: 200,
      code: 0,
    });
    expect(await raw(s, token, { bearer: 'not-a-token' })).toEqual({
      status: 401,
      code: WPS_CODES.tokenInvalid,
    });
    expect(await raw(s, token, { omit: ['Authorization'] })).toEqual({
      status: 401,
      code: WPS_CODES.tokenInvalid,
    });
    expect(s.wps.calls.map((c) => c.signatureValid)).toEqual([
      true,
      false,
      false,
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
  });
});

describe('WPS connector: app token', () => {
  it('twenty concurrent calls share one token fetch', async () => {
    const s = await start();
    const wps = client(s);
    await Promise.all(Array.from({ length: 20 }, () => wps.readUsers(['w-1', 'w-2'])));
    expect(wps.tokens.fetches).toBe(1);
    expect(s.wps.tokens.issued).toBe(1);
  });

  it('token revoked in the middle of a batch: dropped, fetched again, the call retried once; outcomes correct', async () => {
    const s = await start();
    const wps = client(s);
    // Revoke every token right after the first read, between the read and the disable.
    const revokingAfterFirstRead: WpsDirectory = {
      readUsers: async (ids) => {
        const result = await wps.readUsers(ids);
        if (s.wps.calls.length === 1) s.wps.revokeTokens();
        return result;
      },
      disableUsers: (ids) => wps.disableUsers(ids),
    };
    const outcomes = await disableActivity(revokingAfterFirstRead, ['w-1', 'w-3', 'w-4', 'w-nope']);
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'done', 'already', 'not_found']);
    expect(wps.tokens.fetches).toBe(2);
    expect(s.wps.calls.map((c) => `${c.path.slice(10)} ${c.status}`)).toEqual([
      'batch_read 200',
      'batch_disable 401',
      'batch_disable 200',
      'batch_read 200',
    ]);
    expect(statuses(s)).toMatchObject({
      'w-1': 'disabled',
      'w-3': 'disabled',
      'w-4': 'disabled',
      'w-2': 'active',
    });
  });

  it('token expiring in the middle of a batch (vendor lifetime shorter than advertised)', async () => {
    const s = await start({ tokenTtlSeconds: 1, advertisedExpiresInSeconds: 7200 });
    const wps = client(s);
    const slowAfterFirstRead: WpsDirectory = {
      readUsers: async (ids) => {
        const result = await wps.readUsers(ids);
        if (s.wps.calls.length === 1) await new Promise((r) => setTimeout(r, 1100));
        return result;
      },
      disableUsers: (ids) => wps.disableUsers(ids),
    };
    const outcomes = await disableActivity(slowAfterFirstRead, ['w-2', 'w-5']);
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'done']);
    expect(wps.tokens.fetches).toBe(2);
    expect(s.wps.calls.filter((c) => c.status === 401)).toHaveLength(1);
    expect(statuses(s)).toMatchObject({ 'w-2': 'disabled', 'w-5': 'disabled' });
  });

  it('a token refused again after the one retry is a credentials failure naming the settings and the permission', async () => {
    const s = await start({ tokenTtlSeconds: 0, advertisedExpiresInSeconds: 7200 });
    const wps = client(s);
    const err = await failureOf(wps.disableUsers(['w-1']));
    expect(err.details).toMatchObject({
      kind: 'credentials',
      httpStatus: 401,
      vendorCode: String(WPS_CODES.tokenInvalid),
    });
    expect(err.message).toContain('kso.contact.readwrite');
    expect(err.message).toMatch(/WPS_APP_ID.*WPS_APP_KEY/);
    expect(s.wps.calls).toHaveLength(2);
    expect(s.wps.users.get('w-1')).toBe('active');
  });
});

describe('WPS connector: batch_disable and batch_read', () => {
  it('refuses 0 or more than 50 ids before sending anything', async () => {
    const s = await start();
    const wps = client(s);
    for (const ids of [[], Array.from({ length: 51 }, (_, i) => `w-${i}`)]) {
      const err = await failureOf(wps.disableUsers(ids));
      expect(err.details.kind).toBe('invalidRequest');
      expect(err.message).toContain('nothing was sent');
    }
    await failureOf(wps.readUsers([]));
    expect(s.wps.calls).toHaveLength(0);
    expect(wps.tokens.fetches).toBe(0);
    // 50 is allowed.
    await wps.disableUsers(Array.from({ length: 50 }, (_, i) => `w-${i + 1}`));
    expect(s.wps.calls.at(-1)?.userIds).toHaveLength(50);
  });

  it('readUsers tells an unknown id from a disabled user', async () => {
    const s = await start();
    const read = await client(s).readUsers(['w-1', 'w-3', 'w-4', 'w-nope']);
    expect([...read.entries()]).toEqual([
      ['w-1', 'active'],
      ['w-3', 'notactive'],
      ['w-4', 'disabled'],
    ]);
    expect(read.has('w-nope')).toBe(false);
  });

  it('unknownIds=skip: an unknown id is skipped silently', async () => {
    const s = await start({ unknownIds: 'skip' });
    await client(s).disableUsers(['w-1', 'w-nope']);
    expect(statuses(s)).toMatchObject({ 'w-1': 'disabled' });
    expect(s.wps.users.has('w-nope')).toBe(false);
  });

  it('unknownIds=reject: the whole call refused without naming the id; code checked even on HTTP 200', async () => {
    for (const rejectHttpStatus of [400, 200]) {
      const s = await start({ unknownIds: 'reject', rejectHttpStatus });
      const err = await failureOf(client(s).disableUsers(['w-1', 'w-nope']));
      expect(err.details).toMatchObject({
        kind: 'invalidRequest',
        httpStatus: rejectHttpStatus,
        vendorCode: String(WPS_CODES.usersNotFound),
        vendorMessage: 'user not found',
      });
      expect(err.details.vendorRequestId).toMatch(/^wps-sim-req-/);
      expect(err.toApplicationFailure().nonRetryable).toBe(true);
      expect(s.wps.users.get('w-1')).toBe('active');
      await s.close();
    }
  });

  it('unknownIds=reject: the activity sends only known ids, so every user gets the right outcome', async () => {
    const s = await start({ unknownIds: 'reject' });
    const outcomes = await disableActivity(client(s), ['w-1', 'w-nope', 'w-4', 'w-5']);
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'not_found', 'already', 'done']);
    expect(s.wps.calls.find((c) => c.path.endsWith('batch_disable'))?.userIds).toEqual(['w-1', 'w-5']);
  });

  it('disableDisabled=reject: the call is refused; the activity sends only users not yet disabled', async () => {
    const s = await start({ disableDisabled: 'reject' });
    const err = await failureOf(client(s).disableUsers(['w-1', 'w-4']));
    expect(err.details).toMatchObject({
      kind: 'invalidRequest',
      vendorCode: String(WPS_CODES.userAlreadyDisabled),
    });
    expect(s.wps.users.get('w-1')).toBe('active');
    const outcomes = await disableActivity(client(s), ['w-1', 'w-4']);
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'already']);
  });

  it('disableDisabled=noop: disabling a disabled user succeeds', async () => {
    const s = await start({ disableDisabled: 'noop' });
    await client(s).disableUsers(['w-1', 'w-4']);
    expect(statuses(s)).toMatchObject({ 'w-1': 'disabled', 'w-4': 'disabled' });
  });

  it('maxIdsPerCall: more ids than the vendor allows is refused with a code, not retried', async () => {
    const s = await start({ maxIdsPerCall: 2 });
    const err = await failureOf(client(s).disableUsers(['w-1', 'w-2', 'w-3']));
    expect(err.details).toMatchObject({ kind: 'invalidRequest', vendorCode: String(WPS_CODES.tooManyIds) });
    expect(s.wps.calls).toHaveLength(1);
    s.wps.configure({ maxIdsPerCall: 50 });
    await client(s).disableUsers(['w-1', 'w-2', 'w-3']);
    expect(statuses(s)).toMatchObject({ 'w-1': 'disabled', 'w-2': 'disabled', 'w-3': 'disabled' });
  });

  it('behaviour switches can change while the simulator runs', async () => {
    const s = await start();
    const wps = client(s);
    await wps.disableUsers(['w-1', 'w-nope']);
    s.wps.configure({ unknownIds: 'reject' });
    await failureOf(wps.disableUsers(['w-2', 'w-nope']));
    expect(s.wps.settings.unknownIds).toBe('reject');
    expect(statuses(s)).toMatchObject({ 'w-1': 'disabled', 'w-2': 'active' });
  });
});

describe('WPS connector: signature rejection', () => {
  it('a clock far off: non-retryable VendorSignatureRejected that says to check WPS_APP_ID, WPS_APP_KEY and the clock', async () => {
    const s = await start();
    const wps = client(s, { now: () => new Date(Date.now() - 60 * 60_000) });
    const failure = await disableActivity(wps, ['w-1']).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    const af = failure as ApplicationFailure;
    expect(af.type).toBe('VendorSignatureRejected');
    expect(af.nonRetryable).toBe(true);
    expect(af.message).toContain("check WPS_APP_ID, WPS_APP_KEY and this machine's clock");
    expect(af.details?.[0]).toMatchObject({
      httpStatus: 403,
      vendorCode: String(WPS_CODES.signatureInvalid),
      vendorRequestId: expect.stringMatching(/^wps-sim-req-/) as unknown,
    });
    // Not retried as a token problem: one call only.
    expect(s.wps.calls).toHaveLength(1);
    expect(s.wps.calls[0]?.signatureValid).toBe(false);
    expect(s.wps.users.get('w-1')).toBe('active');
  });
});
