import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { cancelOffboarding, completeResult, resultOf, startOffboarding } from '../../client/offboarding';
import { generateDirectory } from '../../simulators/directory';
import { progressQuery } from '../../workflows/messages';
import { workflowIdFor, type OffboardingRequest } from '../../workflows/request';
import { FAILED_COUNT, LEAVER_COUNT, PHASE, REQUEST_ID } from '../../workflows/search-attributes';
import { InvalidRequestError } from '../../workflows/validation';
import { recordHistory } from '../support/histories';
import { startWorkflowHarness, type WorkflowHarness } from '../support/harness';
import type { RunningSimulators } from '../support/simulators';

describe('offboarding workflow on a real dev server', () => {
  let harness: WorkflowHarness;
  let env: TestWorkflowEnvironment;
  let sims: RunningSimulators;
  let taskQueue: string;

  beforeAll(async () => {
    // 300 people in both systems; every 10th already disabled in WPS and resigned in Authing.
    harness = await startWorkflowHarness(generateDirectory(300, 10), 'offboarding');
    ({ env, sims, taskQueue } = harness);
  });
  afterAll(async () => harness?.stop());

  const start = (request: OffboardingRequest, runOptions = {}) =>
    startOffboarding(env.client, request, { taskQueue, namespace: 'default', runOptions });

  it('offboards every leaver: WPS disable before Authing resign, verified, with search attributes', async () => {
    const requestId = `happy-${randomUUID()}`;
    const leavers = [
      ...Array.from({ length: 118 }, (_, i) => ({
        employeeId: `E${i + 1}`,
        wpsUserId: `wps-${i + 1}`,
        authingUserId: `au-${i + 1}`,
      })),
      { employeeId: 'X1', wpsUserId: 'wps-nobody', authingUserId: 'au-nobody' },
      { employeeId: 'X2', authingUserId: 'au-200' },
    ];
    const run = await start({ requestId, leavers }, { batchSize: 50, concurrency: 2 });
    expect(run.workflowId).toBe(workflowIdFor(requestId));
    const result = await completeResult(env.client, await run.handle.result());

    expect(result.status).toBe('completed');
    expect(result.outcomes).toHaveLength(120);
    // 118 known leavers: 11 of them (every 10th) were already so before.
    expect(result.totals.wps).toEqual({ done: 107, already: 11, not_found: 1, failed: 0, skipped: 1 });
    // X2's au-200 is one of the already resigned.
    expect(result.totals.authing).toEqual({ done: 107, already: 12, not_found: 1, failed: 0, skipped: 0 });
    expect(result.outcomes[0]).toEqual({
      employeeId: 'E1',
      wpsUserId: 'wps-1',
      authingUserId: 'au-1',
      wps: expect.objectContaining({ status: 'done' }),
      authing: expect.objectContaining({ status: 'done' }),
    });
    expect(result.outcomes[9]?.wps.status).toBe('already');
    expect(result.outcomes[118]?.wps.status).toBe('not_found');

    // The simulators' directories agree with the outcomes.
    for (let n = 1; n <= 118; n++) {
      expect(sims.wps.users.get(`wps-${n}`)).toBe('disabled');
      expect(sims.authing.users.get(`au-${n}`)?.status).toBe('Resigned');
    }
    expect(sims.wps.users.get('wps-119')).toBe('active');

    // Never more than 50 ids in one call, and per batch the WPS disable precedes the Authing resign.
    const disables = sims.wps.calls.filter((c) => c.path === '/v7/users/batch_disable');
    const resigns = sims.authing.calls.filter((c) => c.path === '/api/v3/resign-user-batch');
    expect([...disables, ...resigns].every((c) => c.userIds.length >= 1 && c.userIds.length <= 50)).toBe(
      true,
    );
    expect(sims.wps.calls.every((c) => c.signatureValid)).toBe(true);

    const description = await run.handle.describe();
    expect(description.typedSearchAttributes.get(REQUEST_ID)).toBe(requestId);
    expect(description.typedSearchAttributes.get(LEAVER_COUNT)).toBe(120);
    expect(description.typedSearchAttributes.get(PHASE)).toBe('completed');
    expect(description.typedSearchAttributes.get(FAILED_COUNT)).toBe(0);
    expect(await run.handle.query(progressQuery)).toMatchObject({
      phase: 'completed',
      batchesDone: 3,
      batchesTotal: 3,
    });
    await recordHistory(run.handle, 'happy-path');
  });

  it('starting the same request twice leads to the one existing run', async () => {
    const request = { requestId: `twice-${randomUUID()}`, leavers: [{ wpsUserId: 'wps-150' }] };
    const first = await start(request);
    const second = await start(request);
    expect(first.existing).toBe(false);
    expect(second.existing).toBe(true);
    expect((await second.handle.result()).status).toBe('completed');
    let runs = 0;
    for await (const _ of env.client.workflow.list({ query: `WorkflowId = '${first.workflowId}'` }))
      runs += 1;
    expect(runs).toBe(1);
  });

  it('refuses an invalid request in the client, before anything starts', async () => {
    const requestId = `invalid-${randomUUID()}`;
    await expect(start({ requestId, leavers: [{ employeeId: 'E1' }] })).rejects.toThrow(InvalidRequestError);
    await expect(env.client.workflow.getHandle(workflowIdFor(requestId)).describe()).rejects.toThrow(
      /not found/i,
    );
  });

  it('fails a run started with an invalid request without touching a vendor', async () => {
    const callsBefore = sims.wps.calls.length + sims.authing.calls.length;
    const handle = await env.client.workflow.start('offboarding', {
      taskQueue,
      workflowId: `invalid-direct-${randomUUID()}`,
      args: [{ requestId: 'r', leavers: [{ wpsUserId: 'a b' }] }, {}],
    });
    const failure = await handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause?.message).toContain(
      'leavers[0].wpsUserId: must not contain whitespace',
    );
    expect(sims.wps.calls.length + sims.authing.calls.length).toBe(callsBefore);
  });

  it('waits for effectiveAt, reports it, and a cancel before then touches nothing', async () => {
    const callsBefore = sims.wps.calls.length + sims.authing.calls.length;
    const effectiveAt = new Date(Date.now() + 60 * 60_000);
    const run = await start({
      requestId: `later-${randomUUID()}`,
      effectiveAt: effectiveAt.toISOString(),
      leavers: [{ wpsUserId: 'wps-161', authingUserId: 'au-161' }],
    });
    let progress = await run.handle.query(progressQuery);
    for (let i = 0; progress.phase !== 'scheduled' && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      progress = await run.handle.query(progressQuery);
    }
    expect(progress).toMatchObject({
      phase: 'scheduled',
      nextWakeUp: effectiveAt.toISOString(),
      batchesDone: 0,
    });
    expect((await run.handle.describe()).typedSearchAttributes.get(PHASE)).toBe('scheduled');

    await cancelOffboarding(env.client, run.requestId, 'HR withdrew the request');
    const result = await resultOf(env.client, run.requestId);
    expect((await run.handle.describe()).status.name).toBe('CANCELLED');
    expect(result.status).toBe('cancelled');
    expect(result.outcomes[0]).toMatchObject({ wps: { status: 'skipped' }, authing: { status: 'skipped' } });
    expect(sims.wps.calls.length + sims.authing.calls.length).toBe(callsBefore);
    expect(sims.wps.users.get('wps-161')).toBe('active');
    await recordHistory(run.handle, 'scheduled-then-cancelled');
  });
  it("keeps the run's vendor calls in flight at its concurrency while its lanes overlap the two vendors", async () => {
    // A shared count of calls inside their latency, over both simulators, and the order in which
    // each vendor finished each leaver's action.
    let inFlight = 0;
    let peak = 0;
    const restore: Array<() => void> = [];
    for (const vendor of ['wps', 'authing'] as const) {
      const faults = sims[vendor].faults;
      const before = faults.before.bind(faults);
      faults.before = async (call) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        try {
          return await before(call);
        } finally {
          inFlight -= 1;
        }
      };
      restore.push(() => (faults.before = before));
    }
    let sequence = 0;
    const disabledAt = new Map<string, number>();
    const resignedAt = new Map<string, number>();
    const pushWps = sims.wps.calls.push.bind(sims.wps.calls);
    sims.wps.calls.push = (...calls) => {
      for (const c of calls) {
        if (c.path === '/v7/users/batch_disable') for (const id of c.userIds) disabledAt.set(id, ++sequence);
      }
      return pushWps(...calls);
    };
    const pushAuthing = sims.authing.calls.push.bind(sims.authing.calls);
    sims.authing.calls.push = (...calls) => {
      for (const c of calls) {
        if (c.path === '/api/v3/resign-user-batch')
          for (const id of c.userIds) resignedAt.set(id, ++sequence);
      }
      return pushAuthing(...calls);
    };
    sims.wps.configure({ faults: { latencyMs: 80 } });
    sims.authing.configure({ faults: { latencyMs: 80 } });
    try {
      const requestId = `overlap-${randomUUID()}`;
      // wps-201 to wps-300 (every 10th already disabled and resigned): 10 batches of 10, 4 lanes.
      const leavers = Array.from({ length: 100 }, (_, i) => ({
        wpsUserId: `wps-${201 + i}`,
        authingUserId: `au-${201 + i}`,
      }));
      const run = await start({ requestId, leavers }, { batchSize: 10, concurrency: 2 });
      const result = await completeResult(env.client, await run.handle.result());

      expect(result.status).toBe('completed');
      expect(result.totals.wps).toEqual({ done: 90, already: 10, not_found: 0, failed: 0, skipped: 0 });
      expect(result.totals.authing).toEqual({ done: 90, already: 10, not_found: 0, failed: 0, skipped: 0 });
      expect(peak).toBe(2);

      // From the history: per batch, the Authing step is scheduled only after its WPS step has
      // completed; and lanes overlap their vendors: more activities open at once than 2 lanes per
      // slot could have one after the other (4).
      const events = (await run.handle.fetchHistory()).events ?? [];
      const scheduled = new Map<number, { type: string; batch: number }>();
      const wpsDone = new Map<number, number>();
      const authingScheduled = new Map<number, number>();
      let open = 0;
      let mostOpen = 0;
      for (const e of events) {
        const id = Number(e.eventId);
        const attributes = e.activityTaskScheduledEventAttributes;
        if (attributes) {
          const input = JSON.parse(Buffer.from(attributes.input?.payloads?.[0]?.data ?? []).toString()) as {
            batch: number;
          };
          const type = attributes.activityType?.name ?? '';
          scheduled.set(id, { type, batch: input.batch });
          if (type === 'resignAuthingUsers') authingScheduled.set(input.batch, id);
          mostOpen = Math.max(mostOpen, ++open);
        }
        const completed = e.activityTaskCompletedEventAttributes;
        if (completed) {
          open -= 1;
          const activity = scheduled.get(Number(completed.scheduledEventId));
          if (activity?.type === 'disableWpsUsers') wpsDone.set(activity.batch, id);
        }
      }
      expect(authingScheduled.size).toBe(10);
      for (const [batch, at] of authingScheduled) {
        expect(wpsDone.get(batch) ?? Infinity).toBeLessThan(at);
      }
      expect(mostOpen).toBeGreaterThan(4);
      // And the resign of each leaver reached Authing after the disable reached WPS.
      expect(resignedAt.size).toBe(90);
      for (const [id, at] of resignedAt) {
        expect(disabledAt.get(id.replace('au-', 'wps-')) ?? Infinity).toBeLessThan(at);
      }
      await recordHistory(run.handle, 'overlapping-lanes');
    } finally {
      sims.wps.configure({ faults: { latencyMs: 0 } });
      sims.authing.configure({ faults: { latencyMs: 0 } });
      sims.wps.calls.push = pushWps;
      sims.authing.calls.push = pushAuthing;
      for (const undo of restore) undo();
    }
  });
});
