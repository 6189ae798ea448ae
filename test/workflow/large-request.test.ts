import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  cancelOffboarding,
  completeResult,
  progressOf,
  resultOf,
  retryOffboarding,
  startOffboarding,
} from '../../client/offboarding';
import { generateDirectory } from '../../simulators/directory';
import { defaultPayloadConverter } from '@temporalio/common';
import { partId } from '../../client/parts';
import { addLeaversAtUpdate, progressQuery, type LeaverPart } from '../../workflows/messages';
import { CHUNK_MAX_LEAVERS } from '../../workflows/plan';
import { workflowIdFor } from '../../workflows/request';
import type { OffboardingResult } from '../../workflows/result';
import { PHASE } from '../../workflows/search-attributes';
import { startWorkflowHarness, type WorkflowHarness } from '../support/harness';
import { recordHistory } from '../support/histories';
import type { RunningSimulators } from '../support/simulators';

const PAYLOAD_WARNING_BYTES = 512 * 1024;

/**
 * A request larger than one payload: it travels in parts (start + `addLeaversAt` updates) and runs as
 * chunk child workflows, so that no history and no payload grows with the request.
 */
describe('a large request: parts and chunk runs', () => {
  let harness: WorkflowHarness;
  let env: TestWorkflowEnvironment;
  let sims: RunningSimulators;
  let taskQueue: string;
  const size = 2 * CHUNK_MAX_LEAVERS + 100;

  beforeAll(async () => {
    harness = await startWorkflowHarness(generateDirectory(size, 0), 'large');
    ({ env, sims, taskQueue } = harness);
  });
  afterAll(async () => harness?.stop());

  const leavers = (count: number) =>
    Array.from({ length: count }, (_, i) => ({
      employeeId: `E${i + 1}`,
      wpsUserId: `wps-${i + 1}`,
      authingUserId: `au-${i + 1}`,
    }));

  it(`offboards ${size} leavers through parts and chunk runs, with bounded histories and payloads`, async () => {
    const requestId = `large-${randomUUID()}`;
    // Vendors that take a little time, so that the first chunk runs for seconds: long enough for a
    // poll to see its batches before the parent counts them, however fast or loaded the machine.
    sims.wps.configure({ faults: { latencyMs: 40 } });
    sims.authing.configure({ faults: { latencyMs: 40 } });
    const run = await startOffboarding(
      env.client,
      { requestId, leavers: leavers(size) },
      // Above the default approval threshold (500): approved up front here; the gate has its own test.
      // Parts of 700: the start and two updates, sent together (the default cut, by size, would give
      // the start and one update).
      { taskQueue, namespace: 'default', runOptions: { approvalThreshold: size }, leaversPerPart: 700 },
    );
    // Progress moves batch by batch while chunks run, not only when one ends: the client adds the
    // running chunks' own counts to the parent's.
    const seen: Array<{ parent: number; shown: number }> = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const [parent, shown] = await Promise.all([
          run.handle.query(progressQuery).catch(() => undefined),
          progressOf(env.client, requestId).catch(() => undefined),
        ]);
        if (parent && shown) seen.push({ parent: parent.batchesDone, shown: shown.batchesDone });
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const summary = await run.handle
      .result()
      .finally(() => (polling = false))
      .finally(() => {
        sims.wps.configure({ faults: { latencyMs: 0 } });
        sims.authing.configure({ faults: { latencyMs: 0 } });
      });
    await poller;
    expect(seen.some(({ parent, shown }) => parent === 0 && shown > 0)).toBe(true);
    expect(seen.every(({ shown }) => shown <= Math.ceil(size / 50))).toBe(true);
    expect(summary.status).toBe('completed');
    expect(summary.outcomes).toBeUndefined();
    // Even chunks on batch boundaries, as many as a multiple of the 4 default lanes.
    expect(summary.chunks?.map((c) => [c.workflowId, c.first, c.leavers])).toEqual([
      [`${workflowIdFor(requestId)}-chunk-1`, 0, 550],
      [`${workflowIdFor(requestId)}-chunk-2`, 550, 550],
      [`${workflowIdFor(requestId)}-chunk-3`, 1100, 500],
      [`${workflowIdFor(requestId)}-chunk-4`, 1600, 500],
    ]);
    expect(summary.totals.wps).toMatchObject({ done: size, failed: 0 });
    expect(summary.totals.authing).toMatchObject({ done: size, failed: 0 });
    expect(await run.handle.query(progressQuery)).toMatchObject({
      phase: 'completed',
      leavers: size,
      leaversReceived: size,
      batchesDone: Math.ceil(size / 50),
      batchesTotal: Math.ceil(size / 50),
    });

    // Every leaver's outcome, joined from the chunks in request order; the directory agrees.
    const result = await completeResult(env.client, summary);
    expect(result.outcomes).toHaveLength(size);
    result.outcomes.forEach((o, i) => {
      expect(o.wpsUserId).toBe(`wps-${i + 1}`);
      expect(o.wps.status).toBe('done');
      expect(o.authing.status).toBe('done');
    });
    for (let n = 1; n <= size; n++) expect(sims.authing.users.get(`au-${n}`)?.status).toBe('Resigned');

    // Both updates placed at their offsets, whichever came first.
    const parts = (await run.handle.fetchHistory()).events?.flatMap((e) => {
      const input = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
      const payload = input?.args?.payloads?.[0];
      if (!input || !payload) return [];
      const part = defaultPayloadConverter.fromPayload<LeaverPart>(payload);
      return [[input.name, part.part, part.offset, part.leavers.length]];
    });
    expect(parts?.sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual([
      ['addLeaversAt', 1, 700, 700],
      ['addLeaversAt', 2, 1400, 700],
    ]);

    // Bounded: the parent's history does not grow per batch, and no payload nears 512 KiB.
    const histories = [
      await run.handle.fetchHistory(),
      ...(await Promise.all(
        (summary.chunks ?? []).map((c) => env.client.workflow.getHandle(c.workflowId).fetchHistory()),
      )),
    ];
    const parentEvents = histories[0]?.events?.length ?? 0;
    expect(parentEvents).toBeLessThan(100);
    for (const history of histories) {
      expect(history.events?.length ?? 0).toBeLessThan(10_240);
      for (const event of history.events ?? []) {
        for (const payload of payloadsOf(event)) {
          expect(payload).toBeLessThan(PAYLOAD_WARNING_BYTES);
        }
      }
    }
    await recordHistory(run.handle, 'large-request');
    await recordHistory(
      env.client.workflow.getHandle(`${workflowIdFor(requestId)}-chunk-3`),
      'large-request-chunk',
    );
  });

  it('a lane starts its next chunk once the current one has taken its last batch, not when it ends', async () => {
    for (let n = 1; n <= size; n++) {
      sims.wps.users.set(`wps-${n}`, 'active');
      const user = sims.authing.users.get(`au-${n}`);
      if (user) user.status = 'Activated';
    }
    const requestId = `large-hand-over-${randomUUID()}`;
    // Some latency, so that a chunk's last batch takes far longer than the parent's turn to start
    // the next chunk on its signal, even on a loaded machine.
    sims.wps.configure({ faults: { latencyMs: 30 } });
    sims.authing.configure({ faults: { latencyMs: 30 } });
    const run = await startOffboarding(
      env.client,
      { requestId, leavers: leavers(size) },
      { taskQueue, namespace: 'default', runOptions: { approvalThreshold: size, concurrency: 1 } },
    );
    const summary = await run.handle.result().finally(() => {
      sims.wps.configure({ faults: { latencyMs: 0 } });
      sims.authing.configure({ faults: { latencyMs: 0 } });
    });
    expect(summary.status).toBe('completed');
    expect(summary.totals.wps).toMatchObject({ done: size, failed: 0 });
    expect(summary.totals.authing).toMatchObject({ done: size, failed: 0 });
    const chunks = summary.chunks ?? [];
    expect(chunks).toHaveLength(3);

    // One lane, yet each chunk after the first was started before the one before it had ended,
    // on that chunk's signal.
    const events = (await run.handle.fetchHistory()).events ?? [];
    const position = (test: (e: (typeof events)[number]) => boolean): number => events.findIndex(test);
    for (let k = 1; k < chunks.length; k++) {
      const started = position(
        (e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId === chunks[k]?.workflowId,
      );
      const endedBefore = position(
        (e) =>
          e.childWorkflowExecutionCompletedEventAttributes?.workflowExecution?.workflowId ===
          chunks[k - 1]?.workflowId,
      );
      const signalled = position(
        (e) =>
          e.workflowExecutionSignaledEventAttributes?.signalName === 'chunkDraining' &&
          e.workflowExecutionSignaledEventAttributes.externalWorkflowExecution?.workflowId ===
            chunks[k - 1]?.workflowId,
      );
      expect(signalled).toBeGreaterThan(0);
      expect(signalled).toBeLessThan(started);
      expect(started).toBeLessThan(endedBefore);
    }
    await recordHistory(run.handle, 'chunk-hand-over');
    await recordHistory(env.client.workflow.getHandle(chunks[1]?.workflowId ?? ''), 'chunk-hand-over-chunk');
  });

  it('a chunk that fails stops the run: no further chunk starts, and the run fails with it', async () => {
    for (let n = 1; n <= size; n++) {
      sims.wps.users.set(`wps-${n}`, 'active');
      const user = sims.authing.users.get(`au-${n}`);
      if (user) user.status = 'Activated';
    }
    sims.wps.configure({ faults: { latencyMs: 100 } });
    sims.authing.configure({ faults: { latencyMs: 100 } });
    try {
      const requestId = `large-chunk-fails-${randomUUID()}`;
      const run = await startOffboarding(
        env.client,
        { requestId, leavers: leavers(size) },
        { taskQueue, namespace: 'default', runOptions: { approvalThreshold: size, concurrency: 1 } },
      );
      const first = env.client.workflow.getHandle(`${workflowIdFor(requestId)}-chunk-1`);
      const until = Date.now() + 60_000;
      for (;;) {
        const started = await first.describe().then(
          () => true,
          () => false,
        );
        if (started) break;
        if (Date.now() > until) throw new Error('chunk 1 did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
      await first.terminate('an operator ended this chunk');
      await expect(run.handle.result()).rejects.toThrow(WorkflowFailedError);
      // Chunk 1 had not taken its last batch: the lane never moved on to chunk 2 or 3.
      for (const chunk of [2, 3]) {
        await expect(
          env.client.workflow.getHandle(`${workflowIdFor(requestId)}-chunk-${chunk}`).describe(),
        ).rejects.toThrow(/not found/i);
      }
    } finally {
      // A terminated workflow's activities are not stopped: those of chunk 1 still running finish
      // in the worker. Wait until no vendor call has ended for 2 s, so that the next test finds the
      // directory as it leaves it.
      const calls = () => sims.wps.calls.length + sims.authing.calls.length;
      let seen = calls();
      let quietSince = Date.now();
      const until = Date.now() + 30_000;
      while (Date.now() - quietSince < 2_000 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 200));
        if (calls() !== seen) {
          seen = calls();
          quietSince = Date.now();
        }
      }
      sims.wps.configure({ faults: { latencyMs: 0 } });
      sims.authing.configure({ faults: { latencyMs: 0 } });
    }
  });

  it('cancelled while its chunks run: the running chunk stops, the rest are recorded skipped, nothing is lost', async () => {
    sims.wps.configure({ faults: { latencyMs: 100 } });
    sims.authing.configure({ faults: { latencyMs: 100 } });
    try {
      const requestId = `large-cancel-${randomUUID()}`;
      // Fresh users: the directory was offboarded by the first test, so re-activate them.
      for (let n = 1; n <= size; n++) {
        sims.wps.users.set(`wps-${n}`, 'active');
        const user = sims.authing.users.get(`au-${n}`);
        if (user) user.status = 'Activated';
      }
      const resigns = () => sims.authing.calls.filter((c) => c.path === '/api/v3/resign-user-batch').length;
      const before = resigns();
      const run = await startOffboarding(
        env.client,
        { requestId, leavers: leavers(size) },
        { taskQueue, namespace: 'default', runOptions: { approvalThreshold: size, concurrency: 1 } },
      );
      const until = Date.now() + 60_000;
      // Two batches resigned: the canary (one user), the rest of its batch, and the next batch.
      while (resigns() < before + 3) {
        if (Date.now() > until) throw new Error('the run did not get going');
        await new Promise((r) => setTimeout(r, 100));
      }
      await cancelOffboarding(env.client, requestId, 'stop the layoff');
      const result = await resultOf(env.client, requestId);
      expect((await run.handle.describe()).status.name).toBe('CANCELLED');
      expect(result.status).toBe('cancelled');
      expect(result.outcomes).toHaveLength(size);
      expect(result.chunks).toHaveLength(3);
      const done = result.outcomes.filter((o) => o.authing.status === 'done').length;
      expect(done).toBeGreaterThanOrEqual(100);
      expect(done).toBeLessThan(CHUNK_MAX_LEAVERS);
      expect(result.totals.authing.skipped).toBe(size - done);
      // Chunks 2 and 3 never touched anything and say why.
      expect(result.outcomes[size - 1]?.wps).toEqual({
        status: 'skipped',
        message: 'not started: stop the layoff',
      });
      result.outcomes.forEach((o, i) => {
        const resigned = sims.authing.users.get(`au-${i + 1}`)?.status === 'Resigned';
        expect(resigned).toBe(o.authing.status === 'done');
        expect(sims.wps.users.get(`wps-${i + 1}`) === 'disabled').toBe(o.wps.status === 'done');
      });
    } finally {
      sims.wps.configure({ faults: { latencyMs: 0 } });
      sims.authing.configure({ faults: { latencyMs: 0 } });
    }
  });

  it('chunks with leavers not cut wait for attention: the run shows needs_attention, and a retry through the parent finishes every chunk', async () => {
    for (let n = 1; n <= size; n++) {
      sims.wps.users.set(`wps-${n}`, 'active');
      const user = sims.authing.users.get(`au-${n}`);
      if (user) user.status = 'Activated';
    }
    // One id refused in the first chunk and one in the second.
    const refused = ['wps-7', `wps-${CHUNK_MAX_LEAVERS + 7}`];
    sims.wps.configure({ rejectIds: refused });
    try {
      const requestId = `large-attention-${randomUUID()}`;
      const run = await startOffboarding(
        env.client,
        { requestId, leavers: leavers(size) },
        { taskQueue, namespace: 'default', runOptions: { approvalThreshold: size } },
      );
      const until = Date.now() + 180_000;
      let progress = await progressOf(env.client, requestId);
      while (!(progress.phase === 'needs_attention' && progress.remainingLeavers === 2)) {
        if (Date.now() > until)
          throw new Error(`the run did not wait for attention: ${JSON.stringify(progress)}`);
        await new Promise((r) => setTimeout(r, 250));
        progress = await progressOf(env.client, requestId);
      }
      expect((await run.handle.describe()).typedSearchAttributes.get(PHASE)).toBe('needs_attention');
      for (const id of refused) expect(sims.wps.users.get(id)).toBe('active');

      sims.wps.configure({ rejectIds: [] });
      await retryOffboarding(env.client, requestId);
      const result = await completeResult(env.client, await run.handle.result());
      expect(result.status).toBe('completed');
      expect(result.failedLeavers).toBe(0);
      expect(result.totals.wps).toMatchObject({ done: size, failed: 0 });
      for (const id of refused) expect(sims.wps.users.get(id)).toBe('disabled');
    } finally {
      sims.wps.configure({ rejectIds: [] });
    }
  });

  it('refuses a part repeating an id of the first part, and changes nothing; a part sent again under its update id is taken once', async () => {
    const requestId = `parts-${randomUUID()}`;
    const first = leavers(3);
    const handle = await env.client.workflow.start('offboarding', {
      taskQueue,
      workflowId: workflowIdFor(requestId),
      args: [{ requestId, leavers: first }, { expectedLeavers: 5 }],
    });
    const duplicate = await handle
      .executeUpdate(addLeaversAtUpdate, {
        args: [{ part: 1, offset: 3, leavers: [{ wpsUserId: 'wps-2' }] }],
      })
      .catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((duplicate as WorkflowUpdateFailedError).cause?.message)).toContain(
      'leavers[3].wpsUserId: duplicates leavers[1].wpsUserId (wps-2)',
    );
    expect(await handle.query(progressQuery)).toMatchObject({
      phase: 'receiving',
      leavers: 5,
      leaversReceived: 3,
    });

    // As a repeated submission sends it: the same update id, so Temporal answers with the first receipt.
    const part: LeaverPart = { part: 1, offset: 3, leavers: [{ wpsUserId: 'wps-4' }] };
    const send = () => handle.executeUpdate(addLeaversAtUpdate, { args: [part], updateId: partId(part) });
    expect(await send()).toEqual({ received: 4, expected: 5 });
    expect(await send()).toEqual({ received: 4, expected: 5 });
    expect(await handle.query(progressQuery)).toMatchObject({ phase: 'receiving', leaversReceived: 4 });

    expect(
      await handle.executeUpdate(addLeaversAtUpdate, {
        args: [{ part: 2, offset: 4, leavers: [{ wpsUserId: 'wps-5' }] }],
      }),
    ).toEqual({ received: 5, expected: 5 });
    const result = (await handle.result()) as OffboardingResult;
    expect(result.status).toBe('completed');
    expect(result.outcomes?.map((o) => o.wpsUserId)).toEqual(['wps-1', 'wps-2', 'wps-3', 'wps-4', 'wps-5']);
  });
});

describe('a large request: parts in any order', () => {
  let harness: WorkflowHarness;
  let env: TestWorkflowEnvironment;
  let taskQueue: string;

  beforeAll(async () => {
    harness = await startWorkflowHarness(generateDirectory(10, 0), 'parts');
    ({ env, taskQueue } = harness);
  });
  afterAll(async () => harness?.stop());

  const leaver = (n: number) => ({ employeeId: `E${n}`, wpsUserId: `wps-${n}`, authingUserId: `au-${n}` });
  const range = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => leaver(from + i));
  const refusal = (err: unknown) => {
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    return String((err as WorkflowUpdateFailedError).cause?.message);
  };

  it('takes parts that name their offset in any order, refuses overlaps and repeats, and runs the leavers in request order', async () => {
    const requestId = `parts-any-order-${randomUUID()}`;
    const handle = await env.client.workflow.start('offboarding', {
      taskQueue,
      workflowId: workflowIdFor(requestId),
      args: [
        { requestId, leavers: range(1, 2) },
        { expectedLeavers: 8, concurrency: 1 },
      ],
    });
    const add = (part: number, offset: number, from: number, to: number) =>
      handle.executeUpdate(addLeaversAtUpdate, { args: [{ part, offset, leavers: range(from, to) }] });

    // Part 3 (leavers 7 and 8) first: held until the gap before it is filled.
    expect(await add(3, 6, 7, 8)).toEqual({ received: 4, expected: 8 });
    expect(await handle.query(progressQuery)).toMatchObject({ phase: 'receiving', leaversReceived: 4 });

    expect(refusal(await add(3, 6, 7, 8).catch((e: unknown) => e))).toBe(
      'part 3 (leavers[6] to leavers[7]) overlaps leavers already received',
    );
    expect(refusal(await add(4, 5, 6, 7).catch((e: unknown) => e))).toBe(
      'part 4 (leavers[5] to leavers[6]) overlaps leavers already received',
    );
    expect(refusal(await add(4, 1, 2, 3).catch((e: unknown) => e))).toMatch(
      /offset 1 must be a whole number from 2/,
    );
    expect(refusal(await add(4, 8, 9, 9).catch((e: unknown) => e))).toMatch(
      /brings more leavers than the 8 announced/,
    );
    // An id of a part that arrived ahead is a duplicate, at its place in the request.
    const duplicate = await handle
      .executeUpdate(addLeaversAtUpdate, {
        args: [{ part: 1, offset: 2, leavers: [leaver(3), { ...leaver(4), wpsUserId: 'wps-8' }] }],
      })
      .catch((e: unknown) => e);
    expect(refusal(duplicate)).toContain(
      'leavers[3] (employee E4).wpsUserId: duplicates leavers[7].wpsUserId (wps-8)',
    );
    expect(await handle.query(progressQuery)).toMatchObject({ phase: 'receiving', leaversReceived: 4 });

    // The last two together, as the client sends them: most likely taken in one workflow task.
    const receipts = await Promise.all([add(2, 4, 5, 6), add(1, 2, 3, 4)]);
    expect(receipts.map((r) => r.received).sort()).toEqual([6, 8]);
    const result = (await handle.result()) as OffboardingResult;
    expect(result.status).toBe('completed');
    expect(result.outcomes?.map((o) => o.employeeId)).toEqual(range(1, 8).map((l) => l.employeeId));
    expect(result.outcomes?.every((o) => o.wps.status === 'done' && o.authing.status === 'done')).toBe(true);
    await recordHistory(handle, 'parts-any-order');
  });

  it('cancelled while parts come, reports every leaver received, those ahead of a gap too, as skipped', async () => {
    const requestId = `parts-cancelled-${randomUUID()}`;
    const handle = await env.client.workflow.start('offboarding', {
      taskQueue,
      workflowId: workflowIdFor(requestId),
      args: [{ requestId, leavers: range(1, 2) }, { expectedLeavers: 8 }],
    });
    await handle.executeUpdate(addLeaversAtUpdate, { args: [{ part: 3, offset: 6, leavers: range(7, 8) }] });
    await cancelOffboarding(env.client, requestId, 'the layoff was called off');
    const result: OffboardingResult = await resultOf(env.client, requestId);
    expect(result.status).toBe('cancelled');
    expect(result.outcomes?.map((o) => [o.employeeId, o.wps.status, o.authing.status])).toEqual([
      ['E1', 'skipped', 'skipped'],
      ['E2', 'skipped', 'skipped'],
      ['E7', 'skipped', 'skipped'],
      ['E8', 'skipped', 'skipped'],
    ]);
  });
});

/** Sizes of every payload an event carries (inputs, results, update arguments). */
function payloadsOf(event: object): number[] {
  const sizes: number[] = [];
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    if (value instanceof Uint8Array) return;
    const record = value as Record<string, unknown>;
    if (record.data instanceof Uint8Array && 'metadata' in record) {
      sizes.push(record.data.length);
      return;
    }
    for (const child of Object.values(record)) visit(child);
  };
  visit(event);
  return sizes;
}
