import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { stopProcess } from '../scripts/lib/processes';
import type { FaultSettings } from '../simulators/faults';
import type { CheckResult, Refusals, SimCommand, SimReady, SimReply, SimStats } from './sim-protocol';

/** The simulator host process (bench/sim-host.ts) seen from the bench: start, commands, stop. */
export class SimProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    readonly child: ChildProcess,
    readonly wpsUrl: string,
    readonly authingUrl: string,
  ) {
    child.on('message', (message: SimReply) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(`sim-host: ${message.error}`));
    });
    child.once('exit', (code, signal) => {
      for (const waiter of this.pending.values()) {
        waiter.reject(new Error(`the simulator host exited (${signal ?? `code ${String(code)}`})`));
      }
      this.pending.clear();
    });
  }

  /** Forks the host with these variables (ports and credentials); resolves when both simulators listen. */
  static async start(env: NodeJS.ProcessEnv, logFile: string, timeoutMs = 30_000): Promise<SimProcess> {
    const script = path.join(__dirname, 'sim-host.js');
    const fd = fs.openSync(logFile, 'a');
    const child = fork(script, [], { env, stdio: ['ignore', fd, fd, 'ipc'] });
    fs.closeSync(fd);
    try {
      const ready = await new Promise<SimReady>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the simulators did not start; see ${logFile}`)),
          timeoutMs,
        );
        child.once('message', (message: SimReady) => {
          clearTimeout(timer);
          resolve(message);
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`the simulator host exited with code ${String(code)}; see ${logFile}`));
        });
      });
      return new SimProcess(child, ready.wpsUrl, ready.authingUrl);
    } catch (err) {
      await stopProcess(child, 2_000);
      throw err;
    }
  }

  private send<T>(command: SimCommand): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (v) => resolve(v as T), reject });
      this.child.send({ id, command }, (err) => {
        if (err) {
          this.pending.delete(id);
          reject(err);
        }
      });
    });
  }

  /** A fresh directory of `users` active people per system, call records cleared, these faults and refusals. */
  reset(
    users: number,
    faults: Partial<FaultSettings> = {},
    refuse: Refusals = { wps: [], authing: [] },
  ): Promise<void> {
    return this.send<null>({ kind: 'reset', users, faults, refuse }).then(() => undefined);
  }

  stats(): Promise<SimStats> {
    return this.send<SimStats>({ kind: 'stats' });
  }

  check(wpsUserIds: string[], authingUserIds: string[]): Promise<CheckResult> {
    return this.send<CheckResult>({ kind: 'check', wpsUserIds, authingUserIds });
  }

  stop(): Promise<void> {
    return stopProcess(this.child, 5_000);
  }
}
