import {
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  countSkipped,
  newGates,
  newRunState,
  runBatches,
  type BatchRunState,
  type Gates,
  type NotFoundGuard,
  type NotFoundHold,
} from './batch-runner';
import { offboardingChunk, type ChunkInput, type ChunkResult } from './chunk';
import {
  addLeaversAtUpdate,
  addLeaversUpdate,
  approveUpdate,
  cancelSignal,
  chunkDrainingSignal,
  chunkGateSignal,
  chunkHeldSignal,
  continueUpdate,
  holdSignal,
  resumeSignal,
  type ContinueInput,
  type NotFoundAcceptance,
  progressQuery,
  rescheduleUpdate,
  type Approval,
  type ApproveInput,
  type LeaverPart,
  type PlacedLeaverPart,
  type RescheduleInput,
  type FinalStatus,
  type Phase,
  type Progress,
} from './messages';
import { resolveRunOptions, type ResolvedRunOptions, type RunOptions } from './options';
import { emptyCounts, type OutcomeCounts, type System } from './outcome';
import { LeaverParts } from './parts';
import { CHUNK_MAX_LEAVERS, PART_MAX_BYTES, planBatches, planChunks, splitLeavers } from './plan';
import { MAX_IDS_PER_CALL, type Leaver, type OffboardingRequest } from './request';
import type { ChunkSummary, OffboardingResult } from './result';
import { FAILED_COUNT, NOT_FOUND_COUNT, PHASE, REQUEST_ID } from './search-attributes';
import {
  DEFAULT_VALIDATION_LIMITS,
  describeIssues,
  parseEffectiveAt,
  validateRequest,
  type ValidationIssue,
} from './validation';

export type { RunOptions } from './options';
export type { OffboardingResult } from './result';
export type { FinalStatus } from './messages';

/** A large request's parts must all arrive within this time of the start, or nothing is done. */
const SUBMISSION_WINDOW_MS = 60 * 60_000;
/** Large runs cut into even chunks, a multiple of the lanes (runs recorded before keep the greedy cut). */
const EVEN_CHUNKS_PATCH = 'even-chunks';

/** Who approves or decides: an operator id for the audit trail. */
const OPERATOR = /^[^\s\p{Cc}\p{Cf}][^\p{Cc}\p{Cf}]{0,127}$/u;

function invalid(message: string, issues: ValidationIssue[] = []): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'InvalidRequest', ...issues);
}

/**
 * Offboards every leaver of one request: waits durably for `effectiveAt` (and for an approval when
 * the request is large), then per batch WPS disable, then Authing resign, recording a verified
 * outcome per leaver and system. A request over one chunk runs as chunk child workflows.
 */
export async function offboarding(
  request: OffboardingRequest,
  options: RunOptions = {},
): Promise<OffboardingResult> {
  const validation = validateRequest(request);
  if (!validation.ok) {
    throw invalid(`invalid offboarding request: ${describeIssues(validation.issues)}`, validation.issues);
  }
  const valid = validation.request;
  const resolved = resolveRunOptions(options, MAX_IDS_PER_CALL);
  if (!resolved.ok) throw invalid(`invalid run options: ${resolved.problems.join('; ')}`);
  const settings = resolved.options;
  const expected = options.expectedLeavers ?? valid.leavers.length;
  if (
    !Number.isInteger(expected) ||
    expected < valid.leavers.length ||
    expected > DEFAULT_VALIDATION_LIMITS.maxLeavers
  ) {
    throw invalid(
      `invalid run options: expectedLeavers must be a whole number from ${valid.leavers.length} to ${DEFAULT_VALIDATION_LIMITS.maxLeavers}`,
    );
  }

  const parts = new LeaverParts(valid.leavers, expected, valid.authingUserIdType);
  // The request's leavers; complete once every part is in (./parts.ts).
  const leavers: Leaver[] = parts.leavers;
  let effectiveAtMs = valid.effectiveAtMs;
  let scheduleVersion = 0;
  let phase: Phase = 'validating';
  let cancelled = false;
  let cancelReason: string | undefined;
  let wakeUp: string | undefined;
  const approval: Approval = {
    required: expected > settings.approvalThreshold,
    threshold: settings.approvalThreshold,
  };
  // Progress, for the query: an inline run's live state, or the sums of finished chunks.
  let inline: BatchRunState | undefined;
  const chunkCounts: Record<System, OutcomeCounts> = { wps: emptyCounts(), authing: emptyCounts() };
  let chunkBatchesDone = 0;
  let batchesTotal = 0;
  let failedLeavers = 0;
  // The canary gates and the not_found guard (workflows/batch-runner.ts), run-wide.
  const gates = newGates();
  const holds: NotFoundHold[] = [];
  const notFoundAccepted: NotFoundAcceptance[] = [];
  const accepted = new Set<System>();
  /** Running chunks, told when an operator accepts a hold. */
  const runningChunks = new Set<string>();

  const started = (): boolean =>
    phase !== 'validating' && phase !== 'receiving' && phase !== 'scheduled' && phase !== 'awaiting_approval';
  const progress = (): Progress => ({
    requestId: valid.requestId,
    phase,
    leavers: expected,
    leaversReceived: parts.received,
    batchesDone: inline?.batchesDone ?? chunkBatchesDone,
    batchesTotal,
    counts: inline
      ? { wps: { ...inline.counts.wps }, authing: { ...inline.counts.authing } }
      : { wps: { ...chunkCounts.wps }, authing: { ...chunkCounts.authing } },
    ...(wakeUp !== undefined ? { nextWakeUp: wakeUp } : {}),
    ...(effectiveAtMs !== undefined ? { effectiveAt: new Date(effectiveAtMs).toISOString() } : {}),
    approval: { ...approval },
    ...(cancelReason !== undefined ? { cancelReason } : {}),
    canary: { wps: { ...gates.wps }, authing: { ...gates.authing } },
    ...(holds[0] !== undefined ? { hold: holds[0] } : {}),
    ...(notFoundAccepted.length > 0 ? { notFoundAccepted: [...notFoundAccepted] } : {}),
    ...(runningChunks.size > 0 ? { runningChunks: [...runningChunks] } : {}),
  });

  const cancel = (reason: string): void => {
    if (cancelled) return;
    log.info('cancel requested', { reason });
    cancelled = true;
    cancelReason = reason;
  };

  setHandler(progressQuery, progress);
  setHandler(cancelSignal, (reason) => cancel(reason ?? 'cancelled by an operator'));
  setHandler(
    rescheduleUpdate,
    ({ effectiveAt }) => {
      effectiveAtMs = parseEffectiveAt(effectiveAt) as number;
      scheduleVersion += 1;
      log.info('rescheduled', { effectiveAt });
      return progress();
    },
    {
      validator: (input: Partial<RescheduleInput> | undefined) => {
        if (cancelled) throw new Error('the run was cancelled; there is nothing to reschedule');
        if (started())
          throw new Error(`the run has already started (phase ${phase}); it cannot be rescheduled`);
        const parsed = parseEffectiveAt(input?.effectiveAt);
        if (typeof parsed === 'string') throw new Error(`effectiveAt ${parsed}`);
      },
    },
  );
  setHandler(
    approveUpdate,
    async ({ approvedBy }) => {
      approval.approvedBy = approvedBy;
      approval.approvedAt = new Date().toISOString();
      log.info('approved', { approvedBy });
      // A run waiting for this moves on at once: answer with the phase it moved to, not the old one.
      if (phase === 'awaiting_approval') await condition(() => phase !== 'awaiting_approval');
      return progress();
    },
    {
      validator: (input: Partial<ApproveInput> | undefined) => {
        const by = input?.approvedBy;
        if (typeof by !== 'string' || !OPERATOR.test(by))
          throw new Error('approvedBy must name who approves (1-128 characters, no control characters)');
        if (!approval.required)
          throw new Error(
            `this run needs no approval: ${expected} leavers is within the threshold of ${approval.threshold}`,
          );
        if (approval.approvedBy !== undefined)
          throw new Error(`this run was already approved by ${approval.approvedBy}`);
        if (cancelled) throw new Error('the run was cancelled; there is nothing to approve');
      },
    },
  );
  setHandler(
    continueUpdate,
    ({ by, reason, system }) => {
      const at = system === undefined ? 0 : holds.findIndex((h) => h.system === system);
      const hold = holds.splice(at, 1)[0];
      if (hold) {
        accepted.add(hold.system);
        notFoundAccepted.push({ system: hold.system, by, reason, at: new Date().toISOString(), hold });
        log.info('not_found accepted by an operator', { system: hold.system, by });
        for (const id of runningChunks) resume(id, hold.system);
      }
      if (holds.length === 0 && phase === 'needs_attention') enter('running');
      return progress();
    },
    {
      validator: (input: Partial<ContinueInput> | undefined) => {
        if (holds.length === 0) throw new Error(`the run is not waiting for an operator (phase ${phase})`);
        // Two holds: the operator names the one whose evidence was read.
        const systems = holds.map((h) => h.system);
        if (input?.system === undefined && holds.length > 1)
          throw new Error(`the run holds for ${systems.join(' and ')}: name the system you accept`);
        if (input?.system !== undefined && !systems.includes(input.system))
          throw new Error(
            `the run does not hold for ${String(input.system)}, only for ${systems.join(' and ')}`,
          );
        if (typeof input?.by !== 'string' || !OPERATOR.test(input.by))
          throw new Error('by must name who decides (1-128 characters, no control characters)');
        if (
          typeof input.reason !== 'string' ||
          !/^[^\s\p{Cc}\p{Cf}][^\p{Cc}\p{Cf}]{0,499}$/u.test(input.reason)
        )
          throw new Error(
            'reason must say why the unknown ids are fine (1-500 characters, no control characters)',
          );
      },
    },
  );
  setHandler(chunkGateSignal, (system, gate) => {
    if (gates[system].state !== 'proven' && gates[system].state !== 'stopped')
      Object.assign(gates[system], gate);
  });
  setHandler(chunkHeldSignal, (chunk, hold) => {
    // Already accepted: that chunk missed its resume (signals are best effort), so send it again.
    if (accepted.has(hold.system)) resume(`${workflowInfo().workflowId}-chunk-${chunk}`, hold.system);
    else holdFor(hold);
  });
  setHandler(addLeaversUpdate, (input) => parts.addNext(input), {
    validator: (input: Partial<LeaverPart> | undefined) => parts.checkNext(input),
  });
  setHandler(addLeaversAtUpdate, (input) => parts.addPlaced(input), {
    validator: (input: Partial<PlacedLeaverPart> | undefined) => parts.checkPlaced(input),
  });

  const enter = (next: Phase): void => {
    phase = next;
    const counts = inline?.counts ?? chunkCounts;
    upsertSearchAttributes([
      { key: PHASE, value: next },
      { key: FAILED_COUNT, value: failedLeavers },
      { key: NOT_FOUND_COUNT, value: counts.wps.not_found + counts.authing.not_found },
    ]);
  };
  const tellChunk = (
    chunkId: string,
    what: string,
    send: (handle: ReturnType<typeof getExternalWorkflowHandle>) => Promise<void>,
  ): void => {
    send(getExternalWorkflowHandle(chunkId)).catch((err: unknown) =>
      log.info(`a chunk could not be told of ${what}`, { chunkId, error: String(err) }),
    );
  };
  const resume = (chunkId: string, system: System): void =>
    tellChunk(chunkId, 'a decision', (h) => h.signal(resumeSignal, system));
  const holdFor = (hold: NotFoundHold): void => {
    if (accepted.has(hold.system) || holds.some((h) => h.system === hold.system)) return;
    log.warn('not_found guard: waiting for an operator', {
      system: hold.system,
      reason: hold.reason,
      endpoint: hold.endpoint,
    });
    holds.push(hold);
    // Running chunks stop starting batches too, and know what to record should the run be cancelled.
    for (const id of runningChunks) tellChunk(id, 'a hold', (h) => h.signal(holdSignal, hold));
    if (phase !== 'needs_attention' && !cancelled) enter('needs_attention');
  };
  const notFound: NotFoundGuard = {
    threshold: settings.notFoundThreshold,
    accepted,
    held: () => holds[0],
    pending: () => holds,
    hold: holdFor,
  };

  // A cancellation from Temporal itself (the Web UI's or CLI's "cancel") is handled like the cancel
  // signal: the run stops starting work and still reports every leaver, instead of dying mid-batch.
  CancellationScope.current().cancelRequested.catch((err: unknown) => {
    if (isCancellation(err)) cancel('cancelled through Temporal (workflow cancellation)');
  });

  return CancellationScope.nonCancellable(async () => {
    if (!parts.complete) {
      enter('receiving');
      const complete = await condition(() => parts.complete || cancelled, SUBMISSION_WINDOW_MS);
      if (!complete) {
        throw invalid(
          `only ${parts.received} of the ${expected} leavers arrived within ${SUBMISSION_WINDOW_MS / 60_000} minutes; nothing was touched`,
        );
      }
      // Cancelled while parts were still coming: those that came ahead of a gap are reported too.
      if (!parts.complete) parts.close();
    }

    // The plan is known once every leaver is in: progress shows it while the run waits.
    let chunks = splitLeavers(leavers, CHUNK_MAX_LEAVERS, PART_MAX_BYTES);
    // Runs recorded before even chunks keep the greedy cut they started with.
    if (chunks.length > 1 && patched(EVEN_CHUNKS_PATCH)) {
      chunks = planChunks(leavers, settings.batchSize, settings.concurrency);
    }
    batchesTotal = chunks.reduce((n, chunk) => n + Math.ceil(chunk.length / settings.batchSize), 0);

    // A durable timer, exact to the second; a cancel or a reschedule wakes it at once.
    while (!cancelled) {
      const delayMs = (effectiveAtMs ?? 0) - Date.now();
      if (delayMs <= 0) break;
      wakeUp = new Date(effectiveAtMs ?? 0).toISOString();
      if (phase !== 'scheduled') enter('scheduled');
      const version = scheduleVersion;
      await condition(() => cancelled || scheduleVersion !== version, delayMs);
    }
    wakeUp = undefined;

    if (!cancelled && approval.required && approval.approvedBy === undefined) {
      enter('awaiting_approval');
      await condition(() => cancelled || approval.approvedBy !== undefined);
    }

    let result: Omit<OffboardingResult, 'status' | 'failedLeavers'>;
    if (chunks.length <= 1) {
      const batches = planBatches(leavers, settings.batchSize);
      batchesTotal = batches.length;
      inline = newRunState(leavers);
      if (!cancelled) {
        enter('running');
        await runBatches(batches, inline, {
          taskQueue: workflowInfo().taskQueue,
          authingUserIdType: valid.authingUserIdType,
          concurrency: settings.concurrency,
          callSlots: { run: workflowInfo().workflowId, limit: settings.concurrency },
          retryWindowMs: settings.retryWindowMs,
          batchOffset: 0,
          batchesTotal,
          isCancelled: () => cancelled,
          gates,
          notFound,
        });
      }
      countSkipped(inline);
      failedLeavers = inline.failedLeavers;
      result = {
        requestId: valid.requestId,
        authingUserIdType: valid.authingUserIdType,
        leavers: leavers.length,
        totals: inline.counts,
        outcomes: inline.outcomes,
      };
    } else {
      if (!cancelled) enter('running');
      const summaries = await runChunks(chunks, settings, {
        requestId: valid.requestId,
        authingUserIdType: valid.authingUserIdType,
        isCancelled: () => cancelled,
        cancelReason: () => cancelReason ?? 'cancelled',
        gates,
        notFoundThreshold: settings.notFoundThreshold,
        accepted,
        held: () => holds[0] !== undefined,
        runningChunks,
        onTotal: (n) => (batchesTotal = n),
        onChunkDone: (summary, batches) => {
          for (const system of ['wps', 'authing'] as const) {
            for (const [status, n] of Object.entries(summary.totals[system])) {
              chunkCounts[system][status as keyof OutcomeCounts] += n;
            }
          }
          chunkBatchesDone += batches;
          failedLeavers += summary.failedLeavers;
          upsertSearchAttributes([
            { key: FAILED_COUNT, value: failedLeavers },
            { key: NOT_FOUND_COUNT, value: chunkCounts.wps.not_found + chunkCounts.authing.not_found },
          ]);
        },
      });
      result = {
        requestId: valid.requestId,
        authingUserIdType: valid.authingUserIdType,
        leavers: leavers.length,
        totals: chunkCounts,
        chunks: summaries,
      };
    }

    const status: FinalStatus = cancelled
      ? 'cancelled'
      : failedLeavers > 0
        ? 'completed_with_failures'
        : 'completed';
    enter(status);
    log.info('offboarding finished', {
      requestId: valid.requestId,
      status,
      workflowId: workflowInfo().workflowId,
    });
    return {
      ...result,
      status,
      failedLeavers,
      ...(cancelReason !== undefined ? { cancelReason } : {}),
      ...(approval.approvedBy !== undefined ? { approvedBy: approval.approvedBy } : {}),
      ...(notFoundAccepted.length > 0 ? { notFoundAccepted } : {}),
    };
  });
}

/** Parent runs whose lanes start the next chunk once the current one has taken its last batch. */
export const CHUNK_HAND_OVER_PATCH = 'chunk-lanes-hand-over';

interface ChunkRunContext {
  requestId: string;
  authingUserIdType: ChunkInput['authingUserIdType'];
  isCancelled: () => boolean;
  cancelReason: () => string;
  /** The run's canary gates: chunks start together only once both are decided. */
  gates: Gates;
  notFoundThreshold: number;
  accepted: ReadonlySet<System>;
  /** True while an operator is asked: no chunk starts. */
  held: () => boolean;
  runningChunks: Set<string>;
  onTotal: (batchesTotal: number) => void;
  onChunkDone: (summary: ChunkSummary, batches: number) => void;
}

/**
 * Runs each chunk as a child workflow, `concurrency` lanes of chunks, each chunk with a concurrency
 * of 1 and all of them sharing the run's `concurrency` call slots (so the run has as many vendor
 * calls in flight as an inline run). A lane starts its next chunk once the current one has taken its
 * last batch, so for a moment a lane has two chunks going. Once cancelled, running chunks are told
 * and the chunks not yet started are started only to record their leavers as skipped. A chunk that
 * fails stops the lanes and fails the run.
 */
async function runChunks(
  chunks: Leaver[][],
  settings: ResolvedRunOptions,
  context: ChunkRunContext,
): Promise<ChunkSummary[]> {
  const firsts: number[] = [];
  const batchOffsets: number[] = [];
  let leaverCount = 0;
  let batchCount = 0;
  for (const chunk of chunks) {
    firsts.push(leaverCount);
    batchOffsets.push(batchCount);
    leaverCount += chunk.length;
    batchCount += Math.ceil(chunk.length / settings.batchSize);
  }
  context.onTotal(batchCount);
  const summaries: ChunkSummary[] = [];
  const parentId = workflowInfo().workflowId;
  // A lane starts its next chunk when the current one has taken its last batch, not when it has
  // ended, so that the run's call slots stay busy across the change of chunks. Runs that reached
  // this point before it was so wait for each chunk's end.
  const handOver = patched(CHUNK_HAND_OVER_PATCH);
  const draining = new Set<number>();
  // The first chunk that failed: no lane starts another chunk after it, and the run fails with it.
  let failed: { error: unknown } | undefined;
  setHandler(chunkDrainingSignal, (chunk) => {
    draining.add(chunk);
  });

  /** Starts chunk `index`; resolves when the lane may move on, with the chunk's own end. */
  const runChunk = async (index: number): Promise<{ finished: Promise<void> }> => {
    const leavers = chunks[index] ?? [];
    const chunk = index + 1;
    const workflowId = `${parentId}-chunk-${chunk}`;
    const first = firsts[index] ?? 0;
    const input: ChunkInput = {
      requestId: context.requestId,
      chunk,
      chunks: chunks.length,
      first,
      leavers,
      authingUserIdType: context.authingUserIdType,
      batchSize: settings.batchSize,
      concurrency: 1,
      callSlots: { run: parentId, limit: settings.concurrency },
      retryWindowMs: settings.retryWindowMs,
      batchOffset: batchOffsets[index] ?? 0,
      batchesTotal: batchCount,
      gates: { wps: { ...context.gates.wps }, authing: { ...context.gates.authing } },
      notFoundThreshold: context.notFoundThreshold,
      notFoundAccepted: [...context.accepted],
      ...(context.isCancelled() ? { skipReason: `not started: ${context.cancelReason()}` } : {}),
    };
    // Counted as running from now, so that no other lane starts a chunk beside an undecided canary.
    context.runningChunks.add(workflowId);
    const child = await startChild(offboardingChunk, {
      workflowId,
      args: [input],
      typedSearchAttributes: [{ key: REQUEST_ID, value: context.requestId }],
      staticSummary: `Chunk ${chunk} of ${chunks.length} of ${context.requestId}: leavers ${first + 1} to ${first + leavers.length}`,
    });
    let ended = false;
    const finished = (async (): Promise<void> => {
      let done: ChunkResult | undefined = await Promise.race([
        child.result(),
        condition(context.isCancelled).then(() => undefined),
      ]);
      if (done === undefined) {
        try {
          await child.signal(cancelSignal, context.cancelReason());
        } catch (err) {
          // The chunk finished in the meantime: its result below says what it did.
          log.info('chunk could not be told of the cancel', { chunk, error: String(err) });
        }
        done = await child.result();
      }
      const summary: ChunkSummary = {
        workflowId,
        first,
        leavers: done.leavers,
        failedLeavers: done.failedLeavers,
        totals: done.totals,
      };
      summaries[index] = summary;
      // The chunk's own word on the canary, in case its signal has not arrived (best effort).
      for (const system of ['wps', 'authing'] as const) {
        const gate = done.gates?.[system];
        const mine = context.gates[system];
        if (gate && mine.state !== 'proven' && mine.state !== 'stopped' && gate.state !== 'probing')
          Object.assign(mine, gate);
      }
      context.onChunkDone(summary, done.batches);
    })().finally(() => {
      ended = true;
      context.runningChunks.delete(workflowId);
    });
    if (!handOver) {
      await finished;
      return { finished };
    }
    // The lane moves on once the chunk has taken its last batch (chunkDrainingSignal) or ended;
    // the rest of it is awaited with the other chunks' ends. A chunk that fails stops every lane.
    void finished.catch((error: unknown) => {
      failed ??= { error };
    });
    await condition(() => ended || draining.has(chunk) || failed !== undefined);
    return { finished };
  };

  let next = 0;
  const finishing: Array<Promise<void>> = [];
  // Chunks start together only once the canary has decided both systems (or nothing else runs, so
  // that the next chunk probes alone), and none while an operator is asked.
  // A system none of the chunks not yet started has ids for needs no decision.
  const hasIds = chunks.map((chunk) => ({
    wps: chunk.some((l) => l.wpsUserId !== undefined),
    authing: chunk.some((l) => l.authingUserId !== undefined),
  }));
  const decided = (system: System): boolean =>
    context.gates[system].state === 'proven' ||
    context.gates[system].state === 'stopped' ||
    !hasIds.slice(next).some((ids) => ids[system]);
  const mayStart = (): boolean =>
    context.isCancelled() ||
    (!context.held() && ((decided('wps') && decided('authing')) || context.runningChunks.size === 0));
  const lane = async (): Promise<void> => {
    for (;;) {
      await condition(() => failed !== undefined || next >= chunks.length || mayStart());
      if (next >= chunks.length || failed !== undefined) return;
      // Another lane may have started a chunk in the same activation: look again.
      if (!mayStart()) continue;
      const index = next;
      next += 1;
      finishing.push((await runChunk(index)).finished);
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency, chunks.length) }, lane));
  if (failed) throw failed.error;
  await Promise.all(finishing);
  return summaries;
}
