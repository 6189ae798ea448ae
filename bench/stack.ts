import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort, startDevServer, type DevServer } from '../scripts/lib/dev-server';
import { tail } from '../scripts/lib/processes';
import { ensureTemporalCli } from '../scripts/lib/temporal-cli';
import { SimProcess } from './sim-process';
import { startWorker, type WorkerProcess, type WorkerSettings } from './worker-process';

/**
 * The bench's own stack, separate from any `npm start` stack: a Temporal dev server on a fresh
 * SQLite file in a temporary directory and free ports (never 7233/8233), the simulator host, and
 * workers per measured run. `close()` stops everything it started, whatever state it is in.
 */
export class BenchStack {
  readonly dir: string;
  devServer: DevServer | undefined;
  sims: SimProcess | undefined;
  client: Client | undefined;
  private connection: Connection | undefined;
  private readonly workers: WorkerProcess[] = [];
  private workerCount = 0;
  private closed = false;

  /** True once `close()` has begun: errors from calls still in flight are expected then. */
  get closing(): boolean {
    return this.closed;
  }
  readonly credentials = {
    WPS_APP_ID: 'AK-BENCH-SIMULATOR',
    WPS_APP_KEY: randomBytes(24).toString('hex'),
    AUTHING_USERPOOL_ID: 'bench-simulator-pool',
    AUTHING_ACCESS_KEY_ID: 'bench-simulator-pool',
    AUTHING_ACCESS_KEY_SECRET: randomBytes(24).toString('hex'),
  };

  constructor(readonly projectRoot: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offboarding-bench-'));
  }

  /** Starts the dev server and the simulators; say() reports each step. */
  async start(say: (line: string) => void): Promise<void> {
    const binary = ensureTemporalCli();
    say(`starting a Temporal dev server (${binary}), state in ${path.join(this.dir, 'temporal.db')}`);
    this.devServer = await startDevServer({
      binary,
      port: 0,
      headless: true,
      dbFile: path.join(this.dir, 'temporal.db'),
      logFile: path.join(this.dir, 'temporal.log'),
      readyTimeoutMs: 120_000,
    });
    // The parent of a 100,000-leaver run holds its leavers (the addLeaversAt parts) in its history:
    // about 9 MB, more than gRPC's default 4 MiB answer, when the figures are read.
    this.connection = await Connection.connect({
      address: this.devServer.address,
      channelArgs: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 },
    });
    this.client = new Client({ connection: this.connection, namespace: 'default' });

    const wpsPort = await freePort();
    let authingPort = await freePort();
    while (authingPort === wpsPort) authingPort = await freePort();
    say(`starting the simulators on 127.0.0.1:${wpsPort} (WPS 365) and :${authingPort} (Authing)`);
    this.sims = await SimProcess.start(
      {
        PATH: process.env.PATH ?? '',
        WPS_SIM_PORT: String(wpsPort),
        AUTHING_SIM_PORT: String(authingPort),
        ...this.credentials,
      },
      path.join(this.dir, 'simulators.log'),
    );
    say(`Temporal at ${this.devServer.address}; logs in ${this.dir}`);
  }

  /**
   * Fresh workers (stopping the previous ones) on a task queue of their own, configured for one
   * scenario: `count` processes of one build, so one version, made current once. Resolves with the queue.
   */
  async startWorkers(name: string, settings: Omit<WorkerSettings, 'taskQueue'>, count = 1): Promise<string> {
    await this.stopWorkers();
    const { devServer, sims } = this;
    if (!devServer || !sims) throw new Error('the bench stack is not started');
    this.workerCount += 1;
    const taskQueue = `bench-${this.workerCount}-${name}`;
    for (let i = 0; i < count; i++) {
      const logName = `worker-${this.workerCount}-${name}${i > 0 ? `-${i + 1}` : ''}.log`;
      this.workers.push(
        await startWorker({
          projectRoot: this.projectRoot,
          logFile: path.join(this.dir, logName),
          temporalAddress: devServer.address,
          wpsUrl: sims.wpsUrl,
          authingUrl: sims.authingUrl,
          credentials: this.credentials,
          settings: { ...settings, taskQueue },
          makeCurrent: i === 0,
        }),
      );
    }
    return taskQueue;
  }

  /** Stops the current workers; returns the first one's peak RSS in bytes, if known. */
  async stopWorkers(): Promise<number | undefined> {
    const workers = this.workers.splice(0);
    const peaks = await Promise.all(workers.map((w) => w.stop()));
    return peaks[0];
  }

  /** The end of each log, for a failure report. */
  logTails(): string {
    const files = fs.existsSync(this.dir) ? fs.readdirSync(this.dir).filter((f) => f.endsWith('.log')) : [];
    return files.map((f) => `--- ${f}\n${tail(path.join(this.dir, f), 10)}`).join('\n');
  }

  /** Stops every process it started (worker, simulators, dev server); removes the directory unless `keep`. */
  async close(keep: boolean): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopWorkers().catch(() => undefined);
    await this.sims?.stop().catch(() => undefined);
    await this.devServer?.stop().catch(() => undefined);
    // Last: calls still in flight (a result's long poll) then fail on the stopped server, not on a closed channel.
    await this.connection?.close().catch(() => undefined);
    if (!keep) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
