import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { completeResult, startOffboarding } from '../../client/offboarding';
import { generateDirectory } from '../../simulators/directory';
import { buildDist } from '../support/compiled';
import { startedActivities, type StartedActivity } from '../support/in-flight';
import { leaversOf } from '../support/leavers';
import { expectEveryLeaverOffboardedAfterCrash, snapshotDirectories } from '../support/outcome-checks';
import { startSimulators, type RunningSimulators } from '../support/simulators';
import { connectTestEnvironment, uniqueTaskQueue } from '../support/temporal';
import { waitUntil, within } from '../support/wait';
import { killAllWorkers, workerEnv, WorkerProcess } from '../support/worker-process';

const SIZE = 1000;
const ACTIVITY_TYPES = ['disableWpsUsers', 'resignAuthingUsers'];

/**
 * Two worker processes poll one task queue and share a run; one dies (SIGKILL) while it holds
 * activities. The other finishes the run alone: it takes over the dead one's workflow tasks once
 * they leave its sticky queue, and the activities the dead one was running once their heartbeats
 * stop (20 s). Small batches with many in flight spread the work over both workers.
 */
describe('two workers on one task queue, one killed with SIGKILL in the middle of a run', () => {
  let env: TestWorkflowEnvironment;
  let sims: RunningSimulators;

  beforeAll(async () => {
    buildDist();
    env = await connectTestEnvironment();
    sims = await startSimulators(generateDirectory(SIZE));
  }, 170_000);
  afterAll(async () => {
    await killAllWorkers();
    await sims?.close();
    await env?.teardown();
  }, 60_000);

  const disabled = (): number => [...sims.wps.users.values()].filter((s) => s === 'disabled').length;
  const resigned = (): number => sims.authing.resignations.length;
  const activityLines = (worker: WorkerProcess): number =>
    worker.logLines().filter((line) => ACTIVITY_TYPES.includes(String(line.activityType))).length;

  it('the survivor finishes it: one final outcome per leaver, nobody skipped, the dead one’s activities retried', async () => {
    const taskQueue = uniqueTaskQueue('two-workers');
    sims.wps.configure({ faults: { latencyMs: 120 } });
    sims.authing.configure({ faults: { latencyMs: 120 } });
    const before = snapshotDirectories(sims);
    const options = { sims, taskQueue, temporalAddress: process.env.TEMPORAL_TEST_ADDRESS ?? '' };
    const [doomed, survivor] = await Promise.all([
      new WorkerProcess('doomed', workerEnv(options)).started(),
      new WorkerProcess('survivor', workerEnv(options)).started(),
    ]);
    expect(doomed.identity).not.toBe(survivor.identity);

    const leavers = leaversOf(1, SIZE);
    const run = await startOffboarding(
      env.client,
      { requestId: `two-workers-${randomUUID()}`, leavers },
      // One run (no chunks), 100 batches of 10, 8 in flight: plenty for two workers to share.
      {
        taskQueue,
        namespace: 'default',
        runOptions: { approvalThreshold: 5000, batchSize: 10, concurrency: 8 },
      },
    );

    // Killed once both have worked on the run and the doomed one is running activities of it.
    let held: StartedActivity[] = [];
    await waitUntil(
      async () => {
        if (disabled() < SIZE / 4 || activityLines(doomed) === 0 || activityLines(survivor) === 0)
          return false;
        held = (await startedActivities(run.handle)).filter((a) => a.worker === doomed.identity);
        return held.length > 0;
      },
      'both workers at work on the run, a quarter disabled, and activities running on the doomed one',
      90_000,
      20,
    );
    const killed = await doomed.kill();
    expect(killed.signal).toBe('SIGKILL');
    const atKill = { disabled: disabled(), resigned: resigned() };
    expect(atKill.resigned).toBeLessThan(SIZE);
    // What the server still sees running on the dead worker: nobody will ever report these.
    const orphaned = (await startedActivities(run.handle)).filter((a) => a.worker === doomed.identity);
    expect(orphaned.length).toBeGreaterThan(0);
    const survivorOutputAtKill = survivor.output.length;

    const summary = await within(run.handle.result(), 150_000, 'the survivor to finish the run');
    expect(summary.status).toBe('completed');
    expect(survivor.running).toBe(true);
    expect(resigned()).toBeGreaterThan(atKill.resigned);
    // The survivor carried on after the kill...
    expect(survivor.output.slice(survivorOutputAtKill)).toContain('"activityType":"resignAuthingUsers"');
    // ...and ran again every activity the dead worker was in the middle of, as a further attempt.
    const retried = new Set(
      ACTIVITY_TYPES.flatMap((type) => survivor.retriesOf(type)).map((line) => String(line.activityId)),
    );
    for (const activity of orphaned) {
      expect({ ...activity, retriedBySurvivor: retried.has(activity.activityId) }).toEqual({
        ...activity,
        retriedBySurvivor: true,
      });
    }

    expect(leavers).toHaveLength(SIZE);
    expectEveryLeaverOffboardedAfterCrash(leavers, await completeResult(env.client, summary), sims, before);
    await survivor.stop();
  }, 200_000);
});
