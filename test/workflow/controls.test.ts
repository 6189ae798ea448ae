import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  approveOffboarding,
  cancelOffboarding,
  completeResult,
  progressOf,
  resultOf,
  rescheduleOffboarding,
  RunFinishedError,
  startOffboarding,
} from '../../client/offboarding';
import { generateDirectory } from '../../simulators/directory';
import type { Phase, Progress } from '../../workflows/messages';
import type { OffboardingRequest } from '../../workflows/request';
import { PHASE } from '../../workflows/search-attributes';
import { startWorkflowHarness, type WorkflowHarness } from '../support/harness';
import { recordHistory } from '../support/histories';
import type { RunningSimulators } from '../support/simulators';

/** Reschedule, approval, cancel mid-run and Temporal's own cancellation, on the real dev server. */
describe('controlling a run: reschedule, approve, cancel', () => {
  let harness: WorkflowHarness;
  let env: TestWorkflowEnvironment;
  let sims: RunningSimulators;
  let taskQueue: string;

  beforeAll(async () => {
    harness = await startWorkflowHarness(generateDirectory(400, 0), 'controls');
    ({ env, sims, taskQueue } = harness);
  });
  afterAll(async () => harness?.stop());
  afterEach(() => {
    sims.wps.configure({ faults: { latencyMs: 0 } });
    sims.authing.configure({ faults: { latencyMs: 0 } });
  });

  const start = (request: OffboardingRequest, runOptions = {}) =>
    startOffboarding(env.client, request, { taskQueue, namespace: 'default', runOptions });

  const leavers = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({
      employeeId: `E${from + i}`,
      wpsUserId: `wps-${from + i}`,
      authingUserId: `au-${from + i}`,
    }));

  const callsFor = (ids: string[]) =>
    [...sims.wps.calls, ...sims.authing.calls].filter((c) => c.userIds.some((id) => ids.includes(id))).length;

  async function waitFor(
    requestId: string,
    ok: (p: Progress) => boolean,
    what: string,
    timeoutMs = 60_000,
  ): Promise<Progress> {
    const until = Date.now() + timeoutMs;
    let last: Progress | undefined;
    while (Date.now() < until) {
      last = await progressOf(env.client, requestId).catch(() => undefined);
      if (last && ok(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}; last progress: ${JSON.stringify(last)}`);
  }
  const phaseIs = (phase: Phase) => (p: Progress) => p.phase === phase;

  it('reschedules a waiting run to sooner, runs it then, and refuses a reschedule once it has run', async () => {
    const requestId = `resched-${randomUUID()}`;
    const later = new Date(Date.now() + 6 * 60 * 60_000).toISOString();
    const run = await start({ requestId, effectiveAt: later, leavers: leavers(1, 3) });
    await waitFor(requestId, phaseIs('scheduled'), 'scheduled');

    // A bad time is refused by the update's validator and changes nothing.
    await expect(rescheduleOffboarding(env.client, requestId, 'tomorrow')).rejects.toThrow(
      WorkflowUpdateFailedError,
    );
    expect((await progressOf(env.client, requestId)).nextWakeUp).toBe(later);

    const soon = new Date(Date.now() + 3_000);
    const moved = await rescheduleOffboarding(env.client, requestId, soon.toISOString());
    expect(moved).toMatchObject({ phase: 'scheduled', effectiveAt: soon.toISOString() });
    const result = await completeResult(env.client, await run.handle.result());
    expect(result.status).toBe('completed');
    expect(result.totals.wps.done).toBe(3);
    // The first vendor call came no earlier than the new time (X-Kso-Date has whole seconds).
    const firstCall = sims.wps.calls.find((c) => c.userIds.includes('wps-1'));
    expect(Date.parse(firstCall?.ksoDate ?? '')).toBeGreaterThanOrEqual(soon.getTime() - 1_000);

    await expect(rescheduleOffboarding(env.client, requestId, later)).rejects.toThrow(
      new RunFinishedError(requestId, 'completed', 'rescheduled'),
    );
    await recordHistory(run.handle, 'rescheduled');
  });

  it('holds a request over the approval threshold until approved, touching nothing before', async () => {
    const requestId = `approve-${randomUUID()}`;
    const ids = leavers(20, 6);
    const run = await start({ requestId, leavers: ids }, { approvalThreshold: 5 });
    const waiting = await waitFor(requestId, phaseIs('awaiting_approval'), 'awaiting approval');
    expect(waiting.approval).toEqual({ required: true, threshold: 5 });
    // The plan is shown while the run waits.
    expect(waiting).toMatchObject({ batchesTotal: 1, batchesDone: 0 });
    expect((await run.handle.describe()).typedSearchAttributes.get(PHASE)).toBe('awaiting_approval');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(callsFor(ids.map((l) => l.wpsUserId).concat(ids.map((l) => l.authingUserId)))).toBe(0);

    const bad = await approveOffboarding(env.client, requestId, '  ').catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(WorkflowUpdateFailedError);

    const approved = await approveOffboarding(env.client, requestId, 'it-lead@example.com');
    expect(approved.approval).toMatchObject({ required: true, approvedBy: 'it-lead@example.com' });
    // The answer shows where the run went, not the phase it left.
    expect(approved.phase).not.toBe('awaiting_approval');
    const result = await completeResult(env.client, await run.handle.result());
    expect(result).toMatchObject({ status: 'completed', approvedBy: 'it-lead@example.com' });
    expect(result.totals.authing.done).toBe(6);
    await recordHistory(run.handle, 'approved');
  });

  it('refuses an approval that is not needed', async () => {
    const requestId = `no-approval-${randomUUID()}`;
    const run = await start({
      requestId,
      effectiveAt: new Date(Date.now() + 60 * 60_000).toISOString(),
      leavers: leavers(40, 2),
    });
    await waitFor(requestId, phaseIs('scheduled'), 'scheduled');
    const refused = await approveOffboarding(env.client, requestId, 'someone').catch((e: unknown) => e);
    expect(String((refused as WorkflowUpdateFailedError).cause?.message)).toMatch(/needs no approval/);
    await cancelOffboarding(env.client, requestId, 'test over');
    expect((await resultOf(env.client, requestId)).status).toBe('cancelled');
    expect((await run.handle.describe()).status.name).toBe('CANCELLED');
  });

  it('cancelled mid-run: no new batch starts, and the result says what was and was not done', async () => {
    sims.wps.configure({ faults: { latencyMs: 300 } });
    sims.authing.configure({ faults: { latencyMs: 300 } });
    const requestId = `midrun-${randomUUID()}`;
    const run = await start({ requestId, leavers: leavers(100, 40) }, { batchSize: 5, concurrency: 1 });
    await waitFor(requestId, (p) => p.batchesDone >= 2, 'two batches done');
    await cancelOffboarding(env.client, requestId, 'HR found a mistake');
    // Canceled in Temporal's terms, with no result: the run's report says what was and was not done.
    await expect(run.handle.result()).rejects.toMatchObject({ cause: { name: 'CancelledFailure' } });
    expect((await run.handle.describe()).status.name).toBe('CANCELLED');
    const result = await resultOf(env.client, requestId);

    expect(result.status).toBe('cancelled');
    expect(result.cancelReason).toBe('HR found a mistake');
    const doneWps = result.outcomes.filter((o) => o.wps.status === 'done').length;
    const doneAuthing = result.outcomes.filter((o) => o.authing.status === 'done').length;
    expect(doneWps).toBeGreaterThanOrEqual(10);
    expect(doneWps).toBeLessThan(40);
    // Never resigned without the WPS step before it; the rest untouched and reported skipped.
    expect(doneAuthing).toBeLessThanOrEqual(doneWps);
    expect(result.totals.wps.skipped + doneWps).toBe(40);
    expect(result.totals.authing.skipped + doneAuthing).toBe(40);
    // A batch whose WPS step ran when the cancel came, but whose Authing step had not begun, says so.
    for (const outcome of result.outcomes.filter(
      (o) => o.wps.status === 'done' && o.authing.status === 'skipped',
    )) {
      expect(outcome.authing.message).toBe('cancelled before the Authing step');
    }
    for (const outcome of result.outcomes) {
      const wpsState = sims.wps.users.get(outcome.wpsUserId ?? '');
      expect(wpsState).toBe(outcome.wps.status === 'done' ? 'disabled' : 'active');
      const authingState = sims.authing.users.get(outcome.authingUserId ?? '')?.status;
      expect(authingState === 'Resigned').toBe(outcome.authing.status === 'done');
    }
    await recordHistory(run.handle, 'cancelled-mid-run');
  });

  it("treats Temporal's own cancellation (Web UI, temporal workflow cancel) like the cancel signal", async () => {
    const requestId = `temporal-cancel-${randomUUID()}`;
    const run = await start({
      requestId,
      effectiveAt: new Date(Date.now() + 60 * 60_000).toISOString(),
      leavers: leavers(200, 3),
    });
    await waitFor(requestId, phaseIs('scheduled'), 'scheduled');
    await run.handle.cancel();
    const result = await resultOf(env.client, requestId);
    expect((await run.handle.describe()).status.name).toBe('CANCELLED');
    expect(result.status).toBe('cancelled');
    expect(result.cancelReason).toMatch(/workflow cancellation/);
    expect(result.totals.wps.skipped).toBe(3);
  });
});
