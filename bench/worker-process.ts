import path from 'node:path';
import { isRunning, spawnLogged, stopProcess, waitUntilLogged } from '../scripts/lib/processes';
import { makeWorkerCurrent, WORKER_STARTED } from '../scripts/lib/worker-version';
import type { WorkerSwitch } from './ablated-worker';
import { RssSampler } from './rss';

/**
 * The product's worker (dist/worker/main.js) as a process of its own, configured for one scenario,
 * with its memory watched from outside.
 */

export interface WorkerSettings {
  taskQueue: string;
  /** WORKER_MAX_CONCURRENT_ACTIVITIES (per vendor). */
  maxConcurrentActivities: number;
  /** WPS_CALLS_PER_SECOND / AUTHING_CALLS_PER_SECOND (each process's own pacer); unset: no pacing. */
  callsPerSecond?: number;
  /** A layer switched off: the worker runs as bench/ablated-worker.ts makes it; unset: the product's. */
  ablate?: WorkerSwitch;
}

export interface WorkerProcess {
  taskQueue: string;
  logFile: string;
  pid: number;
  /** Stops the worker; resolves with its peak resident set in bytes, if known. */
  stop(): Promise<number | undefined>;
}

interface StartWorkerOptions {
  projectRoot: string;
  logFile: string;
  temporalAddress: string;
  wpsUrl: string;
  authingUrl: string;
  credentials: Record<string, string>;
  settings: WorkerSettings;
  readyTimeoutMs?: number;
  /** Make its version current (default); not for a further worker of one build, whose version already is. */
  makeCurrent?: boolean;
}

/** Prefixes of variables the worker reads that must come from the bench, not the user's shell. */
const OWN_PREFIXES = [
  'TEMPORAL_',
  'WPS_',
  'AUTHING_',
  'OFFBOARDING_',
  'WORKER_',
  'PAYLOAD_CODEC_',
  'METRICS_',
  'LOG_',
];

export function workerEnv(options: StartWorkerOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!OWN_PREFIXES.some((p) => key.startsWith(p))) env[key] = value;
  }
  const { settings } = options;
  Object.assign(env, options.credentials, {
    TEMPORAL_ADDRESS: options.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    OFFBOARDING_TASK_QUEUE: settings.taskQueue,
    WPS_BASE_URL: options.wpsUrl,
    AUTHING_BASE_URL: options.authingUrl,
    WORKER_MAX_CONCURRENT_ACTIVITIES: String(settings.maxConcurrentActivities),
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'INFO',
  });
  if (settings.callsPerSecond !== undefined) {
    env.WPS_CALLS_PER_SECOND = String(settings.callsPerSecond);
    env.AUTHING_CALLS_PER_SECOND = String(settings.callsPerSecond);
  }
  return env;
}

export async function startWorker(options: StartWorkerOptions): Promise<WorkerProcess> {
  const dist = path.join(options.projectRoot, 'dist');
  const env = workerEnv(options);
  const { ablate } = options.settings;
  const script =
    ablate === undefined
      ? [path.join(dist, 'worker', 'main.js')]
      : [path.join(dist, 'bench', 'ablated-worker.js'), ablate];
  const worker = spawnLogged('worker', process.execPath, script, env, options.logFile);
  const pid = worker.child.pid;
  if (pid === undefined) throw new Error('the worker could not be started');
  const rss = new RssSampler(pid);
  const stop = async (): Promise<number | undefined> => {
    const peak = isRunning(worker.child) ? rss.peakBytes() : undefined;
    rss.stop();
    await stopProcess(worker.child, 25_000);
    return peak;
  };
  try {
    // Bundling the workflow code at start takes a while on a busy machine.
    const log = await waitUntilLogged(worker, WORKER_STARTED, options.readyTimeoutMs ?? 180_000);
    // It gets runs once its version is current (docs/operations.md, "Versions and upgrades").
    if (options.makeCurrent !== false) await makeWorkerCurrent(dist, env, log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { taskQueue: options.settings.taskQueue, logFile: options.logFile, pid, stop };
}
