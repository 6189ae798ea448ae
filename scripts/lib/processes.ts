import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** A child process of the local stack, its output going to a log file. */
export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** Where its own lines begin in `logFile` (appended to across runs). */
  logOffset: number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export async function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (!isRunning(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export function spawnLogged(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
): ManagedProcess {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'a');
  const logOffset = fs.fstatSync(fd).size;
  const child = spawn(command, args, { env, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  return { name, child, logFile, logOffset, stop: (graceMs) => stopProcess(child, graceMs) };
}

/** Resolves when `url` answers, rejects when `child` exits first or the deadline passes. */
export async function waitUntilServing(
  url: string,
  child: ChildProcess,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isRunning(child)) throw new Error(`${what} exited before it was ready`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what} did not answer on ${url} in time`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Resolves with what `p` logged once it holds `text`; rejects when `p` exits first or after `timeoutMs`. */
export async function waitUntilLogged(p: ManagedProcess, text: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isRunning(p.child)) throw new Error(`${p.name} exited; its log ends:\n${tail(p.logFile)}`);
    const log = fs.readFileSync(p.logFile).subarray(p.logOffset).toString('utf8');
    if (log.includes(text)) return log;
    if (Date.now() > deadline) throw new Error(`${p.name} did not log ${text} in time; see ${p.logFile}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The last lines of a log file, to show with an error. */
export function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
