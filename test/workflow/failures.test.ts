import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { completeResult, startOffboarding } from '../../client/offboarding';
import { generateDirectory } from '../../simulators/directory';
import type { OffboardingRequest } from '../../workflows/request';
import type { RunOptions } from '../../workflows/options';
import { startWorkflowHarness, type WorkflowHarness } from '../support/harness';
import { recordHistory } from '../support/histories';
import type { RunningSimulators } from '../support/simulators';

/** Transient and permanent vendor failures, and bisection of batches refused whole. */
describe('vendor failures in a run', () => {
  let harness: WorkflowHarness;
  let env: TestWorkflowEnvironment;
  let sims: RunningSimulators;
  let taskQueue: string;

  beforeAll(async () => {
    harness = await startWorkflowHarness(generateDirectory(600, 0), 'failures');
    ({ env, sims, taskQueue } = harness);
  });
  afterAll(async () => harness?.stop());
  afterEach(() => {
    const calm = { serverErrorRate: 0, throttleRate: 0, down: false };
    sims.wps.configure({ rejectIds: [], faults: calm });
    sims.authing.configure({ rejectIds: [], faults: calm });
  });

  const run = async (request: OffboardingRequest, runOptions: RunOptions = {}) => {
    const started = await startOffboarding(env.client, request, {
      taskQueue,
      namespace: 'default',
      runOptions,
    });
    return {
      handle: started.handle,
      result: await completeResult(env.client, await started.handle.result()),
    };
  };
  const leavers = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({
      wpsUserId: `wps-${from + i}`,
      authingUserId: `au-${from + i}`,
    }));
  const disablesOf = (ids: readonly string[]) =>
    sims.wps.calls.filter(
      (c) => c.path === '/v7/users/batch_disable' && c.userIds.some((id) => ids.includes(id)),
    );

  it('rides out transient failures (30% 5xx from WPS, 30% 429 with Retry-After from Authing): every leaver done, directory correct', async () => {
    sims.wps.configure({ faults: { serverErrorRate: 0.3, seed: 7 } });
    sims.authing.configure({ faults: { throttleRate: 0.3, retryAfterSeconds: 1, seed: 8 } });
    const { result } = await run({ requestId: `transient-${randomUUID()}`, leavers: leavers(1, 60) });
    expect(result.status).toBe('completed');
    expect(result.totals.wps).toMatchObject({ done: 60, failed: 0 });
    expect(result.totals.authing).toMatchObject({ done: 60, failed: 0 });
    expect(sims.wps.calls.some((c) => c.status === 503)).toBe(true);
    expect(sims.authing.calls.some((c) => c.httpStatus === 429)).toBe(true);
    for (let n = 1; n <= 60; n++) {
      expect(sims.wps.users.get(`wps-${n}`)).toBe('disabled');
      expect(sims.authing.users.get(`au-${n}`)?.status).toBe('Resigned');
    }
  });

  it('stops retrying a vendor that stays down at the end of the retry window, records why, and still resigns in Authing', async () => {
    sims.wps.configure({ faults: { down: true } });
    const { result } = await run(
      { requestId: `down-${randomUUID()}`, leavers: leavers(100, 3) },
      { retryWindowMs: 10_000 },
    );
    expect(result.status).toBe('completed_with_failures');
    expect(result.failedLeavers).toBe(3);
    for (const outcome of result.outcomes) {
      expect(outcome.wps).toMatchObject({ status: 'failed' });
      expect(outcome.wps.message).toMatch(/^gave up at the end of the retry window; last error: .*HTTP 503/);
      // The identity is cut even though the office suite could not be reached.
      expect(outcome.authing.status).toBe('done');
    }
  });

  it('records a permanent refusal with the vendor code, message and request id, without retrying it', async () => {
    sims.wps.configure({ rejectIds: ['wps-200'] });
    const { result } = await run({ requestId: `refused-${randomUUID()}`, leavers: leavers(200, 1) });
    expect(result.status).toBe('completed_with_failures');
    expect(result.outcomes[0]?.wps).toEqual({
      status: 'failed',
      code: '400000001',
      message: expect.stringContaining('invalid user_ids'),
      vendorRequestId: expect.any(String),
    });
    expect(result.outcomes[0]?.authing.status).toBe('done');
    expect(disablesOf(['wps-200'])).toHaveLength(1);
  });

  it('isolates one bad id in a full batch by splitting it: 49 done, 1 failed', async () => {
    const batch = leavers(300, 50);
    sims.wps.configure({ rejectIds: ['wps-317'] });
    sims.authing.configure({ rejectIds: ['au-333'] });
    const { result, handle } = await run({ requestId: `bisect-1-${randomUUID()}`, leavers: batch });
    expect(result.status).toBe('completed_with_failures');
    expect(result.totals.wps).toMatchObject({ done: 49, failed: 1 });
    expect(result.totals.authing).toMatchObject({ done: 49, failed: 1 });
    expect(result.outcomes[17]?.wps).toMatchObject({ status: 'failed', code: '400000001' });
    expect(result.outcomes[33]?.authing).toMatchObject({ status: 'failed' });
    expect(result.failedLeavers).toBe(2);
    expect(sims.wps.users.get('wps-317')).toBe('active');
    expect(sims.authing.users.get('au-333')?.status).not.toBe('Resigned');
    // The canary, then halving: at most one refused call per level plus the successful halves
    // (bounded, not 50 calls).
    expect(disablesOf(batch.map((l) => l.wpsUserId)).length).toBeLessThanOrEqual(14);
    await recordHistory(handle, 'bisection');
  });

  it('isolates three bad ids in a batch: exactly those fail', async () => {
    const batch = leavers(400, 50);
    const bad = ['wps-400', 'wps-425', 'wps-449'];
    sims.wps.configure({ rejectIds: bad });
    const { result } = await run({ requestId: `bisect-3-${randomUUID()}`, leavers: batch });
    const failed = result.outcomes.filter((o) => o.wps.status === 'failed').map((o) => o.wpsUserId);
    expect(failed).toEqual(bad);
    expect(result.totals.wps).toMatchObject({ done: 47, failed: 3 });
    expect(result.totals.authing).toMatchObject({ done: 50, failed: 0 });
    for (const leaver of batch) {
      expect(sims.wps.users.get(leaver.wpsUserId)).toBe(
        bad.includes(leaver.wpsUserId) ? 'active' : 'disabled',
      );
    }
  });
});
