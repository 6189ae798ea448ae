import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { startOffboarding } from '../../client/offboarding';
import { dataConverterFromEnv } from '../../codec/data-converter';
import { freePort } from '../../scripts/lib/ports';
import { makeWorkerCurrent } from '../../scripts/lib/worker-version';
import { generateDirectory } from '../../simulators/directory';
import { buildIdOf } from '../../worker/workflow-bundle';
import type { OffboardingRequest } from '../../workflows/request';
import { buildDist, childEnv, ROOT } from '../support/compiled';
import { RunningProcess } from '../support/processes';
import { startSimulators, type RunningSimulators } from '../support/simulators';

/**
 * The worker as the image runs it: `node dist/worker/main.js` as a real process, on the suite's dev
 * server and the simulators, with payload encryption on. Checks what operators rely on: one JSON
 * object per log line carrying the workflow id, request id and batch and never a credential or
 * token; our metrics next to the Temporal runtime's on one Prometheus endpoint; a clean stop on
 * SIGTERM that lets an activity in flight finish; polling as the version of its build.
 */

const WORKER = path.join(ROOT, 'dist', 'worker', 'main.js');
const enums = temporal.api.enums.v1;
const HEALTHCHECK = path.join(ROOT, 'dist', 'worker', 'healthcheck.js');

/** The container health check, `node dist/worker/healthcheck.js`, against a metrics address. */
function healthcheck(bindAddress: string): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [HEALTHCHECK], {
    env: childEnv({ METRICS_BIND_ADDRESS: bindAddress }),
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr };
}
const CODEC_KEY = `ktest:${randomBytes(32).toString('base64')}`;

type LogLine = Record<string, unknown> & { time: string; level: string; message: string };

/** Every line of a worker's standard output, parsed; a line that is not a JSON object fails. */
function logLines(stdout: string): LogLine[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
      expect(parsed).toEqual(
        expect.objectContaining({
          time: expect.any(String),
          level: expect.any(String),
          message: expect.any(String),
        }),
      );
      return parsed as LogLine;
    });
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]),
    );
    samples.push({ name: match[1] ?? '', labels: labels as Record<string, string>, value: Number(match[3]) });
  }
  return samples;
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value;
}

describe('the worker process (node dist/worker/main.js)', () => {
  let sims: RunningSimulators;
  let connection: Connection;
  let client: Client;
  const workers: RunningProcess[] = [];

  beforeAll(async () => {
    buildDist();
    sims = await startSimulators(generateDirectory(60));
    connection = await Connection.connect({ address: process.env.TEMPORAL_TEST_ADDRESS });
    client = new Client({
      connection,
      namespace: 'default',
      dataConverter: dataConverterFromEnv({ PAYLOAD_CODEC_KEYS: CODEC_KEY }),
    });
  });

  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await connection?.close();
    await sims?.close();
  });

  /** A worker on `taskQueue`, once it has started and its version is current (it gets runs then). */
  async function startWorker(taskQueue: string, extra: NodeJS.ProcessEnv = {}): Promise<RunningProcess> {
    const env = childEnv({
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
      TEMPORAL_NAMESPACE: 'default',
      OFFBOARDING_TASK_QUEUE: taskQueue,
      WPS_BASE_URL: sims.wpsUrl,
      WPS_APP_ID: sims.credentials.wpsAppId,
      WPS_APP_KEY: sims.credentials.wpsAppKey,
      AUTHING_BASE_URL: sims.authingUrl,
      AUTHING_USERPOOL_ID: sims.credentials.userPoolId,
      AUTHING_ACCESS_KEY_ID: sims.credentials.accessKeyId,
      AUTHING_ACCESS_KEY_SECRET: sims.credentials.accessKeySecret,
      PAYLOAD_CODEC_KEYS: CODEC_KEY,
      PAYLOAD_CODEC_REQUIRED: 'true',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'INFO',
      ...extra,
    });
    const worker = new RunningProcess(process.execPath, [WORKER], { cwd: ROOT, env });
    workers.push(worker);
    await worker.waitForOutput(/"message":"worker: started"/);
    await makeWorkerCurrent(path.join(ROOT, 'dist'), env, worker.stdout);
    return worker;
  }

  /** Leavers `first` to `last` of the simulators' directory (each test its own, as they act for real). */
  function request(
    first: number,
    last: number,
    extra: Array<{ wpsUserId: string; authingUserId: string }> = [],
  ): OffboardingRequest {
    return {
      requestId: `obs-${randomUUID().slice(0, 8)}`,
      leavers: [
        ...Array.from({ length: last - first + 1 }, (_, i) => ({
          wpsUserId: `wps-${first + i}`,
          authingUserId: `au-${first + i}`,
        })),
        ...extra,
      ],
    };
  }

  /** Nothing any process printed may hold a credential, an issued token or the codec key. */
  function expectNoSecrets(output: string): void {
    const secrets = [
      sims.credentials.wpsAppKey,
      sims.credentials.accessKeySecret,
      CODEC_KEY.split(':')[1] ?? CODEC_KEY,
      ...sims.wps.issuedTokens,
      ...sims.authing.issuedTokens,
    ];
    expect(sims.wps.issuedTokens.length + sims.authing.issuedTokens.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(output.includes(secret)).toBe(false);
  }

  it('logs JSON lines with workflow id, request id and batch and no secret, serves our metrics and Temporal’s, and stops on SIGTERM', async () => {
    const taskQueue = `obs-${randomUUID()}`;
    const metricsPort = await freePort();
    const worker = await startWorker(taskQueue, { METRICS_BIND_ADDRESS: `127.0.0.1:${metricsPort}` });

    // 55 leavers and one unknown to WPS: two batches of at most 50.
    const req = request(1, 55, [{ wpsUserId: 'wps-9999', authingUserId: 'au-56' }]);
    const run = await startOffboarding(client, req, { taskQueue, namespace: 'default' });
    const result = await run.handle.result();
    expect(result.totals.wps).toMatchObject({ done: 55, not_found: 1 });
    expect(result.totals.authing).toMatchObject({ done: 56 });

    const samples = parseMetrics(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
    const leavers = (system: string, outcome: string) =>
      valueOf(samples, 'offboarding_leavers_total', { system, outcome });
    expect(leavers('wps', 'done')).toBe(55);
    expect(leavers('wps', 'not_found')).toBe(1);
    expect(leavers('authing', 'done')).toBe(56);
    expect(leavers('authing', 'failed')).toBe(0);
    expect(valueOf(samples, 'vendor_call_errors_total', { vendor: 'wps', type: 'VendorUnavailable' })).toBe(
      0,
    );
    expect(valueOf(samples, 'vendor_token_fetches_total', { vendor: 'wps' })).toBe(1);
    expect(valueOf(samples, 'vendor_token_fetches_total', { vendor: 'authing' })).toBe(1);
    for (const [vendor, operation] of [
      ['wps', 'batch_read'],
      ['wps', 'batch_disable'],
      ['authing', 'get-user-batch'],
      ['authing', 'resign-user-batch'],
    ] as const) {
      expect(
        valueOf(samples, 'vendor_call_duration_seconds_count', { vendor, operation }),
      ).toBeGreaterThanOrEqual(2);
    }
    // Our seconds buckets, not the runtime's millisecond defaults.
    expect(
      valueOf(samples, 'vendor_call_duration_seconds_bucket', { vendor: 'wps', le: '0.025' }),
    ).toBeDefined();
    expect(valueOf(samples, 'temporal_worker_start', { task_queue: taskQueue })).toBe(1);
    expect(
      valueOf(samples, 'temporal_activity_execution_latency_count', { activity_type: 'disableWpsUsers' }),
    ).toBeGreaterThanOrEqual(2);
    // The image's health check passes on this running worker, and fails where no worker answers.
    expect(healthcheck(`127.0.0.1:${metricsPort}`)).toEqual({ status: 0, stderr: '' });
    const nobody = healthcheck(`127.0.0.1:${await freePort()}`);
    expect(nobody.status).toBe(1);
    expect(nobody.stderr).toMatch(/^healthcheck: /);

    worker.child.kill('SIGTERM');
    const finished = await worker.finished(60_000);
    expect(finished.code).toBe(0);
    expect(finished.stderr).toBe('');
    const lines = logLines(finished.stdout);
    expect(lines.map((l) => l.message)).toEqual(
      expect.arrayContaining(['worker: started', 'worker: stopped']),
    );
    expect(lines.find((l) => l.message === 'worker: started')).toMatchObject({ payloadEncryption: true });

    const workflowId = `offboarding-${req.requestId}`;
    const activityLines = lines.filter(
      (l) => l.activityType === 'disableWpsUsers' || l.activityType === 'resignAuthingUsers',
    );
    expect(activityLines.length).toBeGreaterThanOrEqual(4);
    for (const line of activityLines) {
      expect(line).toMatchObject({
        workflowId,
        requestId: req.requestId,
        batches: 2,
        taskToken: '[redacted]',
      });
      expect([1, 2]).toContain(line.batch);
    }
    const workflowLines = lines.filter((l) => l.sdkComponent === 'workflow');
    expect(workflowLines.length).toBeGreaterThan(0);
    for (const line of workflowLines) expect(line).toMatchObject({ workflowId, requestId: req.requestId });
    expectNoSecrets(finished.stdout + finished.stderr);
  });

  it('starts from the prebuilt bundle whose failure converter encrypts failures raised in workflow code', async () => {
    const taskQueue = `obs-${randomUUID()}`;
    const worker = await startWorker(taskQueue);
    const started = worker.stdout.split('\n').find((line) => line.includes('"message":"worker: started"'));
    expect(started).toContain('"workflowBundle":"workflow-bundle-encoded-failures.js"');
    expect(worker.stdout + worker.stderr).not.toContain('bundling the workflows at start');

    // A request the client would refuse, started directly: the workflow's own validation fails it.
    const requestId = `obs-bad-${randomUUID().slice(0, 8)}`;
    const handle = await client.workflow.start('offboarding', {
      taskQueue,
      workflowId: `offboarding-${requestId}`,
      args: [{ requestId, leavers: [{ wpsUserId: 'wps 1 secret-looking id' }] }],
    });
    const failure = await handle.result().then(
      () => undefined,
      (e: unknown) => e as WorkflowFailedError,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(failure?.cause?.message).toContain('must not contain whitespace');
    const history = await handle.fetchHistory();
    const stored = JSON.stringify(history);
    expect(stored).toContain('Encoded failure');
    expect(stored).not.toContain('must not contain whitespace');
    expect(stored).not.toContain('secret-looking');
    // Encrypted, not only moved: the failure's attributes are a payload of our codec's encoding.
    const failed = history.events?.find((e) => e.workflowExecutionFailedEventAttributes)
      ?.workflowExecutionFailedEventAttributes?.failure;
    const encoding = failed?.encodedAttributes?.metadata?.encoding;
    expect(encoding && Buffer.from(encoding).toString()).toBe('binary/encrypted');
    worker.child.kill('SIGTERM');
    expect((await worker.finished()).code).toBe(0);
  });

  it('polls as the version of its build, <task queue>.<build id>, made current; its runs auto-upgrade', async () => {
    const taskQueue = `obs-${randomUUID()}`;
    const worker = await startWorker(taskQueue);
    // The Worker Deployment is named after the task queue; the build id is its dist's.
    const version = { deploymentName: taskQueue, buildId: buildIdOf(path.join(ROOT, 'dist')) };
    const started = worker.stdout.split('\n').find((line) => line.includes('"message":"worker: started"'));
    expect(JSON.parse(started ?? '{}')).toMatchObject(version);

    const run = await startOffboarding(client, request(60, 60), { taskQueue, namespace: 'default' });
    expect((await run.handle.result()).totals.authing).toMatchObject({ done: 1 });
    const { versioningInfo } = (await run.handle.describe()).raw.workflowExecutionInfo ?? {};
    expect(versioningInfo).toMatchObject({
      behavior: enums.VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE,
      deploymentVersion: version,
    });
    // Every queue of the process polls as that version: the run used them all.
    const { workerDeploymentVersionInfo: info } =
      await connection.workflowService.describeWorkerDeploymentVersion({
        namespace: 'default',
        deploymentVersion: version,
      });
    expect(info?.status).toBe(enums.WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_CURRENT);
    const polled = info?.taskQueueInfos?.map((q) => `${q.name ?? ''} ${enums.TaskQueueType[q.type ?? 0]}`);
    expect(polled?.sort()).toEqual(
      [
        `${taskQueue} TASK_QUEUE_TYPE_ACTIVITY`,
        `${taskQueue} TASK_QUEUE_TYPE_WORKFLOW`,
        `${taskQueue}-authing TASK_QUEUE_TYPE_ACTIVITY`,
        `${taskQueue}-wps TASK_QUEUE_TYPE_ACTIVITY`,
      ].sort(),
    );
    worker.child.kill('SIGTERM');
    expect((await worker.finished(60_000)).code).toBe(0);
  });

  it('on SIGTERM lets the activity in flight finish and exits 0; another worker completes the run', async () => {
    const taskQueue = `obs-${randomUUID()}`;
    // Each WPS call takes 3 s: the attempt (read, disable, read back) is still running at SIGTERM.
    sims.wps.configure({ faults: { latencyMs: 3_000 } });
    try {
      const first = await startWorker(taskQueue, { LOG_LEVEL: 'DEBUG' });
      const req = request(57, 59);
      const run = await startOffboarding(client, req, { taskQueue, namespace: 'default' });
      await first.waitForOutput(/"message":"WPS disable"/);
      first.child.kill('SIGTERM');
      const finished = await first.finished(60_000);
      expect(finished.code).toBe(0);
      const lines = logLines(finished.stdout);
      const stopping = lines.findIndex((l) => l.message.startsWith('worker: stopping'));
      const completed = lines.findIndex(
        (l) => l.message === 'Activity completed' && l.activityType === 'disableWpsUsers',
      );
      expect(stopping).toBeGreaterThanOrEqual(0);
      expect(completed).toBeGreaterThan(stopping);
      // The SDK's own line of the attempt carries its batch, as the activity's own lines do.
      expect(lines[completed]).toMatchObject({
        requestId: req.requestId,
        batch: 1,
        batches: 1,
        users: 3,
      });
      expect(lines[lines.length - 1]?.message).toBe('worker: stopped');
      expectNoSecrets(finished.stdout + finished.stderr);

      sims.wps.configure({ faults: { latencyMs: 0 } });
      const second = await startWorker(taskQueue);
      const result = await run.handle.result();
      expect(result.totals.wps).toMatchObject({ done: 3 });
      expect(result.totals.authing).toMatchObject({ done: 3 });
      second.child.kill('SIGTERM');
      expect((await second.finished(60_000)).code).toBe(0);
    } finally {
      sims.wps.configure({ faults: { latencyMs: 0 } });
    }
  });
});
