import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { completeResult, startOffboarding } from '../../client/offboarding';
import { generateDirectory } from '../../simulators/directory';
import type { Fault } from '../../simulators/faults';
import { startWorkflowHarness, type WorkflowHarness } from '../support/harness';
import type { RunningSimulators } from '../support/simulators';

/**
 * An attempt that disabled users and then failed on the read-back: the retry finds them disabled.
 * The heartbeat checkpoint carries "acted on these" to the retry, so they are reported `done`
 * (our action), not `already` (so before we came).
 */
describe('an activity retried after it acted', () => {
  let harness: WorkflowHarness;
  let env: TestWorkflowEnvironment;
  let sims: RunningSimulators;
  let taskQueue: string;

  beforeAll(async () => {
    harness = await startWorkflowHarness(generateDirectory(20), 'retry-after-acting');
    ({ env, sims, taskQueue } = harness);
  });
  afterAll(async () => harness?.stop());

  it('reports done for users it disabled in an attempt that then failed', async () => {
    // Fail the read-back of the first attempt: its first try and the client's 3 retries, so that the
    // attempt itself fails and Temporal retries the activity.
    const injector = sims.wps.faults;
    const original = injector.before.bind(injector);
    let failures = 0;
    injector.before = async (): Promise<Fault | undefined> => {
      const last = sims.wps.calls.at(-1);
      const afterDisable = last?.path === '/v7/users/batch_disable' || (failures > 0 && last?.status === 503);
      if (failures < 4 && afterDisable) {
        failures += 1;
        return { kind: 'serverError', status: 503 };
      }
      return original();
    };
    const tripped = () => failures === 4;

    const run = await startOffboarding(
      env.client,
      { requestId: `acted-${randomUUID()}`, leavers: [{ wpsUserId: 'wps-1' }, { wpsUserId: 'wps-2' }] },
      { taskQueue, namespace: 'default' },
    );
    const result = await completeResult(env.client, await run.handle.result());
    expect(tripped()).toBe(true);
    // The first attempt's canary disables wps-1 alone and its read-back fails; the retry reads both,
    // finds wps-1 disabled (done, by the checkpoint, not already) and makes wps-2 the canary.
    expect(sims.wps.calls.map((c) => `${c.path} ${c.status} ${c.userIds.join(',')}`)).toEqual([
      '/v7/users/batch_read 200 wps-1,wps-2',
      '/v7/users/batch_disable 200 wps-1',
      '/v7/users/batch_read 503 wps-1',
      '/v7/users/batch_read 503 wps-1',
      '/v7/users/batch_read 503 wps-1',
      '/v7/users/batch_read 503 wps-1',
      '/v7/users/batch_read 200 wps-1,wps-2',
      '/v7/users/batch_disable 200 wps-2',
      '/v7/users/batch_read 200 wps-2',
    ]);
    expect(result.outcomes.map((o) => o.wps.status)).toEqual(['done', 'done']);
    expect(sims.wps.users.get('wps-1')).toBe('disabled');
  });
});
