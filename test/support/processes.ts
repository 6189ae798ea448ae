import { spawn, type ChildProcess } from 'node:child_process';

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A child process whose output is collected, and which can be awaited or waited on for a line. */
export class RunningProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  private readonly done: Promise<Finished>;

  constructor(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
    this.child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.done = new Promise((resolve) => {
      this.child.once('close', (code, signal) =>
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }),
      );
    });
  }

  /** Resolves when the process exits; kills it and rejects after `timeoutMs`. */
  async finished(timeoutMs = 150_000): Promise<Finished> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(
          new Error(
            `process did not finish in ${timeoutMs} ms.\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
          ),
        );
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async waitForOutput(pattern: RegExp, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.stdout)) {
      if (this.child.exitCode !== null)
        throw new Error(`exited before printing ${String(pattern)}:\n${this.stdout}\n${this.stderr}`);
      if (Date.now() > deadline)
        throw new Error(`no ${String(pattern)} within ${timeoutMs} ms:\n${this.stdout}\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
