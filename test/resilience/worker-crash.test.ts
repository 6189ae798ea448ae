import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { completeResult, startOffboarding } from '../../client/offboarding';
import { generateDirectory } from '../../simulators/directory';
import { buildDist } from '../support/compiled';
import { leaversOf } from '../support/leavers';
import { expectEveryLeaverOffboardedAfterCrash, snapshotDirectories } from '../support/outcome-checks';
import { startSimulators, type RunningSimulators } from '../support/simulators';
import { connectTestEnvironment, uniqueTaskQueue } from '../support/temporal';
import { countInFlight } from '../support/in-flight';
import { waitUntil, within } from '../support/wait';
import { killAllWorkers, workerEnv, WorkerProcess } from '../support/worker-process';

const SIZE = 2000;

/**
 * The worker process dies (SIGKILL: no shutdown code runs) in the middle of a 2,000-leaver run, which
 * travels in two parts and runs as two chunk child workflows; a new worker process is started. The
 * in-flight activities time out on their heartbeat (20 s) and are retried by the new worker; the
 * workflow tasks move off the dead worker's sticky queue. Nobody may be skipped.
 */
describe('a worker killed with SIGKILL in the middle of a 2,000-leaver run', () => {
  let env: TestWorkflowEnvironment;
  let sims: RunningSimulators;
  let taskQueue: string;

  beforeAll(async () => {
    buildDist();
    env = await connectTestEnvironment();
    sims = await startSimulators(generateDirectory(SIZE));
    taskQueue = uniqueTaskQueue('crash');
  }, 170_000);
  afterAll(async () => {
    await killAllWorkers();
    await sims?.close();
    await env?.teardown();
  }, 60_000);

  const disabled = (): number => [...sims.wps.users.values()].filter((s) => s === 'disabled').length;
  const resigned = (): number => sims.authing.resignations.length;

  it('completes after a restart: one final outcome per leaver, and the simulators show nobody skipped', async () => {
    // Slow vendors stretch the run to ~30 s, so that the kill lands in its middle.
    sims.wps.configure({ faults: { latencyMs: 120 } });
    sims.authing.configure({ faults: { latencyMs: 120 } });
    const wpsInFlight = countInFlight(sims.wps.faults);
    const before = snapshotDirectories(sims);
    const options = { sims, taskQueue, temporalAddress: process.env.TEMPORAL_TEST_ADDRESS ?? '' };
    const first = await new WorkerProcess('first', workerEnv(options)).started();

    const leavers = leaversOf(1, SIZE);
    const run = await startOffboarding(
      env.client,
      { requestId: `crash-${randomUUID()}`, leavers },
      // Over the approval threshold (500): approved up front; two chunks side by side.
      { taskQueue, namespace: 'default', runOptions: { approvalThreshold: 5000, concurrency: 2 } },
    );

    // Killed while a WPS call is on the wire: that activity's attempt dies with the process.
    await waitUntil(
      () => disabled() >= SIZE / 4 && wpsInFlight() > 0,
      'a quarter of the leavers disabled, with a WPS call in flight',
      90_000,
      5,
    );
    const killed = await first.kill();
    expect(killed.signal).toBe('SIGKILL');
    const atKill = { disabled: disabled(), resigned: resigned() };
    expect(atKill.resigned).toBeLessThan(SIZE);

    const second = await new WorkerProcess('second', workerEnv(options)).started();
    const summary = await within(run.handle.result(), 120_000, 'the run to finish after the restart');
    expect(summary.status).toBe('completed');
    expect(summary.chunks).toHaveLength(2);
    // The new worker carried the rest.
    expect(resigned()).toBeGreaterThan(atKill.resigned);
    expect(second.output).toContain('Authing resign');
    // The attempts the kill interrupted were handed to the new worker once their heartbeats stopped.
    expect(second.retriesOf('disableWpsUsers').length).toBeGreaterThan(0);

    expect(leavers).toHaveLength(SIZE);
    expectEveryLeaverOffboardedAfterCrash(leavers, await completeResult(env.client, summary), sims, before);
    await second.stop();
  }, 170_000);
});
