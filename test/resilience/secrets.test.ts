import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { AesGcmPayloadCodec } from '../../codec/aes-gcm-codec';
import { dataConverterFor } from '../../codec/data-converter';
import { keyringFromEnv, type Keyring } from '../../codec/keys';
import type { SeedDirectory } from '../../simulators/directory';
import { workflowIdFor, type Leaver } from '../../workflows/request';
import { buildDist, childEnv, ROOT, runCli, WEBHOOK } from '../support/compiled';
import { RunningProcess, type Finished } from '../support/processes';
import { startSimulators, type RunningSimulators } from '../support/simulators';
import { uniqueTaskQueue } from '../support/temporal';
import { killAllWorkers, workerEnv, WorkerProcess } from '../support/worker-process';

/**
 * No secret and no token leaks. A full stack of real processes (the worker as deployed, the CLI,
 * the HR webhook) runs with recognisable credentials: the WPS app key, the Authing access key
 * secret, the webhook secret and the payload codec key, plus every token the simulators issue. It
 * does a clean run, a run whose tokens the vendors reject (so that failures and their messages are
 * produced everywhere), and a webhook event; then the workflow histories (decrypted, so that what is
 * inside the payloads is scanned too), the worker's log, every CLI output and the webhook's log and
 * answers are searched: none of them holds any credential or token. With the codec on in the worker
 * and the clients, the stored history bytes hold no leaver id either.
 */

const tag = randomBytes(4).toString('hex');
/** Every credential below starts with this, so that a partial leak is found too. */
const MARK = 'SECRET-';
const WPS_APP_KEY = `SECRET-WPS-APPKEY-7f3a-${tag}`;
const AUTHING_SECRET = `SECRET-AUTHING-AKS-9c1e-${tag}`;
const WEBHOOK_SECRET = `SECRET-HR-WEBHOOK-5d2b-${tag}`;
const CODEC_KEY = randomBytes(32);
const CODEC_KEYS = `k-secrets:${CODEC_KEY.toString('base64')}`;

const SIZE = 40;
/** Long, unique ids, so that finding one in bytes means it is there (not a chance match in ciphertext). */
const leaver = (n: number): Required<Leaver> => ({
  employeeId: `EMP-secrets-${tag}-${n}`,
  wpsUserId: `wps-secrets-${tag}-${n}`,
  authingUserId: `au-secrets-${tag}-${n}`,
});
const leavers = (from: number, count: number): Array<Required<Leaver>> =>
  Array.from({ length: count }, (_, i) => leaver(from + i));

function directory(): SeedDirectory {
  const all = leavers(1, SIZE);
  return {
    wps: all.map((l) => ({ id: l.wpsUserId, status: 'active' })),
    authing: all.map((l) => ({ userId: l.authingUserId, status: 'Activated', externalId: l.employeeId })),
  };
}

describe('no secret or token in histories, logs, CLI output or error messages (real processes)', () => {
  let sims: RunningSimulators;
  let worker: WorkerProcess;
  let connection: Connection;
  /** Without the codec: sees the history as the server stores it. */
  let plain: Client;
  let keyring: Keyring;
  let dir: string;
  let taskQueue: string;
  const outputs: Array<{ what: string; text: string }> = [];
  const workflowIds: string[] = [];

  const cliEnv = (): NodeJS.ProcessEnv =>
    childEnv({
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
      TEMPORAL_NAMESPACE: 'default',
      OFFBOARDING_TASK_QUEUE: taskQueue,
      PAYLOAD_CODEC_KEYS: CODEC_KEYS,
    });
  async function offboard(...args: string[]): Promise<Finished> {
    const finished = await runCli(args, cliEnv(), 120_000);
    outputs.push({ what: `offboard ${args.join(' ')}`, text: finished.stdout + finished.stderr });
    return finished;
  }
  const requestFile = (requestId: string, people: Leaver[]): string => {
    const file = path.join(dir, `${requestId}.json`);
    fs.writeFileSync(file, JSON.stringify({ requestId, leavers: people }));
    workflowIds.push(workflowIdFor(requestId));
    return file;
  };

  beforeAll(async () => {
    buildDist();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    keyring = keyringFromEnv({ PAYLOAD_CODEC_KEYS: CODEC_KEYS }) as Keyring;
    sims = await startSimulators(directory(), {
      wps: { appKey: WPS_APP_KEY },
      authing: { accessKeySecret: AUTHING_SECRET },
    });
    taskQueue = uniqueTaskQueue('secrets');
    const address = process.env.TEMPORAL_TEST_ADDRESS ?? '';
    connection = await Connection.connect({ address, connectTimeout: 10_000 });
    plain = new Client({ connection, namespace: 'default' });
    worker = await new WorkerProcess(
      'secrets',
      workerEnv({
        sims,
        taskQueue,
        temporalAddress: address,
        credentials: { ...sims.credentials, wpsAppKey: WPS_APP_KEY, accessKeySecret: AUTHING_SECRET },
        // DEBUG: the most the worker ever writes, Core's lines included.
        extra: { PAYLOAD_CODEC_KEYS: CODEC_KEYS, LOG_LEVEL: 'DEBUG' },
      }),
    ).started(150_000);
  }, 175_000);

  afterAll(async () => {
    await killAllWorkers();
    await connection?.close();
    await sims?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('a clean run started with the CLI: every leaver offboarded', async () => {
    const requestId = `secrets-good-${tag}`;
    const started = await offboard('start', requestFile(requestId, leavers(1, 20)), '--wait');
    expect(started.code).toBe(0);
    const result = await offboard('result', requestId, '--json');
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { status: string; totals: { authing: { done: number } } };
    expect(parsed.status).toBe('completed');
    expect(parsed.totals.authing.done).toBe(20);
    expect((await offboard('status', requestId)).code).toBe(0);
    // The client with the key reads the leaver ids back.
    expect(result.stdout).toContain(leaver(1).wpsUserId);
  }, 170_000);

  it('a run whose tokens both vendors reject: failures recorded, with the vendors’ messages', async () => {
    // Tokens that expire as they are issued, while the vendor says they last two hours; and every
    // token issued so far revoked. Each call is refused for its token, also after one renewal.
    sims.wps.configure({ tokenTtlSeconds: 0, advertisedExpiresInSeconds: 7200 });
    sims.authing.configure({ tokenTtlSeconds: 0 });
    sims.wps.revokeTokens();
    sims.authing.revokeTokens();
    const requestId = `secrets-rejected-${tag}`;
    expect((await offboard('start', requestFile(requestId, leavers(21, 10)))).code).toBe(0);
    // The run waits for an operator; cancelled, its report keeps every failure.
    for (let i = 0; ; i++) {
      const status = await offboard('status', requestId, '--json');
      const progress = (JSON.parse(status.stdout || '{}') as { progress?: { phase?: string } }).progress;
      if (progress?.phase === 'needs_attention') break;
      if (i > 120) throw new Error(`the run did not wait for attention: ${status.stdout}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect((await offboard('cancel', requestId, '--reason', 'credentials')).code).toBe(0);
    const result = await offboard('result', requestId, '--wait', '--json');
    const parsed = JSON.parse(result.stdout) as {
      status: string;
      outcomes: Array<{
        wps: { status: string; code?: string; message?: string };
        authing: { status: string };
      }>;
    };
    expect(parsed.status).toBe('cancelled');
    expect(parsed.outcomes.every((o) => o.wps.status === 'failed' && o.authing.status === 'failed')).toBe(
      true,
    );
    expect(parsed.outcomes[0]?.wps.message).toMatch(/401|token/i);
    expect((await offboard('result', requestId)).code).toBe(7);
    expect((await offboard('list', '--failed', '--json')).code).toBe(0);
    // The vendors did refuse tokens they had issued: the scan below looks for those very tokens.
    expect(sims.wps.calls.some((c) => c.status === 401)).toBe(true);
    expect(sims.authing.calls.some((c) => c.authorization === 'invalid')).toBe(true);
    sims.wps.configure({ tokenTtlSeconds: 7200, advertisedExpiresInSeconds: undefined });
    sims.authing.configure({ tokenTtlSeconds: 7200 });
  }, 170_000);

  it('an HR webhook event, a tampered one and an invalid one', async () => {
    const webhook = new RunningProcess(process.execPath, [WEBHOOK], {
      env: childEnv({
        HR_WEBHOOK_SECRET: WEBHOOK_SECRET,
        HR_WEBHOOK_PORT: '0',
        HR_WEBHOOK_HOST: '127.0.0.1',
        TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
        TEMPORAL_NAMESPACE: 'default',
        OFFBOARDING_TASK_QUEUE: taskQueue,
        PAYLOAD_CODEC_KEYS: CODEC_KEYS,
      }),
      cwd: ROOT,
    });
    try {
      await webhook.waitForOutput(/listening on http:\/\/\S+/, 60_000);
      const base = /listening on (http:\/\/\S+)/.exec(webhook.stdout)?.[1] ?? '';
      const post = async (body: string, key = WEBHOOK_SECRET): Promise<{ status: number; text: string }> => {
        const timestamp = String(Math.floor(Date.now() / 1000));
        const signature = `v1=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`;
        const res = await fetch(`${base}/hr/offboarding-events`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'X-HR-Timestamp': timestamp,
            'X-HR-Signature': signature,
            'X-HR-Event-Id': `evt-${randomUUID()}`,
          },
          body,
        });
        const answer = { status: res.status, text: await res.text() };
        outputs.push({ what: `webhook answer ${answer.status}`, text: answer.text });
        return answer;
      };
      const requestId = `secrets-webhook-${tag}`;
      workflowIds.push(workflowIdFor(requestId));
      const body = JSON.stringify({ requestId, leavers: leavers(31, 10) });
      expect((await post(body)).status).toBe(202);
      expect((await post(body.replace('"leavers"', ' "leavers"'), WEBHOOK_SECRET)).status).toBe(202);
      expect((await post(body, `${WEBHOOK_SECRET}-wrong`)).status).toBe(401);
      expect(
        (await post(body.replace(requestId, `${requestId}-tampered`), 'SECRET-not-the-key-0000')).status,
      ).toBe(401);
      expect((await post(JSON.stringify({ requestId: `${requestId}-bad`, leavers: [{}] }))).status).toBe(400);
      const encrypted = new Client({
        connection,
        namespace: 'default',
        dataConverter: dataConverterFor(keyring),
      });
      const result = await encrypted.workflow.getHandle(workflowIdFor(requestId)).result();
      expect(result).toMatchObject({ status: 'completed', failedLeavers: 0 });
    } finally {
      webhook.child.kill('SIGTERM');
      const finished = await webhook.finished(30_000);
      outputs.push({ what: 'webhook log', text: finished.stdout + finished.stderr });
    }
  }, 170_000);

  /** Every payload in `value` decrypted and shown as text; everything else as it is. */
  async function decoded(value: unknown, codec: AesGcmPayloadCodec): Promise<unknown> {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (Array.isArray(value)) return Promise.all(value.map((v) => decoded(v, codec)));
    if (value === null || typeof value !== 'object') return value;
    const record = value as Record<string, unknown>;
    const encoding = (record.metadata as Record<string, Uint8Array> | undefined)?.encoding;
    if (
      record.data instanceof Uint8Array &&
      encoding &&
      Buffer.from(encoding).toString() === 'binary/encrypted'
    ) {
      const [payload] = await codec.decode([record as Payload]);
      return { decrypted: await decoded(payload, codec) };
    }
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(record)) out[key] = await decoded(v, codec);
    return out;
  }

  it('finds no credential and no token anywhere, and no leaver id in the stored histories', async () => {
    await worker.stop();
    outputs.push({ what: 'worker log', text: worker.output });
    const tokens = [...sims.wps.issuedTokens, ...sims.authing.issuedTokens];
    // The runs fetched tokens, and the rejected run many: the scan looks for each.
    expect(sims.wps.issuedTokens.length).toBeGreaterThan(2);
    expect(sims.authing.issuedTokens.length).toBeGreaterThan(2);
    const secrets = [
      WPS_APP_KEY,
      AUTHING_SECRET,
      WEBHOOK_SECRET,
      CODEC_KEY.toString('base64'),
      CODEC_KEY.toString('hex'),
      MARK,
      ...tokens,
    ];
    const leaks = (text: string): string[] => secrets.filter((s) => text.includes(s));

    const codec = new AesGcmPayloadCodec(keyring);
    const ids = leavers(1, SIZE).flatMap((l) => [l.employeeId, l.wpsUserId, l.authingUserId]);
    for (const workflowId of workflowIds.slice(0, 3)) {
      const history = await plain.workflow.getHandle(workflowId).fetchHistory();
      const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
      // At rest: ciphertext only. No leaver id, no credential, not the codec key's bytes.
      expect(ids.filter((id) => bytes.includes(Buffer.from(id)))).toEqual([]);
      expect(leaks(bytes.toString('latin1'))).toEqual([]);
      expect(bytes.includes(CODEC_KEY)).toBe(false);
      // Decrypted: the ids and the failures' messages are there to be read, and still no secret.
      const text = JSON.stringify(await decoded(history, codec));
      expect(text).toContain(
        leaver(workflowId.includes('webhook') ? 31 : workflowId.includes('rejected') ? 21 : 1).wpsUserId,
      );
      if (workflowId.includes('rejected')) expect(text).toMatch(/access_token invalid or expired|401/);
      expect(leaks(text)).toEqual([]);
    }

    expect(outputs.length).toBeGreaterThan(10);
    expect(outputs.find((o) => o.what === 'worker log')?.text).toMatch(/Activity failed|activity failed/i);
    for (const output of outputs) {
      const found = leaks(output.text);
      if (found.length > 0)
        throw new Error(`${output.what} shows ${found.join(', ')}:\n${output.text.slice(0, 3000)}`);
    }
  }, 120_000);
});
