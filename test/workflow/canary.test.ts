import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  cancelOffboarding,
  completeResult,
  continueOffboarding,
  resultOf,
  retryOffboarding,
  startOffboarding,
  waiveOffboarding,
} from '../../client/offboarding';
import { generateDirectory } from '../../simulators/directory';
import { progressQuery, type Phase, type Progress } from '../../workflows/messages';
import type { OffboardingRequest } from '../../workflows/request';
import { NOT_FOUND_COUNT, PHASE } from '../../workflows/search-attributes';
import { recordHistory } from '../support/histories';
import { startWorkflowHarness, type WorkflowHarness } from '../support/harness';
import { leaversOf } from '../support/leavers';
import type { RunningSimulators } from '../support/simulators';

/**
 * Fail closed on the vendors' claims: a vendor that accepts the action and changes nothing is found
 * out on one user (the canary), and ids a vendor does not know stop the run for an operator instead
 * of ending green as `not_found`.
 */
describe('canary and not_found guard on a real dev server', () => {
  let harness: WorkflowHarness;
  let env: TestWorkflowEnvironment;
  let sims: RunningSimulators;
  let taskQueue: string;
  let next = 1;

  beforeAll(async () => {
    harness = await startWorkflowHarness(generateDirectory(2_000, 0), 'canary');
    ({ env, sims, taskQueue } = harness);
  });
  afterAll(async () => harness?.stop());
  afterEach(() => {
    sims.wps.configure({ disableNoop: false });
    sims.authing.configure({ resignNoop: false });
  });

  const start = (request: OffboardingRequest, runOptions = {}) =>
    startOffboarding(env.client, request, { taskQueue, namespace: 'default', runOptions });
  /** Fresh directory users for each test, so that no test sees another's effects. */
  const fresh = (count: number) => {
    const leavers = leaversOf(next, count);
    next += count;
    return leavers;
  };
  /** Polls the run's progress until it reaches `phase`. */
  const waitForPhase = async (
    handle: { query: (q: typeof progressQuery) => Promise<Progress> },
    phase: Phase,
  ) => {
    let progress = await handle.query(progressQuery);
    for (let i = 0; i < 1200 && progress.phase !== phase; i++) {
      await new Promise((r) => setTimeout(r, 100));
      progress = await handle.query(progressQuery);
    }
    expect(progress.phase).toBe(phase);
    return progress;
  };
  const disables = () => sims.wps.calls.filter((c) => c.path === '/v7/users/batch_disable');
  const resigns = () => sims.authing.calls.filter((c) => c.path === '/api/v3/resign-user-batch');

  it('acts on one user alone first, then on the rest of the batch', async () => {
    const before = disables().length;
    const leavers = fresh(120);
    const run = await start({ requestId: `canary-ok-${randomUUID()}`, leavers }, { concurrency: 2 });
    const result = await completeResult(env.client, await run.handle.result());
    expect(result.status).toBe('completed');
    expect(result.totals.wps.done).toBe(120);
    expect(result.totals.authing.done).toBe(120);
    const calls = disables().slice(before);
    // The canary is the first disable, alone; no other disable began before it was read back.
    expect(calls[0]?.userIds).toHaveLength(1);
    expect(calls.slice(1).every((c) => c.userIds.length > 1)).toBe(true);
    const progress = await run.handle.query(progressQuery);
    expect(progress.canary).toEqual({ wps: { state: 'proven' }, authing: { state: 'proven' } });
  });

  it('a WPS that accepts batch_disable and changes nothing stops WPS work after one user; Authing resigns everyone; a retry once WPS is fixed finishes it', async () => {
    sims.wps.configure({ disableNoop: true });
    const before = disables().length;
    const leavers = fresh(150);
    const run = await start({ requestId: `canary-noop-${randomUUID()}`, leavers }, { concurrency: 2 });
    // The run does not end with 150 leavers still active in WPS: it waits for an operator.
    const waiting = await waitForPhase(run.handle, 'needs_attention');
    expect(waiting.remainingLeavers).toBe(150);
    expect(waiting.counts.wps.failed).toBe(150);
    // Not a transient failure: no automatic retry, only an operator's.
    expect(waiting.nextRetry).toBeUndefined();
    expect(waiting.canary?.wps.state).toBe('stopped');
    const calls = disables().slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.userIds).toHaveLength(1);
    // Cutting identity access does not wait on the office suite.
    expect(waiting.counts.authing.done).toBe(150);
    for (const l of leavers) expect(sims.authing.users.get(l.authingUserId ?? '')?.status).toBe('Resigned');

    // Fixed (say, the app's scope): a retry probes WPS with one user again, then does the rest.
    sims.wps.configure({ disableNoop: false });
    await retryOffboarding(env.client, run.requestId);
    const result = await completeResult(env.client, await run.handle.result());
    expect(result.status).toBe('completed');
    expect(result.totals.wps).toMatchObject({ done: 150, failed: 0 });
    expect(result.totals.authing).toMatchObject({ done: 150, failed: 0 });
    expect(disables().slice(before)[1]?.userIds).toHaveLength(1);
    for (const l of leavers) expect(sims.wps.users.get(l.wpsUserId ?? '')).toBe('disabled');
    await recordHistory(run.handle, 'canary-stopped');
  });

  it('an Authing that accepts resign-user-batch and changes nothing stops Authing work after one user; a waiver ends the run', async () => {
    sims.authing.configure({ resignNoop: true });
    const before = resigns().length;
    const leavers = fresh(60);
    const run = await start({ requestId: `canary-au-noop-${randomUUID()}`, leavers });
    await waitForPhase(run.handle, 'needs_attention');
    expect(
      resigns()
        .slice(before)
        .map((c) => c.userIds.length),
    ).toEqual([1]);
    await waiveOffboarding(env.client, run.requestId, 'ops-1', 'resigned by hand in the Authing console');
    const result = await completeResult(env.client, await run.handle.result());
    expect(result.status).toBe('completed');
    expect(result.totals.wps.done).toBe(60);
    expect(result.totals.authing.failed).toBe(60);
    expect(result.waivedLeavers).toBe(60);
    expect(result.waivers?.[0]).toMatchObject({ by: 'ops-1', leavers: 60 });
    const canaryUser = result.outcomes.find((o) => o.authing.code === 'NotEffective');
    expect(canaryUser?.authing).toMatchObject({ status: 'failed', waived: true });
    expect(result.outcomes.filter((o) => o.authing.code === 'NotAttempted')).toHaveLength(59);
    expect(result.outcomes.find((o) => o.authing.code === 'NotAttempted')?.authing.message).toMatch(
      /not sent: canary: the vendor accepted Authing resign-user-batch for one user/,
    );
  });

  it('a batch whose ids a vendor knows none of holds the run for an operator, who continues it', async () => {
    const leavers = [
      ...fresh(40),
      ...Array.from({ length: 30 }, (_, i) => ({ employeeId: `U${i}`, wpsUserId: `wps-unknown-${i}` })),
    ];
    // Batches of 10: batch 5 holds only unknown ids.
    const run = await start(
      { requestId: `guard-${randomUUID()}`, leavers },
      { batchSize: 10, concurrency: 1, notFoundThreshold: 1 },
    );
    let progress = await run.handle.query(progressQuery);
    for (let i = 0; i < 300 && progress.phase !== 'needs_attention'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      progress = await run.handle.query(progressQuery);
    }
    expect(progress.phase).toBe('needs_attention');
    expect(progress.hold).toMatchObject({
      system: 'wps',
      reason: 'none of the 10 ids sent were returned',
      endpoint: 'WPS batch_read',
    });
    expect(progress.hold?.userIds).toEqual(expect.arrayContaining(['wps-unknown-0']));
    expect(progress.hold?.vendorRequestIds.length).toBeGreaterThan(0);
    const description = await run.handle.describe();
    expect(description.typedSearchAttributes.get(PHASE)).toBe('needs_attention');
    expect(description.typedSearchAttributes.get(NOT_FOUND_COUNT)).toBeGreaterThanOrEqual(10);
    // It stays held: steps in flight when it held may still end (a batch with no Authing id ends
    // without a call), then no vendor call and no batch starts until someone decides.
    const snapshot = async () =>
      `${sims.wps.calls.length}/${sims.authing.calls.length}/${(await run.handle.query(progressQuery)).batchesDone}`;
    let settled = await snapshot();
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const now = await snapshot();
      if (now === settled) break;
      settled = now;
    }
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await snapshot()).toBe(settled);
    expect((await run.handle.query(progressQuery)).phase).toBe('needs_attention');

    await continueOffboarding(env.client, run.requestId, 'ops-1', 'contractors without WPS accounts');
    const result = await completeResult(env.client, await run.handle.result());
    expect(result.status).toBe('completed');
    expect(result.totals.wps).toMatchObject({ done: 40, not_found: 30 });
    await recordHistory(run.handle, 'not-found-continued');
    expect(result.notFoundAccepted).toEqual([
      expect.objectContaining({ system: 'wps', by: 'ops-1', reason: 'contractors without WPS accounts' }),
    ]);
    expect(result.outcomes[69]?.wps).toMatchObject({
      status: 'not_found',
      message: expect.stringMatching(/batch_read/),
    });
  });

  it('more unknown ids than the threshold hold the run; a cancel then ends it with the rest skipped', async () => {
    const known = fresh(16);
    // One unknown id per batch of 4: the second batch takes it past 10% of the run's 16 WPS ids.
    const leavers = known.map((l, i) => (i % 4 === 3 ? { ...l, wpsUserId: `wps-gone-${i}` } : l));
    const run = await start(
      { requestId: `guard-share-${randomUUID()}`, leavers },
      { batchSize: 4, concurrency: 1, notFoundThreshold: 0.1 },
    );
    let progress = await run.handle.query(progressQuery);
    for (let i = 0; i < 300 && progress.phase !== 'needs_attention'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      progress = await run.handle.query(progressQuery);
    }
    expect(progress.hold?.reason).toMatch(
      /2 of the run's 16 ids were not found, more than the threshold of 10%/,
    );
    await cancelOffboarding(env.client, run.requestId, 'wrong HR export');
    const result = await resultOf(env.client, run.requestId);
    expect(result.status).toBe('cancelled');
    expect(result.totals.wps.skipped).toBeGreaterThan(0);
    // Never confirmed, so never an outcome: failures, for whoever offboards these leavers next.
    expect(result.totals.wps.not_found).toBe(0);
    const gone = result.outcomes.filter((o) => o.wpsUserId?.startsWith('wps-gone-'));
    expect(gone.filter((o) => o.wps.code === 'NotFoundUnconfirmed').length).toBeGreaterThanOrEqual(2);
    expect(gone.every((o) => o.wps.status === 'skipped' || o.wps.code === 'NotFoundUnconfirmed')).toBe(true);
    await expect(continueOffboarding(env.client, run.requestId, 'ops-1', 'too late')).rejects.toThrow();
  });

  it('holds a small run whose every Authing id is unknown (each batch the last of its lane) before it ends', async () => {
    const leavers = fresh(3).map((l, i) => ({ ...l, authingUserId: `au-elsewhere-${i}` }));
    const run = await start({ requestId: `guard-last-${randomUUID()}`, leavers });
    let progress = await run.handle.query(progressQuery);
    for (let i = 0; i < 300 && progress.phase !== 'needs_attention'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      progress = await run.handle.query(progressQuery);
    }
    expect(progress.hold).toMatchObject({ system: 'authing', endpoint: 'Authing get-user-batch' });
    await continueOffboarding(env.client, run.requestId, 'ops-2', 'they left before we used Authing');
    const result = await completeResult(env.client, await run.handle.result());
    expect(result.status).toBe('completed');
    expect(result.totals.authing.not_found).toBe(3);
    expect(result.totals.wps.done).toBe(3);
  });

  it('holds for each system in turn (nothing more is sent while held); each is accepted on its own, by system', async () => {
    const before = resigns().length;
    const leavers = Array.from({ length: 4 }, (_, i) => ({
      employeeId: `B${i}`,
      wpsUserId: `wps-none-${i}`,
      authingUserId: `au-none-${i}`,
    }));
    const run = await start({ requestId: `guard-both-${randomUUID()}`, leavers });
    const heldFor = async (system: string) => {
      for (let i = 0; i < 300; i++) {
        const p = await run.handle.query(progressQuery);
        if (p.phase === 'needs_attention' && p.hold?.system === system) return p;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the run did not hold for ${system}`);
    };
    await heldFor('wps');
    // Held: the Authing step waits too.
    await new Promise((r) => setTimeout(r, 500));
    expect((await run.handle.query(progressQuery)).counts.authing.not_found).toBe(0);
    await expect(
      continueOffboarding(env.client, run.requestId, 'ops-3', 'x', 'authing'),
    ).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/does not hold for authing, only for wps/) },
    });
    await continueOffboarding(env.client, run.requestId, 'ops-3', 'not in WPS', 'wps');
    await heldFor('authing');
    await continueOffboarding(env.client, run.requestId, 'ops-3', 'not in Authing');
    const result = await completeResult(env.client, await run.handle.result());
    expect(result.status).toBe('completed');
    expect(result.notFoundAccepted?.map((a) => [a.system, a.reason])).toEqual([
      ['wps', 'not in WPS'],
      ['authing', 'not in Authing'],
    ]);
    expect(resigns().length).toBe(before);
  });
});
