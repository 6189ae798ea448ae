import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Secret } from '../../activities/shared/secret';
import { verifySignature } from '../../webhook/signature';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  completeResult,
  progressOf,
  resultOf,
  retryOffboarding,
  startOffboarding,
  waiveOffboarding,
} from '../../client/offboarding';
import { generateDirectory } from '../../simulators/directory';
import type { OffboardingRequest } from '../../workflows/request';
import type { RunOptions } from '../../workflows/options';
import { startWorkflowHarness, type WorkflowHarness } from '../support/harness';
import { recordHistory } from '../support/histories';
import type { RunningSimulators } from '../support/simulators';
import { waitUntil } from '../support/wait';

/** Transient and permanent vendor failures, and bisection of batches refused whole. */
describe('vendor failures in a run', () => {
  let harness: WorkflowHarness;
  let env: TestWorkflowEnvironment;
  let sims: RunningSimulators;
  let taskQueue: string;

  // Where the runs' notifications go: a real HTTP receiver on loopback.
  const NOTIFY_SECRET = 'notify-test-secret';
  const notifications: Array<Record<string, unknown>> = [];
  let receiver: http.Server;

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks);
        const verified = verifySignature(
          {
            timestamp: req.headers['x-offboarding-timestamp'] as string | undefined,
            signature: req.headers['x-offboarding-signature'] as string | undefined,
            rawBody,
          },
          NOTIFY_SECRET,
          { nowMs: Date.now(), toleranceSeconds: 300 },
        );
        if (verified.ok) notifications.push(JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>);
        res.statusCode = verified.ok ? 204 : 401;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    harness = await startWorkflowHarness(generateDirectory(600, 0), 'failures', (config) => ({
      ...config,
      notify: {
        url: `http://127.0.0.1:${port}/hook`,
        secret: new Secret(NOTIFY_SECRET),
        uiBaseUrl: 'http://ui.test',
      },
    }));
    ({ env, sims, taskQueue } = harness);
  });
  afterAll(async () => {
    await harness?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });
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
  /** Starts a run and waits until it waits for an operator (its leavers' access not all cut). */
  const runUntilAttention = async (request: OffboardingRequest, runOptions: RunOptions = {}) => {
    const started = await startOffboarding(env.client, request, {
      taskQueue,
      namespace: 'default',
      runOptions,
    });
    await waitUntil(
      async () => (await progressOf(env.client, request.requestId)).phase === 'needs_attention',
      `${request.requestId} to need attention`,
      120_000,
      200,
    );
    return started.handle;
  };
  /** Waives what remains of a waiting run and returns its result. */
  const waived = async (request: OffboardingRequest, runOptions: RunOptions = {}) => {
    const handle = await runUntilAttention(request, runOptions);
    await waiveOffboarding(env.client, request.requestId, 'it-ops', 'checked by hand');
    return { handle, result: await completeResult(env.client, await handle.result()) };
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

  it('a vendor down: Authing goes ahead, the run waits in needs_attention, and a retry after the vendor is back completes it', async () => {
    sims.wps.configure({ faults: { down: true } });
    const request = { requestId: `down-${randomUUID()}`, leavers: leavers(100, 3) };
    const handle = await runUntilAttention(request, { retryWindowMs: 10_000, authingWaitMs: 2_000 });
    // The identity is cut while the office suite cannot be reached.
    for (let n = 100; n < 103; n++) {
      expect(sims.authing.users.get(`au-${n}`)?.status).toBe('Resigned');
      expect(sims.wps.users.get(`wps-${n}`)).toBe('active');
    }
    const waiting = await progressOf(env.client, request.requestId);
    expect(waiting).toMatchObject({
      remainingLeavers: 3,
      counts: { wps: { failed: 3 }, authing: { done: 3 } },
    });
    expect(waiting.nextRetry).toEqual(expect.any(String));
    expect(waiting.deadline).toEqual(expect.any(String));

    sims.wps.configure({ faults: { down: false } });
    await retryOffboarding(env.client, request.requestId);
    const result = await completeResult(env.client, await handle.result());
    expect(result.status).toBe('completed');
    expect(result.failedLeavers).toBe(0);
    expect(result.totals.wps).toMatchObject({ done: 3, failed: 0 });
    expect(result.totals.authing).toMatchObject({ done: 3, failed: 0 });
    for (let n = 100; n < 103; n++) expect(sims.wps.users.get(`wps-${n}`)).toBe('disabled');
    // Operators were told, signed, when the run needed them and when it ended; ids and counts only.
    const told = notifications.filter((n) => n.requestId === request.requestId);
    expect(told.map((n) => n.phase)).toEqual(['needs_attention', 'completed']);
    expect(told[0]).toMatchObject({
      remaining: 3,
      leavers: 3,
      deadline: expect.any(String),
      link: `http://ui.test/namespaces/default/workflows/${handle.workflowId}`,
    });
    expect(JSON.stringify(told)).not.toMatch(/wps-10\d|au-10\d/);
    await recordHistory(handle, 'vendor-down-retried');
  });

  it('a vendor that stays down past the deadline: the run ends Failed, and its report says why for each leaver', async () => {
    sims.wps.configure({ faults: { down: true } });
    const request = { requestId: `deadline-${randomUUID()}`, leavers: leavers(110, 2) };
    const started = await startOffboarding(env.client, request, {
      taskQueue,
      namespace: 'default',
      runOptions: { retryWindowMs: 10_000, authingWaitMs: 2_000, deadlineMs: 10_000 },
    });
    await expect(started.handle.result()).rejects.toMatchObject({
      cause: { type: 'AccessNotCut', message: expect.stringContaining('the deadline passed with 2 of 2') },
    });
    expect((await started.handle.describe()).status.name).toBe('FAILED');
    const report = await resultOf(env.client, request.requestId);
    expect(report).toMatchObject({ status: 'failed', failedLeavers: 2 });
    for (const outcome of report.outcomes) {
      expect(outcome.wps.message).toMatch(/^gave up at the end of the retry window; last error: .*HTTP 503/);
      expect(outcome.wps.transient).toBe(true);
      expect(outcome.authing.status).toBe('done');
    }
  });

  it('records a permanent refusal with the vendor code, message and request id, without retrying it', async () => {
    sims.wps.configure({ rejectIds: ['wps-200'] });
    const { result } = await waived({ requestId: `refused-${randomUUID()}`, leavers: leavers(200, 1) });
    // Waived: the run ends Completed, the failure stays on record with who accepted it and why.
    expect(result.status).toBe('completed');
    expect(result.failedLeavers).toBe(0);
    expect(result.waivedLeavers).toBe(1);
    expect(result.waivers).toEqual([
      { by: 'it-ops', reason: 'checked by hand', at: expect.any(String), leavers: 1 },
    ]);
    expect(result.outcomes[0]?.wps).toEqual({
      status: 'failed',
      code: '400000001',
      message: expect.stringContaining('invalid user_ids'),
      vendorRequestId: expect.any(String),
      waived: true,
    });
    expect(result.outcomes[0]?.authing.status).toBe('done');
    expect(disablesOf(['wps-200'])).toHaveLength(1);
  });

  it('isolates one bad id in a full batch by splitting it: 49 done, 1 failed', async () => {
    const batch = leavers(300, 50);
    sims.wps.configure({ rejectIds: ['wps-317'] });
    sims.authing.configure({ rejectIds: ['au-333'] });
    const { result, handle } = await waived({ requestId: `bisect-1-${randomUUID()}`, leavers: batch });
    expect(result.status).toBe('completed');
    expect(result.totals.wps).toMatchObject({ done: 49, failed: 1 });
    expect(result.totals.authing).toMatchObject({ done: 49, failed: 1 });
    expect(result.outcomes[17]?.wps).toMatchObject({ status: 'failed', code: '400000001' });
    expect(result.outcomes[33]?.authing).toMatchObject({ status: 'failed' });
    expect(result.waivedLeavers).toBe(2);
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
    const { result } = await waived({ requestId: `bisect-3-${randomUUID()}`, leavers: batch });
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
