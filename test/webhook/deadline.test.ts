import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Secret } from '../../activities/shared/secret';
import {
  createWebhookServer,
  DEFAULT_TEMPORAL_TIMEOUT_MS,
  EVENTS_PATH,
  HEALTH_PATH,
  HEALTH_TIMEOUT_MS,
  isUnavailable,
  TemporalDeadlineError,
  withinDeadline,
  type DeadlineTimer,
} from '../../webhook/server';

/**
 * One deadline bounds what the webhook waits for Temporal, whatever the SDK does meanwhile (its
 * retries of an unreachable server sleep past a gRPC deadline: 10 s became about 14). Timers are
 * injected: nothing here waits for a deadline to pass. The same against a real unreachable server,
 * on a real clock: webhook-server.test.ts.
 */

/** A timer fired by the test: records what it was armed for. */
interface ManualTimer {
  timer: DeadlineTimer;
  armed: number[];
  disarmed: number;
  fire: () => void;
}

function manualTimer(): ManualTimer {
  const pending: Array<() => void> = [];
  const state: ManualTimer = {
    armed: [],
    disarmed: 0,
    timer: (ms, fire) => {
      state.armed.push(ms);
      pending.push(fire);
      return () => (state.disarmed += 1);
    },
    fire: () => pending.splice(0).forEach((f) => f()),
  };
  return state;
}

describe('withinDeadline', () => {
  const never = (): Promise<never> => new Promise<never>(() => undefined);

  it('gives the calls a gRPC deadline timeoutMs from now, and gives up when the timer fires', async () => {
    const deadlines: number[] = [];
    const client = {
      withDeadline: <R>(deadline: number | Date, fn: () => Promise<R>) => {
        deadlines.push(Number(deadline));
        return fn();
      },
    };
    const t = manualTimer();
    const before = Date.now();
    const call = withinDeadline(client, 7_000, never, t.timer);
    const after = Date.now();
    expect(t.armed).toEqual([7_000]);
    expect(deadlines[0]).toBeGreaterThanOrEqual(before + 7_000);
    expect(deadlines[0]).toBeLessThanOrEqual(after + 7_000);
    t.fire();
    const err: unknown = await call.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemporalDeadlineError);
    expect((err as TemporalDeadlineError).message).toBe('the Temporal server did not answer within 7 s');
    expect(isUnavailable(err)).toBe(true);
  });

  it('an answer in time disarms the timer; a failure in time is passed on as it is', async () => {
    const client = { withDeadline: <R>(_d: number | Date, fn: () => Promise<R>) => fn() };
    const t = manualTimer();
    await expect(withinDeadline(client, 1_000, () => Promise.resolve('ok'), t.timer)).resolves.toBe('ok');
    const boom = new Error('boom');
    await expect(withinDeadline(client, 1_000, () => Promise.reject(boom), t.timer)).rejects.toBe(boom);
    expect(t.disarmed).toBe(2);
  });

  it('what the calls settle with after the deadline is dropped', async () => {
    let fail: (err: Error) => void = () => undefined;
    const client = { withDeadline: <R>(_d: number | Date, fn: () => Promise<R>) => fn() };
    const t = manualTimer();
    const call = withinDeadline(
      client,
      1_000,
      () => new Promise<never>((_resolve, reject) => (fail = reject)),
      t.timer,
    );
    t.fire();
    await expect(call).rejects.toBeInstanceOf(TemporalDeadlineError);
    fail(new Error('too late')); // no unhandled rejection
  });
});

describe('webhook with a Temporal server that never answers', () => {
  // Accepts connections and says nothing: every call hangs until its gRPC deadline.
  const sockets: net.Socket[] = [];
  const blackhole = net.createServer((socket) => sockets.push(socket));
  let connection: Connection;
  let server: http.Server;
  let base: string;
  const t = manualTimer();
  const lines: string[] = [];
  const secret = 'a-secret-0123456789';

  beforeAll(async () => {
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    // Without the SDK's retries (none is needed to hang here), so that closing the connection
    // cancels everything: a retry asleep would wake up on a closed connection and throw.
    connection = Connection.lazy({
      address: `127.0.0.1:${(blackhole.address() as net.AddressInfo).port}`,
      interceptors: [],
    });
    server = createWebhookServer({
      secret: new Secret(secret),
      client: new Client({ connection }),
      taskQueue: 'offboarding',
      namespace: 'default',
      deadlineTimer: (ms, fire) => {
        const disarm = t.timer(ms, fire);
        // Fired at once: the calls hang (the server says nothing), so a 503 can only be the deadline's.
        setImmediate(() => t.fire());
        return disarm;
      },
      log: (line) => lines.push(line),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await connection.close().catch(() => undefined);
    sockets.forEach((s) => s.destroy());
    await new Promise<void>((resolve) => blackhole.close(() => resolve()));
  });

  it('an event: 503 at the default deadline, DEFAULT_TEMPORAL_TIMEOUT_MS (10 s), saying so', async () => {
    const body = JSON.stringify({ leavers: [{ wpsUserId: 'wps-1' }] });
    const ts = String(Math.floor(Date.now() / 1000));
    const res = await fetch(`${base}${EVENTS_PATH}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-HR-Event-Id': 'evt-1',
        'X-HR-Timestamp': ts,
        'X-HR-Signature': `v1=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`,
      },
      body,
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toEqual({
      error: 'unavailable',
      message: 'the Temporal server did not answer within 10 s; retry later',
    });
    expect(DEFAULT_TEMPORAL_TIMEOUT_MS).toBe(10_000);
    expect(t.armed).toEqual([DEFAULT_TEMPORAL_TIMEOUT_MS]);
    expect(lines).toContainEqual(
      expect.stringMatching(/ 503 event=evt-1 unavailable \(no answer within 10 s\) /),
    );
  });

  it('health: 503 at HEALTH_TIMEOUT_MS (2 s)', async () => {
    const res = await fetch(`${base}${HEALTH_PATH}`);
    expect(res.status).toBe(503);
    expect(t.armed.at(-1)).toBe(HEALTH_TIMEOUT_MS);
  });

  it('docs/webhook.md gives the same deadlines', () => {
    const doc = fs.readFileSync(path.join(__dirname, '../../docs/webhook.md'), 'utf8');
    const row = (status: string): string => doc.split('\n').find((l) => l.startsWith(`| ${status} `)) ?? '';
    expect(row('503')).toContain(`within ${DEFAULT_TEMPORAL_TIMEOUT_MS / 1000} s`);
    const health = doc.split('\n').find((l) => l.includes('`GET /healthz`')) ?? '';
    expect(health).toContain(`within ${HEALTH_TIMEOUT_MS / 1000} s`);
  });
});
