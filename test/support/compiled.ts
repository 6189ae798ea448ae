import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { RunningProcess, type Finished } from './processes';

/** Compiled entry points for end-to-end tests that run them as real processes. */

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'client', 'cli.js');
export const WEBHOOK = path.join(ROOT, 'dist', 'webhook', 'main.js');

const LOCK = path.join(ROOT, 'dist', '.e2e-build.lock');
const STALE_LOCK_MS = 10 * 60_000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Brings dist/ up to date, workflow bundles included (incremental: quick when nothing changed). Test files run in parallel
 * workers: a lock folder keeps two compilers from writing dist/ at once.
 */
export function buildDist(): void {
  fs.mkdirSync(path.dirname(LOCK), { recursive: true });
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const since = fs.statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      // A lock left by a killed run would block every later one.
      if (Date.now() - since > STALE_LOCK_MS) fs.rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${LOCK} is held for over 5 minutes`);
      sleepSync(200);
    }
  }
  try {
    execFileSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')],
      { cwd: ROOT, stdio: 'pipe' },
    );
    // And the workflow bundles the worker process starts from, as `npm run build` makes them.
    execFileSync(process.execPath, [path.join(ROOT, 'dist', 'worker', 'bundle-workflows.js'), '--if-stale'], {
      cwd: ROOT,
      stdio: 'pipe',
    });
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}

/** The environment of a child process: this one's, without settings that would steer it elsewhere. */
export function childEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(TEMPORAL_|OFFBOARDING_|HR_WEBHOOK_|PAYLOAD_CODEC_)/.test(name) && name !== 'TEMPORAL_TEST_ADDRESS')
      delete env[name];
  }
  return { ...env, ...extra };
}

/** Runs `node dist/client/cli.js ...args` to its end, killing it after `timeoutMs`. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<Finished> {
  return new RunningProcess(process.execPath, [CLI, ...args], { env, cwd: ROOT }).finished(timeoutMs);
}
