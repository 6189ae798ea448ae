import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { completeResult, startOffboarding } from '../../client/offboarding';
import { freePort, startDevServer, type DevServer } from '../../scripts/lib/dev-server';
import { ensureTemporalCli } from '../../scripts/lib/temporal-cli';
import { generateDirectory } from '../../simulators/directory';
import { buildDist } from '../support/compiled';
import { countInFlight } from '../support/in-flight';
import { leaversOf } from '../support/leavers';
import { expectEveryLeaverOffboardedAfterCrash, snapshotDirectories } from '../support/outcome-checks';
import { startSimulators, type RunningSimulators } from '../support/simulators';
import { uniqueTaskQueue } from '../support/temporal';
import { sleep, waitUntil, within } from '../support/wait';
import { killAllWorkers, workerEnv, WorkerProcess } from '../support/worker-process';

const SIZE = 2000;

/**
 * The Temporal server goes away in the middle of a 2,000-leaver run (two chunk child workflows) and
 * comes back on the same SQLite file. This needs a dev server of its own (not the suite's shared,
 * in-memory one): `temporal server start-dev --db-filename F` on free ports, stopped and started
 * again on the same port and file. The worker process is never restarted: it rides out the outage,
 * reconnects, and the run finishes with nobody skipped.
 */
describe('the Temporal server stopped and started again on its SQLite file in the middle of a run', () => {
  let dir: string;
  let binary: string;
  let dbFile: string;
  let port: number;
  let server: DevServer | undefined;
  let connection: Connection | undefined;
  let sims: RunningSimulators;

  const startServer = async (): Promise<DevServer> =>
    startDevServer({ binary, port, headless: true, dbFile, logFile: path.join(dir, 'temporal.log') });

  beforeAll(async () => {
    buildDist();
    binary = ensureTemporalCli();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offboarding-server-restart-'));
    dbFile = path.join(dir, 'temporal.db');
    port = await freePort();
    server = await startServer();
    connection = await Connection.connect({ address: server.address });
    sims = await startSimulators(generateDirectory(SIZE));
  }, 170_000);
  afterAll(async () => {
    await killAllWorkers();
    await sims?.close();
    await connection?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const disabled = (): number => [...sims.wps.users.values()].filter((s) => s === 'disabled').length;
  const resigned = (): number => sims.authing.resignations.length;

  it('completes: the worker reconnects, one final outcome per leaver, and nobody skipped', async () => {
    if (!server || !connection) throw new Error('beforeAll did not start the dev server');
    const address = server.address;
    const client = new Client({ connection, namespace: 'default' });
    const taskQueue = uniqueTaskQueue('server-restart');
    // Slow vendors stretch the run, so that the outage lands in its middle.
    sims.wps.configure({ faults: { latencyMs: 120 } });
    sims.authing.configure({ faults: { latencyMs: 120 } });
    const wpsInFlight = countInFlight(sims.wps.faults);
    const before = snapshotDirectories(sims);
    const worker = await new WorkerProcess(
      'worker',
      workerEnv({ sims, taskQueue, temporalAddress: address }),
    ).started();

    const leavers = leaversOf(1, SIZE);
    const run = await startOffboarding(
      client,
      { requestId: `server-restart-${randomUUID()}`, leavers },
      { taskQueue, namespace: 'default', runOptions: { approvalThreshold: 5000, concurrency: 2 } },
    );

    // Stopped while a WPS call is on the wire: that attempt can no longer report to anyone.
    await waitUntil(
      () => disabled() >= SIZE / 4 && wpsInFlight() > 0,
      'a quarter of the leavers disabled, with a WPS call in flight',
      90_000,
      5,
    );
    const stopping = server;
    server = undefined;
    await stopping.stop();
    expect(stopping.process.exitCode !== null || stopping.process.signalCode !== null).toBe(true);
    const atStop = { disabled: disabled(), resigned: resigned() };
    expect(atStop.resigned).toBeLessThan(SIZE);
    // Down for a while: the worker's polls, heartbeats and completions fail meanwhile.
    await sleep(3_000);
    expect(worker.running).toBe(true);

    server = await startServer();
    expect(server.address).toBe(address);
    // The run is still there: its history was in the SQLite file, not in the stopped process.
    const description = await run.handle.describe();
    expect(description.status.name).toBe('RUNNING');

    const summary = await within(run.handle.result(), 150_000, 'the run to finish after the restart');
    expect(summary.status).toBe('completed');
    expect(summary.chunks).toHaveLength(2);
    // The same worker process carried the rest: it outlived the outage.
    expect(worker.running).toBe(true);
    expect(resigned()).toBeGreaterThan(atStop.resigned);

    expect(leavers).toHaveLength(SIZE);
    // An attempt that acted while the server was away could not report it: its retry may say `already`.
    expectEveryLeaverOffboardedAfterCrash(leavers, await completeResult(client, summary), sims, before);
    await worker.stop();
  }, 230_000);
});
