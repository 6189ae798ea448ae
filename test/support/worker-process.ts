import os from 'node:os';
import path from 'node:path';
import { makeWorkerCurrent } from '../../scripts/lib/worker-version';
import { ROOT } from './compiled';
import { RunningProcess, type Finished } from './processes';
import type { RunningSimulators } from './simulators';

/**
 * The worker as deployed, `node dist/worker/main.js`, as a real process that a test can SIGKILL:
 * crashes are only real when the process dies without running any of its own shutdown code.
 * Call `buildDist()` (./compiled) first.
 */

export const WORKER_MAIN = path.join(ROOT, 'dist', 'worker', 'main.js');

/** Settings a parent shell may hold that would steer a worker elsewhere than the test wants. */
const STEERING = /^(TEMPORAL_|OFFBOARDING_|HR_WEBHOOK_|PAYLOAD_CODEC_|WPS_|AUTHING_|LOG_|METRICS_|WORKER_)/;

/** The vendor credentials a worker is started with (the simulators must accept them). */
export interface VendorCredentials {
  wpsAppId: string;
  wpsAppKey: string;
  userPoolId: string;
  accessKeyId: string;
  accessKeySecret: string;
}

export interface WorkerEnvOptions {
  sims: RunningSimulators;
  taskQueue: string;
  /** host:port of the Temporal server. */
  temporalAddress: string;
  /** Default: the simulators' own credentials. */
  credentials?: VendorCredentials;
  extra?: NodeJS.ProcessEnv;
}

/** The environment of worker/config.ts for a worker against `sims`, nothing inherited that steers it. */
export function workerEnv(options: WorkerEnvOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!STEERING.test(name)) env[name] = value;
  }
  const c = options.credentials ?? options.sims.credentials;
  return {
    ...env,
    TEMPORAL_ADDRESS: options.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    OFFBOARDING_TASK_QUEUE: options.taskQueue,
    WPS_BASE_URL: options.sims.wpsUrl,
    WPS_APP_ID: c.wpsAppId,
    WPS_APP_KEY: c.wpsAppKey,
    AUTHING_BASE_URL: options.sims.authingUrl,
    AUTHING_USERPOOL_ID: c.userPoolId,
    AUTHING_ACCESS_KEY_ID: c.accessKeyId,
    AUTHING_ACCESS_KEY_SECRET: c.accessKeySecret,
    LOG_FORMAT: 'json',
    ...options.extra,
  };
}

/** One line of a worker's JSON log (worker/logging.ts): the frame, then the SDK's and our fields. */
export type LogLine = Record<string, unknown> & { message: string };

export function parseLogLines(stdout: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of stdout.split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed !== null && typeof parsed === 'object' && typeof (parsed as LogLine).message === 'string')
        lines.push(parsed as LogLine);
    } catch {
      // A line cut short by a kill: not a line to judge.
    }
  }
  return lines;
}

/** Every worker process a test file started and has not seen exit: killed by `killAllWorkers`. */
const live = new Set<WorkerProcess>();

export class WorkerProcess {
  readonly process: RunningProcess;

  constructor(
    readonly name: string,
    readonly env: NodeJS.ProcessEnv,
  ) {
    this.process = new RunningProcess(process.execPath, [WORKER_MAIN], { env, cwd: ROOT });
    live.add(this);
    this.process.child.once('close', () => live.delete(this));
  }

  get running(): boolean {
    return this.process.child.exitCode === null && this.process.child.signalCode === null;
  }

  /** Everything the process printed so far. */
  get output(): string {
    return this.process.stdout + this.process.stderr;
  }

  /**
   * The identity its SDK workers report to Temporal (the SDK's default, `<pid>@<host>`): what
   * `describe()` shows as an activity's `lastWorkerIdentity`.
   */
  get identity(): string {
    return `${String(this.process.child.pid)}@${os.hostname()}`;
  }

  /** Its JSON log lines so far (LOG_FORMAT=json), anything else skipped. */
  logLines(): LogLine[] {
    return parseLogLines(this.process.stdout);
  }

  /** Its log lines of `activityType` with an attempt of 2 or more: retries it ran. */
  retriesOf(activityType: string): LogLine[] {
    return this.logLines().filter(
      (line) => line.activityType === activityType && typeof line.attempt === 'number' && line.attempt >= 2,
    );
  }

  /**
   * Resolves once the worker logged that its workers exist (it bundles the workflows first: seconds)
   * and its version is current, so that it gets runs (worker/deployment.ts).
   */
  async started(timeoutMs = 90_000): Promise<this> {
    await this.process.waitForOutput(/"message":"worker: started"/, timeoutMs);
    await makeWorkerCurrent(path.join(ROOT, 'dist'), this.env, this.process.stdout);
    return this;
  }

  /** A crash: SIGKILL, no shutdown code runs; resolves once the process is gone. */
  async kill(): Promise<Finished> {
    this.process.child.kill('SIGKILL');
    return this.process.finished(15_000);
  }

  /** A graceful stop (SIGTERM), killed if it takes longer than `timeoutMs`. */
  async stop(timeoutMs = 40_000): Promise<Finished> {
    if (this.running) this.process.child.kill('SIGTERM');
    return this.process.finished(timeoutMs);
  }
}

/** For afterAll / afterEach: no worker outlives its test file, whatever failed. */
export async function killAllWorkers(): Promise<void> {
  await Promise.all([...live].map((w) => w.kill().catch(() => undefined)));
}
