import { createHmac } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { Secret } from '../../activities/shared/secret';
import { createWebhookServer, temporalCallsSettled } from '../../webhook/server';
import { freePort } from '../../scripts/lib/ports';

/**
 * The webhook server in process, with a Temporal server that is not there: what it answers when
 * Temporal is down, and its injected clock and secret provider. (Everything else, against a real
 * server: test/e2e/webhook.test.ts.)
 */
describe('webhook server without Temporal', () => {
  let server: http.Server;
  let base: string;
  let connection: Connection;
  let clockMs = Date.parse('2026-11-30T10:00:00Z');
  let secret = 'first-secret-0123456789';
  const lines: string[] = [];

  beforeAll(async () => {
    // No gRPC retry interceptor: each call fails at once instead of after the SDK's ~20 s of retries.
    connection = Connection.lazy({
      address: `127.0.0.1:${await freePort()}`,
      connectTimeout: 500,
      interceptors: [],
    });
    server = createWebhookServer({
      secret: () => new Secret(secret),
      client: new Client({ connection }),
      taskQueue: 'offboarding',
      namespace: 'default',
      now: () => clockMs,
      temporalTimeoutMs: 1_000,
      log: (line) => lines.push(line),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await connection.close().catch(() => undefined);
  });

  function send(body: string, timestamp: number, key = secret): Promise<Response> {
    const ts = String(Math.floor(timestamp / 1000));
    return fetch(`${base}/hr/offboarding-events`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'X-HR-Event-Id': 'evt-1',
        'X-HR-Timestamp': ts,
        'X-HR-Signature': `v1=${createHmac('sha256', key).update(`${ts}.${body}`).digest('hex')}`,
      },
      body,
    });
  }
  const body = JSON.stringify({ leavers: [{ wpsUserId: 'wps-1' }] });

  it('reports itself unhealthy', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable', temporal: 'unreachable' });
  }, 30_000);

  it('answers a valid event 503 with Retry-After, so that HR retries it', async () => {
    const res = await send(body, clockMs);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toEqual({
      error: 'unavailable',
      message: 'the Temporal server is unreachable or overloaded; retry later',
    });
  }, 60_000);

  it('with the SDK’s retries on (as in production), answers 503 at the deadline, not after the retries', async () => {
    // The SDK retries an unreachable server with backoff sleeps of up to 5 s and used to notice the
    // deadline only after one: a 10 s deadline answered after about 14 s (1 s here: about 1.8 s).
    const retrying = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 500 });
    const log: string[] = [];
    const hook = createWebhookServer({
      secret: () => new Secret(secret),
      client: new Client({ connection: retrying }),
      taskQueue: 'offboarding',
      namespace: 'default',
      now: () => clockMs,
      temporalTimeoutMs: 1_000,
      log: (line) => log.push(line),
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    try {
      const ts = String(Math.floor(clockMs / 1000));
      const res = await fetch(
        `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hr/offboarding-events`,
        {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'X-HR-Event-Id': 'evt-retrying',
            'X-HR-Timestamp': ts,
            'X-HR-Signature': `v1=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`,
          },
          body,
        },
      );
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toEqual({
        error: 'unavailable',
        message: 'the Temporal server did not answer within 1 s; retry later',
      });
      // The webhook's own measure, from its log line: bounded (generously: never a measure of speed).
      const line = log.find((l) => / 503 event=evt-retrying /.test(l)) ?? '';
      expect(line).toMatch(/unavailable \(no answer within 1 s\) \(\d+ ms\)$/);
      expect(Number(/\((\d+) ms\)$/.exec(line)?.[1])).toBeLessThan(20_000);
    } finally {
      await new Promise<void>((resolve) => hook.close(() => resolve()));
      // The SDK's retry asleep at the deadline must wake up before the connection closes.
      await temporalCallsSettled(hook);
      await retrying.close().catch(() => undefined);
    }
  }, 60_000);

  it('judges freshness by its own clock', async () => {
    clockMs += 301_000;
    const res = await send(body, clockMs - 301_000);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toMatch(/^X-HR-Timestamp is 301 s old/);
  });

  it('asks its secret provider on every request (a rotated secret applies at once)', async () => {
    const old = secret;
    secret = 'second-secret-0123456789';
    expect((await send(body, clockMs, old)).status).toBe(401);
    // Validation comes after the signature: a 400 here proves the new secret was accepted.
    expect((await send('{"leavers": []}', clockMs)).status).toBe(400);
  });

  it('refuses a repeated key, an impossible date, one employee twice, a comma in an Authing id and custom_field: 400 before Temporal is asked', async () => {
    // Temporal is down here: a 400 (not a 503) shows each was refused before any call to it.
    const duplicate = await send(
      '{"leavers": [\n  {"wpsUserId": "person-a",\n   "wpsUserId": "person-b"}]}',
      clockMs,
    );
    expect(duplicate.status).toBe(400);
    const answer = await duplicate.text();
    expect(JSON.parse(answer)).toEqual({
      error: 'malformed_json',
      message:
        'the body is not JSON: line 3, column 4: the key leavers[0].wpsUserId is given twice in one object (first at line 2, column 4)',
    });
    expect(answer).not.toMatch(/person-/);

    const invalid = await send(
      JSON.stringify({
        effectiveAt: '2026-02-30T18:00:00+08:00',
        authingUserIdType: 'custom_field',
        leavers: [
          { employeeId: 'E1', wpsUserId: 'wps-1', authingUserId: 'au-1,au-2' },
          { employeeId: 'E1', wpsUserId: 'wps-2' },
        ],
      }),
      clockMs,
    );
    expect(invalid.status).toBe(400);
    const { error, issues } = (await invalid.json()) as { error: string; issues: Array<{ field: string }> };
    expect(error).toBe('invalid_request');
    expect(issues.map((i) => i.field)).toEqual([
      'effectiveAt',
      'authingUserIdType',
      'leavers[0] (employee E1).authingUserId',
      'leavers[1] (employee E1).employeeId',
    ]);
  });

  it('logs neither secret', () => {
    expect(lines.join('\n')).not.toMatch(/first-secret|second-secret/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^hr-webhook: GET \/healthz 503 temporal unreachable/),
    );
  });
});
