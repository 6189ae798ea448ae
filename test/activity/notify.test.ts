import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ApplicationFailure, type Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  createNotifyActivities,
  NOTIFY_FAILURE_TYPES,
  type NotifyTarget,
  type SentNotification,
} from '../../activities/notify';
import { Secret } from '../../activities/shared/secret';
import { verifySignature } from '../../webhook/signature';
import type { RunNotification } from '../../workflows/notification';
import { childEnv, ROOT } from '../support/compiled';
import { CapturingLogger } from '../support/logger';
import { RunningProcess } from '../support/processes';

/**
 * activities/notify/: `notifyRun` POSTs one signed notification to a real HTTP receiver on loopback,
 * and fails retryably or not by the receiver's answer, never showing the secret or the body.
 */

const SECRET = 'notify-secret-Zq81-never-shown';
const REASON = 'WPS 365 refused 3 users: retrying until the deadline';

const notification: RunNotification = {
  requestId: 'hr-2026/11 0042',
  workflowId: 'offboarding-hr-2026/11 0042',
  phase: 'needs_attention',
  reason: REASON,
  leavers: 120,
  remaining: 3,
  failed: 3,
  notFound: 0,
  waived: 0,
  deadline: '2026-12-01T10:00:00.000Z',
};

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A loopback HTTP receiver that records every request and answers as `answer` says. */
class Receiver {
  readonly requests: Received[] = [];
  answer: (res: http.ServerResponse) => void = (res) => res.writeHead(204).end();
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.requests.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      this.answer(res);
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function target(url: string, extra: Partial<NotifyTarget> = {}): NotifyTarget {
  return {
    url,
    secret: new Secret(SECRET),
    uiBaseUrl: 'http://ui.example:8233/',
    namespace: 'offboarding',
    ...extra,
  };
}

async function notify(
  to: NotifyTarget | undefined,
  logger: Logger = new CapturingLogger(),
  what: RunNotification = notification,
): Promise<void> {
  const { notifyRun } = createNotifyActivities(to);
  await new MockActivityEnvironment(undefined, { logger }).run(notifyRun, what);
}

/** The failure `notifyRun` threw; none shows the secret, the signature or the body. */
async function failureOf(to: NotifyTarget): Promise<ApplicationFailure> {
  let failure: unknown;
  try {
    await notify(to);
  } catch (err) {
    failure = err;
  }
  expect(failure).toBeInstanceOf(ApplicationFailure);
  const shown = failure as ApplicationFailure;
  expect(shown.cause).toBeUndefined();
  for (const text of [
    shown.message,
    String(shown.stack),
    JSON.stringify(shown),
    JSON.stringify(shown.details),
  ]) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('v1=');
    expect(text).not.toContain(REASON);
    expect(text).not.toContain(notification.requestId);
  }
  return shown;
}

describe('notifyRun', () => {
  const receiver = new Receiver();
  let base: string;

  beforeAll(async () => {
    base = await receiver.start();
  });
  afterAll(() => receiver.close());
  beforeEach(() => {
    receiver.requests.length = 0;
    receiver.answer = (res) => res.writeHead(204).end();
  });

  it('POSTs the notification, its time and the run link as JSON, signed like the HR webhook', async () => {
    const before = Date.now();
    await notify(target(`${base}/hooks/offboarding?team=ops`));
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/hooks/offboarding?team=ops');
    expect(request?.headers['content-type']).toBe('application/json');

    const rawBody = request?.body ?? Buffer.alloc(0);
    const timestamp = request?.headers['x-offboarding-timestamp'] as string;
    const signature = request?.headers['x-offboarding-signature'] as string;
    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(
      verifySignature({ timestamp, signature, rawBody }, SECRET, { nowMs: Date.now(), toleranceSeconds: 60 }),
    ).toEqual({
      ok: true,
      signature: signature.slice(3),
    });
    // Signed over the raw body: the same body under another secret, or a changed body, does not verify.
    expect(
      verifySignature({ timestamp, signature, rawBody }, 'another-secret', {
        nowMs: Date.now(),
        toleranceSeconds: 60,
      }).ok,
    ).toBe(false);
    expect(
      verifySignature(
        {
          timestamp,
          signature,
          rawBody: Buffer.from(rawBody.toString().replace('"remaining":3', '"remaining":0')),
        },
        SECRET,
        {
          nowMs: Date.now(),
          toleranceSeconds: 60,
        },
      ).ok,
    ).toBe(false);

    const body = JSON.parse(rawBody.toString('utf8')) as SentNotification;
    expect(body).toEqual({
      ...notification,
      sentAt: expect.any(String),
      link: 'http://ui.example:8233/namespaces/offboarding/workflows/offboarding-hr-2026%2F11%200042',
    });
    const sentAt = Date.parse(body.sentAt);
    expect(new Date(sentAt).toISOString()).toBe(body.sentAt);
    expect(sentAt).toBeGreaterThanOrEqual(before);
    expect(sentAt).toBeLessThanOrEqual(Date.now());
    expect(Number(timestamp)).toBe(Math.floor(sentAt / 1000));
  });

  it('sends a notification without a deadline as it is (the run ended)', async () => {
    const { deadline: _deadline, ...ended } = notification;
    await notify(target(base), undefined, { ...ended, phase: 'completed', remaining: 0, waived: 3 });
    const body = JSON.parse(receiver.requests[0]?.body.toString() ?? '') as Record<string, unknown>;
    expect(body).toMatchObject({ phase: 'completed', remaining: 0, waived: 3 });
    expect('deadline' in body).toBe(false);
  });

  it.each([500, 502, 503, 408, 429, 302])('throws a retryable failure on HTTP %i', async (status) => {
    receiver.answer = (res) =>
      res.writeHead(status, { Location: `${base}/elsewhere` }).end('{"error":"busy"}');
    const failure = await failureOf(target(base));
    expect(failure.nonRetryable).toBe(false);
    expect(failure.type).toBe(NOTIFY_FAILURE_TYPES.unavailable);
    expect(failure.message).toBe(`notification to ${new URL(base).host} answered HTTP ${status}; retried`);
    // A redirect is not followed: one request, to the configured URL.
    expect(receiver.requests.map((r) => r.url)).toEqual(['/']);
  });

  it.each([400, 401, 403, 404, 410, 413])('throws a non-retryable failure naming HTTP %i', async (status) => {
    receiver.answer = (res) => res.writeHead(status).end();
    const failure = await failureOf(target(base));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe(NOTIFY_FAILURE_TYPES.rejected);
    expect(failure.message).toContain(`refused with HTTP ${status}; not retried`);
    expect(failure.message).toContain('OFFBOARD_NOTIFY_SECRET');
  });

  it('throws a retryable failure when nothing listens', async () => {
    const closed = new Receiver();
    const url = await closed.start();
    await closed.close();
    const failure = await failureOf(target(`${url}/hook`));
    expect(failure.nonRetryable).toBe(false);
    expect(failure.type).toBe(NOTIFY_FAILURE_TYPES.unavailable);
    expect(failure.message).toBe(
      `notification to ${new URL(url).host}: could not be sent (ECONNREFUSED); retried`,
    );
  });

  it('throws a retryable failure when the receiver does not answer in time', async () => {
    receiver.answer = () => undefined; // never answers
    const failure = await failureOf(target(base, { timeoutMs: 300 }));
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toBe(`notification to ${new URL(base).host}: no answer within 300 ms; retried`);
  });

  it('without a URL sends nothing and says once that notifications are off', async () => {
    const logger = new CapturingLogger();
    const { notifyRun } = createNotifyActivities(undefined);
    const env = new MockActivityEnvironment(undefined, { logger });
    await env.run(notifyRun, notification);
    await env.run(notifyRun, { ...notification, phase: 'failed' as const });
    expect(receiver.requests).toHaveLength(0);
    const off = logger.lines.filter((l) => l.message.includes('notifications are off'));
    expect(off).toHaveLength(1);
    expect(off[0]?.level).toBe('INFO');
    expect(off[0]?.message).toContain('OFFBOARD_NOTIFY_URL');
  });

  it('never logs the secret or the body when it sends', async () => {
    const logger = new CapturingLogger();
    await notify(target(base), logger);
    const logged = JSON.stringify(logger.lines);
    expect(logged).toContain('notification sent');
    expect(logged).not.toContain(SECRET);
    expect(logged).not.toContain(REASON);
  });
});

describe('examples/notify-relay.js', () => {
  const chat = new Receiver();
  let relay: RunningProcess;
  let relayUrl: string;

  beforeAll(async () => {
    const chatUrl = await chat.start();
    relay = new RunningProcess(process.execPath, [path.join(ROOT, 'examples', 'notify-relay.js')], {
      env: childEnv({
        OFFBOARD_NOTIFY_SECRET: SECRET,
        CHAT_WEBHOOK_URL: `${chatUrl}/services/T000/B000/XXXX`,
        RELAY_PORT: '0',
      }),
    });
    await relay.waitForOutput(/listening on port \d+/, 30_000);
    relayUrl = `http://127.0.0.1:${/listening on port (\d+)/.exec(relay.stdout)?.[1]}/`;
  });
  afterAll(async () => {
    relay?.child.kill('SIGTERM');
    await relay?.finished(10_000);
    await chat.close();
  });
  beforeEach(() => {
    chat.requests.length = 0;
    chat.answer = (res) => res.writeHead(200).end('ok');
  });

  it('checks the signature and forwards one line of text to the chat webhook', async () => {
    await notify(target(relayUrl));
    expect(chat.requests).toHaveLength(1);
    expect(chat.requests[0]?.url).toBe('/services/T000/B000/XXXX');
    const { text } = JSON.parse(chat.requests[0]?.body.toString() ?? '') as { text: string };
    expect(text).toBe(
      `Offboarding ${notification.requestId}: needs_attention. ${REASON} (3 of 120 leavers not cut off, ` +
        `deadline ${notification.deadline}) http://ui.example:8233/namespaces/offboarding/workflows/offboarding-hr-2026%2F11%200042`,
    );
  });

  it('refuses a notification signed with another secret (the activity does not retry it)', async () => {
    const failure = await failureOf({ ...target(relayUrl), secret: new Secret('not-the-relays-secret') });
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('HTTP 401');
    expect(chat.requests).toHaveLength(0);
  });

  it('answers 502 when the chat service fails, which the activity retries', async () => {
    chat.answer = (res) => res.writeHead(500).end();
    const failure = await failureOf(target(relayUrl));
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('HTTP 502');
  });
});
