import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/lib/ports';
import { generateDirectory } from '../../simulators/directory';
import { workflowIdFor } from '../../workflows/request';
import { buildDist, childEnv, ROOT, WEBHOOK } from '../support/compiled';
import { startWorkflowHarness, type WorkflowHarness } from '../support/harness';
import { RunningProcess } from '../support/processes';

const UI = 'http://ui.example.test:8233';
const MAX_BODY_BYTES = 64 * 1024;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
}

/**
 * The HR webhook as deployed: `node dist/webhook/main.js`, a real process with its settings
 * in the environment, against the suite's dev server with a worker and the simulators.
 */
describe('HR webhook (real process, dev server, worker)', () => {
  let harness: WorkflowHarness;
  let webhook: RunningProcess;
  let base: string;
  const secret = randomBytes(32).toString('hex');

  const webhookEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv =>
    childEnv({
      HR_WEBHOOK_SECRET: secret,
      HR_WEBHOOK_PORT: '0',
      HR_WEBHOOK_HOST: '127.0.0.1',
      HR_WEBHOOK_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
      TEMPORAL_NAMESPACE: 'default',
      OFFBOARDING_TASK_QUEUE: harness.taskQueue,
      TEMPORAL_UI_URL: UI,
      // The harness's worker runs without encryption: say so, or the webhook refuses to start.
      OFFBOARD_PLAINTEXT_PAYLOADS: '1',
      ...extra,
    });

  beforeAll(async () => {
    buildDist();
    harness = await startWorkflowHarness(generateDirectory(300, 0), 'webhook');
    webhook = new RunningProcess(process.execPath, [WEBHOOK], { env: webhookEnv(), cwd: ROOT });
    await webhook.waitForOutput(/listening on http:\/\/\S+/, 60_000);
    base = /listening on (http:\/\/\S+)/.exec(webhook.stdout)?.[1] ?? '';
  }, 170_000);

  afterAll(async () => {
    if (webhook && webhook.child.exitCode === null) {
      webhook.child.kill('SIGTERM');
      await webhook.finished(30_000);
    }
    await harness?.stop();
  }, 60_000);

  const now = (): string => String(Math.floor(Date.now() / 1000));
  const sign = (timestamp: string, body: string, key = secret): string =>
    `v1=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`;

  /** A raw HTTP request (fetch would hide an early answer to a body still being sent). */
  function request(
    method: string,
    path: string,
    body: string | Buffer | undefined,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = http.request(`${base}${path}`, { method, headers }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(text) as Record<string, unknown>,
            headers: res.headers,
          }),
        );
      });
      let answered = false;
      req.on('response', () => (answered = true));
      // The server closes a connection whose body it refused; the answer came first.
      req.on('error', (err) => (answered ? undefined : reject(err)));
      req.end(body);
    });
  }

  interface Event {
    eventId?: string;
    body: string;
    timestamp?: string;
    signature?: string;
    contentType?: string;
  }
  function post(event: Event): Promise<Answer> {
    const timestamp = event.timestamp ?? now();
    const headers: Record<string, string> = {
      'Content-Type': event.contentType ?? 'application/json',
      'X-HR-Timestamp': timestamp,
      'X-HR-Signature': event.signature ?? sign(timestamp, event.body),
    };
    if (event.eventId !== undefined) headers['X-HR-Event-Id'] = event.eventId;
    return request('POST', '/hr/offboarding-events', event.body, headers);
  }
  const leavers = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({
      wpsUserId: `wps-${from + i}`,
      authingUserId: `au-${from + i}`,
    }));

  async function runsOf(workflowId: string): Promise<number> {
    let runs = 0;
    for await (const _ of harness.env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
      runs += 1;
    return runs;
  }
  async function exists(requestId: string): Promise<boolean> {
    return harness.env.client.workflow
      .getHandle(workflowIdFor(requestId))
      .describe()
      .then(
        () => true,
        () => false,
      );
  }

  it('answers its health check, and 404/405 elsewhere', async () => {
    expect(await request('GET', '/healthz', undefined)).toMatchObject({
      status: 200,
      body: { status: 'ok', temporal: 'ok' },
    });
    expect(await request('GET', '/nowhere', undefined)).toMatchObject({
      status: 404,
      body: { error: 'not_found' },
    });
    const get = await request('GET', '/hr/offboarding-events', undefined);
    expect(get).toMatchObject({ status: 405, body: { error: 'method_not_allowed' } });
    expect(get.headers.allow).toBe('POST');
    expect(await request('POST', '/healthz', '{}', { 'Content-Type': 'application/json' })).toMatchObject({
      status: 405,
    });
  });

  it('starts a run for a signed event (202 with requestId and link); the same event again starts nothing new', async () => {
    const eventId = `evt-${randomUUID()}`;
    const body = JSON.stringify({ leavers: leavers(1, 3) });
    const first = await post({ eventId, body });
    const requestId = `hr-event-${eventId}`;
    const workflowId = workflowIdFor(requestId);
    expect(first).toMatchObject({
      status: 202,
      body: {
        eventId,
        requestId,
        workflowId,
        existing: false,
        uiUrl: `${UI}/namespaces/default/workflows/${workflowId}`,
      },
    });
    const result = await harness.env.client.workflow.getHandle(workflowId).result();
    expect(result).toMatchObject({ status: 'completed', leavers: 3 });
    expect(harness.sims.wps.users.get('wps-1')).toBe('disabled');

    // HR retries the event (a new delivery: new timestamp and signature, same id and body).
    await new Promise((r) => setTimeout(r, 1100));
    const retried = await post({ eventId, body });
    expect(retried).toMatchObject({ status: 202, body: { eventId, requestId, existing: true } });
    expect(await runsOf(workflowId)).toBe(1);
  }, 60_000);

  it('uses the body’s requestId when it has one; reusing it for other leavers is a 409', async () => {
    const requestId = `hr-${randomUUID()}`;
    const body = JSON.stringify({ requestId, leavers: leavers(10, 2) });
    expect(await post({ eventId: `evt-${randomUUID()}`, body })).toMatchObject({
      status: 202,
      body: { requestId, existing: false },
    });
    expect(await post({ eventId: `evt-${randomUUID()}`, body })).toMatchObject({
      status: 202,
      body: { requestId, existing: true },
    });
    const other = JSON.stringify({ requestId, leavers: leavers(20, 1) });
    const conflict = await post({ eventId: `evt-${randomUUID()}`, body: other });
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toContain(
      `requestId ${requestId} was already submitted with different content`,
    );
  }, 60_000);

  it('refuses tampered and unsigned events with 401, starting nothing', async () => {
    const eventId = `evt-${randomUUID()}`;
    const body = JSON.stringify({ leavers: leavers(30, 1) });
    const timestamp = now();
    const signature = sign(timestamp, body);
    const cases: Array<[Event, RegExp]> = [
      [{ eventId, body: body.replace('wps-30', 'wps-31'), timestamp, signature }, /does not match/],
      [{ eventId, body, timestamp: String(Number(timestamp) - 1), signature }, /does not match/],
      [{ eventId, body, signature: sign(timestamp, body, 'not-the-shared-secret') }, /does not match/],
      [{ eventId, body, signature: '' }, /X-HR-Signature header is missing/],
      [{ eventId, body, timestamp: '' }, /X-HR-Timestamp header is missing/],
      [{ eventId, body, signature: signature.slice(3) }, /v1=<64 hex digits/],
    ];
    for (const [event, reason] of cases) {
      const answer = await post(event);
      expect(answer).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
      expect(answer.body.message).toMatch(reason);
    }
    expect(await exists(`hr-event-${eventId}`)).toBe(false);
  }, 60_000);

  it('refuses replays: a stale or future timestamp, and a signature reused under another event id', async () => {
    const eventId = `evt-${randomUUID()}`;
    const body = JSON.stringify({ leavers: leavers(40, 1) });
    const stale = String(Math.floor(Date.now() / 1000) - 301);
    const old = await post({ eventId, body, timestamp: stale });
    expect(old).toMatchObject({ status: 401 });
    expect(old.body.message).toMatch(/^X-HR-Timestamp is 30\d s old; at most 300 s are accepted/);
    const ahead = await post({ eventId, body, timestamp: String(Math.floor(Date.now() / 1000) + 3600) });
    expect(ahead.body.message).toMatch(/in the future/);
    expect(await exists(`hr-event-${eventId}`)).toBe(false);

    // Captured in flight and sent again under a made-up event id, within the window.
    const timestamp = now();
    const signature = sign(timestamp, body);
    expect(await post({ eventId, body, timestamp, signature })).toMatchObject({ status: 202 });
    const replay = await post({ eventId: `evt-${randomUUID()}`, body, timestamp, signature });
    expect(replay).toMatchObject({
      status: 401,
      body: { message: 'this signature was already used with another X-HR-Event-Id' },
    });
    // The same delivery repeated as is (a network retry) is the same event: the existing run.
    expect(await post({ eventId, body, timestamp, signature })).toMatchObject({
      status: 202,
      body: { existing: true },
    });
  }, 60_000);

  it('answers a malformed body with 400 and a precise message', async () => {
    const notJson = await post({
      eventId: `evt-${randomUUID()}`,
      body: '{"leavers": [\n  {"wpsUserId": "w1"},\n]}',
    });
    expect(notJson).toMatchObject({
      status: 400,
      body: {
        error: 'malformed_json',
        message: "the body is not JSON: line 3, column 1: expected a value, found ']'",
      },
    });

    const invalid = await post({
      eventId: `evt-${randomUUID()}`,
      body: JSON.stringify({
        authingUserIdType: 'userid',
        leavers: [{ employeeId: 'E1' }, { wpsUserId: 'a b' }],
      }),
    });
    expect(invalid).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(invalid.body.issues).toEqual([
      { field: 'authingUserIdType', message: expect.stringContaining('must be one of user_id, external_id') },
      { field: 'leavers[0] (employee E1)', message: 'needs at least one of wpsUserId, authingUserId' },
      { field: 'leavers[1].wpsUserId', message: 'must not contain whitespace' },
    ]);

    const array = await post({ eventId: `evt-${randomUUID()}`, body: '[]' });
    expect(array).toMatchObject({
      status: 400,
      body: { issues: [{ field: '(request)', message: 'must be a JSON object' }] },
    });

    const body = JSON.stringify({ leavers: leavers(50, 1) });
    expect(await post({ body })).toMatchObject({ status: 400, body: { error: 'invalid_event_id' } });
    expect(await post({ eventId: 'has space', body })).toMatchObject({
      status: 400,
      body: { error: 'invalid_event_id' },
    });
    expect(await post({ eventId: `evt-${randomUUID()}`, body, contentType: 'text/plain' })).toMatchObject({
      status: 415,
      body: { error: 'unsupported_media_type' },
    });
  }, 60_000);

  it('refuses an oversized body with 413, declared or streamed, without reading it all', async () => {
    const big = JSON.stringify({ leavers: leavers(1, 1), padding: 'x'.repeat(MAX_BODY_BYTES) });
    const timestamp = now();
    const headers = {
      'Content-Type': 'application/json',
      'X-HR-Event-Id': `evt-${randomUUID()}`,
      'X-HR-Timestamp': timestamp,
      'X-HR-Signature': sign(timestamp, big),
    };
    const declared = await request('POST', '/hr/offboarding-events', big, headers);
    expect(declared).toMatchObject({ status: 413, body: { error: 'too_large', limitBytes: MAX_BODY_BYTES } });
    expect(declared.headers.connection).toBe('close');
    const streamed = await request('POST', '/hr/offboarding-events', Buffer.alloc(8 * MAX_BODY_BYTES, 'x'), {
      ...headers,
      'Transfer-Encoding': 'chunked',
    });
    expect(streamed).toMatchObject({ status: 413, body: { error: 'too_large' } });
    // Still serving.
    expect(await request('GET', '/healthz', undefined)).toMatchObject({ status: 200 });
  }, 60_000);

  it('logs a line per request without the secret or any leaver id', () => {
    const output = webhook.stdout + webhook.stderr;
    expect(output).toMatch(
      /hr-webhook: POST \/hr\/offboarding-events 202 event=evt-\S+ request=hr-event-evt-\S+ started/,
    );
    expect(output).toMatch(/hr-webhook: POST \/hr\/offboarding-events 401 unauthorized/);
    expect(output).toMatch(
      /hr-webhook: POST \/hr\/offboarding-events 400 event=evt-\S+ invalid_request \(3 problems\)/,
    );
    expect(output).not.toContain(secret);
    expect(output).not.toMatch(/wps-\d|au-\d|E1\b/);
  });

  it('examples/send-hr-event.sh signs and sends a file with the secret from HR_WEBHOOK_SECRET_FILE', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'send-hr-event-'));
    try {
      // As a secrets manager writes it: the secret and a line break, which is not part of it.
      const secretFile = path.join(dir, 'hr-webhook-secret');
      fs.writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
      const requestFile = path.join(dir, 'event.json');
      fs.writeFileSync(requestFile, JSON.stringify({ leavers: leavers(61, 1) }, null, 2));
      const eventId = `evt-${randomUUID()}`;
      const script = path.join(ROOT, 'examples', 'send-hr-event.sh');
      const send = (env: NodeJS.ProcessEnv) =>
        new RunningProcess('bash', [script, eventId, requestFile, `${base}/hr/offboarding-events`], {
          env: childEnv(env),
          cwd: ROOT,
        }).finished(30_000);

      const sent = await send({ HR_WEBHOOK_SECRET_FILE: secretFile });
      expect(sent.code).toBe(0);
      expect(sent.stderr).toContain('HTTP 202');
      const requestId = `hr-event-${eventId}`;
      expect(JSON.parse(sent.stdout)).toMatchObject({ eventId, requestId, existing: false });
      expect(await exists(requestId)).toBe(true);

      // The other way still works; both at once, or neither, is refused before anything is sent.
      const again = await send({ HR_WEBHOOK_SECRET: secret });
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ eventId, requestId, existing: true });
      const both = await send({ HR_WEBHOOK_SECRET_FILE: secretFile, HR_WEBHOOK_SECRET: secret });
      expect(both.code).toBe(2);
      expect(both.stderr).toContain('set one of HR_WEBHOOK_SECRET_FILE and HR_WEBHOOK_SECRET, not both');
      const neither = await send({});
      expect(neither.code).toBe(2);
      expect(neither.stderr).toContain('set HR_WEBHOOK_SECRET_FILE');
      const unreadable = await send({ HR_WEBHOOK_SECRET_FILE: path.join(dir, 'missing') });
      expect(unreadable.code).toBe(2);
      expect(unreadable.stderr).toContain('HR_WEBHOOK_SECRET_FILE: cannot read');
      // A refused event is not a sent one: the status is shown and the exit code says so.
      const wrong = await send({ HR_WEBHOOK_SECRET: 'not-the-secret' });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('HTTP 401');
      expect(JSON.parse(wrong.stdout)).toMatchObject({ error: expect.anything() });
      for (const finished of [sent, again, both, neither, unreadable, wrong])
        expect(finished.stdout + finished.stderr).not.toContain(secret);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('fails fast naming a missing secret, and when Temporal cannot be reached', async () => {
    const noSecret = new RunningProcess(process.execPath, [WEBHOOK], {
      env: webhookEnv({ HR_WEBHOOK_SECRET: undefined }),
      cwd: ROOT,
    });
    const missing = await noSecret.finished(30_000);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      'hr-webhook: configuration error: HR_WEBHOOK_SECRET (or HR_WEBHOOK_SECRET_FILE) is not set',
    );

    const closed = `127.0.0.1:${await freePort()}`;
    const unreachable = await new RunningProcess(process.execPath, [WEBHOOK], {
      env: webhookEnv({ TEMPORAL_ADDRESS: closed }),
      cwd: ROOT,
    }).finished(30_000);
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toContain(`cannot reach the Temporal server at ${closed}`);
    expect(unreachable.stdout + unreachable.stderr).not.toContain(secret);
  }, 60_000);

  it('stops on SIGTERM, closing its connection', async () => {
    webhook.child.kill('SIGTERM');
    const finished = await webhook.finished(30_000);
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain('hr-webhook: SIGTERM: stopping');
    expect(finished.stdout).toContain('hr-webhook: stopped');
  }, 60_000);
});
