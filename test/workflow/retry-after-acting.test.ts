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
    // Fail, once, the first call that follows a batch_disable: the read-back of the first attempt.
    const injector = sims.wps.faults;
    const original = injector.before.bind(injector);
    let tripped = false;
    injector.before = async (): Promise<Fault | undefined> => {
      if (!tripped && sims.wps.calls.at(-1)?.path === '/v7/users/batch_disable') {
        tripped = true;
        return { kind: 'serverError', status: 503 };
      }
      return original();
    };

    const run = await startOffboarding(
      env.client,
      { requestId: `acted-${randomUUID()}`, leavers: [{ wpsUserId: 'wps-1' }, { wpsUserId: 'wps-2' }] },
      { taskQueue, namespace: 'default' },
    );
    const result = await completeResult(env.client, await run.handle.result());
    expect(tripped).toBe(true);
    expect(sims.wps.calls.map((c) => `${c.path} ${c.status}`)).toEqual([
      '/v7/users/batch_read 200',
      '/v7/users/batch_disable 200',
      '/v7/users/batch_read 503',
      '/v7/users/batch_read 200',
    ]);
    expect(result.outcomes.map((o) => o.wps.status)).toEqual(['done', 'done']);
    expect(sims.wps.users.get('wps-1')).toBe('disabled');
  });
});
