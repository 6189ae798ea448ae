import fs from 'node:fs';
import path from 'node:path';
import { isRunning, spawnLogged, stopProcess, tail, type ManagedProcess } from '../scripts/lib/processes';
import { RssSampler } from './rss';

/**
 * The product's worker (dist/worker/main.js) as a process of its own, configured for one scenario,
 * with its memory watched from outside.
 */

export interface WorkerSettings {
  taskQueue: string;
  /** WORKER_MAX_CONCURRENT_ACTIVITIES (per vendor). */
  maxConcurrentActivities: number;
  /** WPS_ACTIVITIES_PER_SECOND / AUTHING_ACTIVITIES_PER_SECOND; unset: no task-queue limit. */
  activitiesPerSecond?: number;
  /** WPS_CALLS_PER_SECOND / AUTHING_CALLS_PER_SECOND (this one process's pacer); unset: no pacing. */
  callsPerSecond?: number;
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
  if (settings.activitiesPerSecond !== undefined) {
    env.WPS_ACTIVITIES_PER_SECOND = String(settings.activitiesPerSecond);
    env.AUTHING_ACTIVITIES_PER_SECOND = String(settings.activitiesPerSecond);
  }
  if (settings.callsPerSecond !== undefined) {
    env.WPS_CALLS_PER_SECOND = String(settings.callsPerSecond);
    env.AUTHING_CALLS_PER_SECOND = String(settings.callsPerSecond);
  }
  return env;
}

async function waitForStarted(worker: ManagedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isRunning(worker.child)) {
      throw new Error(`the worker exited before it started; its log ends:\n${tail(worker.logFile)}`);
    }
    let log = '';
    try {
      log = fs.readFileSync(worker.logFile, 'utf8');
    } catch {
      // not written yet
    }
    if (log.includes('worker: started')) return;
    if (Date.now() > deadline) throw new Error(`the worker did not start in time; see ${worker.logFile}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function startWorker(options: StartWorkerOptions): Promise<WorkerProcess> {
  const script = path.join(options.projectRoot, 'dist', 'worker', 'main.js');
  const worker = spawnLogged('worker', process.execPath, [script], workerEnv(options), options.logFile);
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
    await waitForStarted(worker, options.readyTimeoutMs ?? 180_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { taskQueue: options.settings.taskQueue, logFile: options.logFile, pid, stop };
}
