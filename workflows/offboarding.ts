import {
  ApplicationFailure,
  CancelledFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { attend } from './attention';
import {
  countSkipped,
  newGates,
  newRunState,
  runBatches,
  setGate,
  type BatchRunSettings,
  type BatchRunState,
  type Gates,
  type NotFoundGuard,
  type NotFoundHold,
} from './batch-runner';
import { offboardingChunk, type ChunkInput, type ChunkResult } from './chunk';
import {
  addLeaversAtUpdate,
  approveUpdate,
  cancelSignal,
  chunkAttentionSignal,
  chunkDrainingSignal,
  chunkGateSignal,
  chunkHeldSignal,
  continueUpdate,
  FINAL_PHASES,
  holdSignal,
  resumeSignal,
  type ContinueInput,
  type NotFoundAcceptance,
  progressQuery,
  reportQuery,
  rescheduleUpdate,
  retrySignal,
  retryUpdate,
  waiveSignal,
  waiveUpdate,
  type WaiveInput,
  type Waiver,
  type Approval,
  type ApproveInput,
  type LeaverPart,
  type RescheduleInput,
  type FinalStatus,
  type Phase,
  type Progress,
} from './messages';
import { resolveRunOptions, type ResolvedRunOptions, type RunOptions } from './options';
import type { NotifyActivities, RunNotification } from './notification';
import { emptyCounts, isWaived, type OutcomeCounts, type System } from './outcome';
import { LeaverParts } from './parts';
import { CHUNK_MAX_LEAVERS, PART_MAX_BYTES, planBatches, planChunks, splitLeavers } from './plan';
import { MAX_IDS_PER_CALL, type Leaver, type OffboardingRequest } from './request';
import { ACCESS_NOT_CUT, type ChunkSummary, type OffboardingResult } from './result';
import { FAILED_COUNT, NOT_FOUND_COUNT, PHASE, REQUEST_ID, RUN_KIND } from './search-attributes';
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

/** Who approves or decides: an operator id for the audit trail. */
const OPERATOR = /^[^\s\p{Cc}\p{Cf}][^\p{Cc}\p{Cf}]{0,127}$/u;
/** Why an operator decided: one line. */
const REASON = /^[^\s\p{Cc}\p{Cf}][^\p{Cc}\p{Cf}]{0,499}$/u;

/** Tells operators when a run needs them and when it ends; one not delivered in time is logged, no more. */
const notifier = proxyActivities<NotifyActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes' },
});

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
  // Leavers whose access is not cut, waiting for an operator or the next retry (workflows/attention.ts).
  let deadlineMs: number | undefined;
  let retries = 0;
  let inlineWaiting = 0;
  let nextRetryMs: number | undefined;
  let pendingWaiver: Waiver | undefined;
  const waivers: Waiver[] = [];
  /** Chunk runs waiting for attention, by workflow id, with their leavers waiting. */
  const chunksWaiting = new Map<string, number>();
  let waivedLeavers = 0;
  let temporalCancelled = false;
  let report: OffboardingResult | undefined;
  const remaining = (): number => [...chunksWaiting.values()].reduce((n, m) => n + m, inlineWaiting);

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
    ...(remaining() > 0 ? { remainingLeavers: remaining() } : {}),
    ...(deadlineMs !== undefined ? { deadline: new Date(deadlineMs).toISOString() } : {}),
    ...(nextRetryMs !== undefined ? { nextRetry: new Date(nextRetryMs).toISOString() } : {}),
    ...(waivers.length > 0 ? { waivers: [...waivers] } : {}),
  });

  const cancel = (reason: string): void => {
    if (cancelled) return;
    log.info('cancel requested', { reason });
    cancelled = true;
    cancelReason = reason;
  };

  setHandler(progressQuery, progress);
  setHandler(reportQuery, () => report);
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
      if (hold) accept(hold, by, reason);
      reconsider();
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
        if (typeof input.reason !== 'string' || !REASON.test(input.reason))
          throw new Error(
            'reason must say why the unknown ids are fine (1-500 characters, no control characters)',
          );
      },
    },
  );
  setHandler(
    retryUpdate,
    () => {
      retries += 1;
      log.info('retry asked by an operator', { remaining: remaining() });
      // A system the canary stopped is probed again, by this run and by chunks still to start.
      for (const system of ['wps', 'authing'] as const)
        if (gates[system].state === 'stopped') setGate(gates[system], { state: 'unproven' });
      for (const id of chunksWaiting.keys()) tellChunk(id, 'a retry', (h) => h.signal(retrySignal));
      return progress();
    },
    {
      validator: () => {
        if (cancelled) throw new Error('the run was cancelled; there is nothing to retry');
        if (remaining() === 0)
          throw new Error(
            holds.length > 0
              ? 'no failure waits to be retried; the run holds for unknown ids (offboard continue, or waive)'
              : `no leaver waits to be retried (phase ${phase})`,
          );
      },
    },
  );
  setHandler(
    waiveUpdate,
    ({ by, reason }) => {
      const waiver: Waiver = { by, reason, at: new Date().toISOString(), leavers: remaining() };
      waivers.push(waiver);
      log.info('what remains waived by an operator', { by, leavers: waiver.leavers });
      // The not_found guard's unknown ids are accepted as with continue.
      for (const hold of holds.splice(0)) accept(hold, by, reason);
      if (inlineWaiting > 0) pendingWaiver = waiver;
      for (const id of chunksWaiting.keys()) tellChunk(id, 'a waiver', (h) => h.signal(waiveSignal, waiver));
      reconsider();
      return progress();
    },
    {
      validator: (input: Partial<WaiveInput> | undefined) => {
        if (cancelled) throw new Error('the run was cancelled; there is nothing to waive');
        if (remaining() === 0 && holds.length === 0)
          throw new Error(`nothing waits for an operator (phase ${phase}); there is nothing to waive`);
        if (typeof input?.by !== 'string' || !OPERATOR.test(input.by))
          throw new Error('by must name who decides (1-128 characters, no control characters)');
        if (typeof input.reason !== 'string' || !REASON.test(input.reason))
          throw new Error(
            'reason must say why what remains may stay as it is (1-500 characters, no control characters)',
          );
      },
    },
  );
  setHandler(chunkAttentionSignal, (chunk, waiting) => {
    const id = `${workflowInfo().workflowId}-chunk-${chunk}`;
    if (waiting > 0) chunksWaiting.set(id, waiting);
    else chunksWaiting.delete(id);
    reconsider();
  });
  setHandler(chunkGateSignal, (system, gate) => {
    // Decided once; a chunk's re-probe after a retry that proves the vendor works reopens it.
    const mine = gates[system];
    if (
      (mine.state !== 'proven' && mine.state !== 'stopped') ||
      (gate.state === 'proven' && mine.state === 'stopped')
    )
      setGate(mine, gate);
  });
  setHandler(chunkHeldSignal, (chunk, hold) => {
    // Already accepted: that chunk missed its resume (signals are best effort), so send it again.
    if (accepted.has(hold.system)) resume(`${workflowInfo().workflowId}-chunk-${chunk}`, hold.system);
    else holdFor(hold);
  });
  setHandler(addLeaversAtUpdate, (input) => parts.add(input), {
    validator: (input: Partial<LeaverPart> | undefined) => parts.check(input),
  });

  const notFoundCount = (): number => {
    const counts = inline?.counts ?? chunkCounts;
    return counts.wps.not_found + counts.authing.not_found;
  };
  /** The Web UI's list columns: phase, leavers not cut, not_found, kept current. */
  const publish = (): void =>
    upsertSearchAttributes([
      { key: PHASE, value: phase },
      { key: FAILED_COUNT, value: failedLeavers + remaining() },
      { key: NOT_FOUND_COUNT, value: notFoundCount() },
      { key: RUN_KIND, value: 'request' },
    ]);
  const enter = (next: Phase): void => {
    phase = next;
    publish();
  };
  const notification = (why: string): RunNotification => ({
    requestId: valid.requestId,
    workflowId: workflowInfo().workflowId,
    phase,
    reason: why,
    leavers: expected,
    remaining: failedLeavers + remaining(),
    failed: failedLeavers + remaining(),
    notFound: notFoundCount(),
    waived: waivedLeavers,
    ...(deadlineMs !== undefined && FINAL_PHASES.every((p) => p !== phase)
      ? { deadline: new Date(deadlineMs).toISOString() }
      : {}),
  });
  const tellOperators = (why: string): Promise<void> =>
    notifier
      .notifyRun(notification(why))
      .catch((err: unknown) => log.warn('operators could not be notified', { phase, error: String(err) }));
  /** While the run works: `needs_attention` when anything waits for an operator, else `running`. */
  const reconsider = (): void => {
    if ((phase !== 'running' && phase !== 'needs_attention') || cancelled) return;
    const next: Phase = holds.length > 0 || remaining() > 0 ? 'needs_attention' : 'running';
    if (next === phase) {
      publish();
      return;
    }
    enter(next);
    if (next === 'needs_attention') {
      const why =
        holds[0]?.reason ??
        `${remaining()} leavers' access is not cut: retried on a backoff until the deadline; offboard retry or waive`;
      void tellOperators(why);
    }
  };
  const accept = (hold: NotFoundHold, by: string, reason: string): void => {
    accepted.add(hold.system);
    notFoundAccepted.push({ system: hold.system, by, reason, at: new Date().toISOString(), hold });
    log.info('not_found accepted by an operator', { system: hold.system, by });
    for (const id of runningChunks) resume(id, hold.system);
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
    reconsider();
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
    if (!isCancellation(err)) return;
    temporalCancelled = true;
    cancel('cancelled through Temporal (workflow cancellation)');
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
    // Over one chunk (by count or by size): even chunks, a multiple of the lanes.
    let chunks = splitLeavers(leavers, CHUNK_MAX_LEAVERS, PART_MAX_BYTES);
    if (chunks.length > 1) chunks = planChunks(leavers, settings.batchSize, settings.concurrency);
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
      const state = newRunState(leavers);
      inline = state;
      if (!cancelled) {
        deadlineMs = Date.now() + settings.deadlineMs;
        enter('running');
        const batchSettings: BatchRunSettings = {
          taskQueue: workflowInfo().taskQueue,
          authingUserIdType: valid.authingUserIdType,
          concurrency: settings.concurrency,
          callSlots: { run: workflowInfo().workflowId, limit: settings.concurrency },
          retryWindowMs: settings.retryWindowMs,
          authingWaitMs: settings.authingWaitMs,
          batchOffset: 0,
          batchesTotal,
          isCancelled: () => cancelled,
          gates,
          notFound,
        };
        await runBatches(batches, state, batchSettings);
        await attend(state, batchSettings, {
          deadlineMs,
          batchSize: settings.batchSize,
          isCancelled: () => cancelled,
          retries: () => retries,
          takeWaiver: () => {
            const waiver = pendingWaiver;
            pendingWaiver = undefined;
            return waiver;
          },
          onWaiting: (waiting, next) => {
            inlineWaiting = waiting;
            nextRetryMs = next;
            reconsider();
          },
          onRetrying: (batches, byOperator) => {
            nextRetryMs = undefined;
            batchesTotal += batches;
            // An automatic retry keeps the run in needs_attention (no new notification); an
            // operator's retry runs, and a run that then waits again tells operators again.
            if (byOperator) inlineWaiting = 0;
            reconsider();
          },
        });
        inlineWaiting = 0;
        nextRetryMs = undefined;
      }
      countSkipped(state);
      failedLeavers = state.failedLeavers;
      waivedLeavers = state.outcomes.filter(isWaived).length;
      result = {
        requestId: valid.requestId,
        authingUserIdType: valid.authingUserIdType,
        leavers: leavers.length,
        totals: inline.counts,
        outcomes: inline.outcomes,
      };
    } else {
      deadlineMs = Date.now() + settings.deadlineMs;
      if (!cancelled) enter('running');
      const summaries = await runChunks(chunks, settings, {
        deadlineMs,
        requestId: valid.requestId,
        authingUserIdType: valid.authingUserIdType,
        isCancelled: () => cancelled,
        cancelReason: () => cancelReason ?? 'cancelled',
        gates,
        notFoundThreshold: settings.notFoundThreshold,
        accepted,
        held: () => holds[0] !== undefined,
        runningChunks,
        waiting: () => chunksWaiting.size,
        onChunkCancelled: (chunk) => cancel(`chunk ${chunk} was cancelled on its own`),
        onTotal: (n) => (batchesTotal = n),
        onChunkDone: (summary, batches) => {
          for (const system of ['wps', 'authing'] as const) {
            for (const [status, n] of Object.entries(summary.totals[system])) {
              chunkCounts[system][status as keyof OutcomeCounts] += n;
            }
          }
          chunkBatchesDone += batches;
          failedLeavers += summary.failedLeavers;
          waivedLeavers += summary.waivedLeavers ?? 0;
          chunksWaiting.delete(summary.workflowId);
          publish();
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

    // Every leaver's access cut or waived: Completed. Cancelled: Canceled. The deadline passed with
    // leavers not cut: Failed. Canceled and Failed runs have no result: `report` answers for them.
    const status: FinalStatus = cancelled ? 'cancelled' : failedLeavers > 0 ? 'failed' : 'completed';
    // `offboard cancel` sends the reason, then Temporal's cancel: wait for the latter a little, so
    // that the run ends Canceled rather than Completed when it had nothing left to do.
    if (cancelled && !temporalCancelled) await condition(() => temporalCancelled, '1 minute');
    const final: OffboardingResult = {
      ...result,
      status,
      failedLeavers,
      ...(waivedLeavers > 0 ? { waivedLeavers } : {}),
      ...(waivers.length > 0 ? { waivers } : {}),
      ...(cancelReason !== undefined ? { cancelReason } : {}),
      ...(approval.approvedBy !== undefined ? { approvedBy: approval.approvedBy } : {}),
      ...(notFoundAccepted.length > 0 ? { notFoundAccepted } : {}),
    };
    report = final;
    enter(status);
    const outcome =
      status === 'completed'
        ? `every leaver's access is cut${waivedLeavers > 0 ? ` (${waivedLeavers} waived)` : ''}`
        : status === 'cancelled'
          ? `cancelled (${cancelReason ?? 'no reason given'}); ${failedLeavers} leavers failed`
          : `the deadline passed with ${failedLeavers} of ${leavers.length} leavers' access not cut`;
    setCurrentDetails(
      `**${status}**: ${outcome}. \`offboard result ${valid.requestId}\` lists every leaver.`,
    );
    log.info('offboarding finished', {
      requestId: valid.requestId,
      status,
      workflowId: workflowInfo().workflowId,
    });
    await tellOperators(outcome);
    if (status === 'cancelled' && temporalCancelled) throw new CancelledFailure(outcome);
    if (status === 'failed') {
      throw ApplicationFailure.create({
        type: ACCESS_NOT_CUT,
        message: outcome,
        nonRetryable: true,
        details: [final],
      });
    }
    return final;
  });
}

interface ChunkRunContext {
  /** Epoch ms: the run's deadline for leavers whose access is not cut. */
  deadlineMs: number;
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
  /** Running chunks that only wait for an operator (they start no batch until told). */
  waiting: () => number;
  /** A chunk was cancelled by someone other than this run (its leavers' access is not all cut). */
  onChunkCancelled: (chunk: number) => void;
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
  // Chunks that took their last batch: their lane moves on, so the call slots stay busy across chunks.
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
      authingWaitMs: settings.authingWaitMs,
      deadlineMs: context.deadlineMs,
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
      typedSearchAttributes: [
        { key: REQUEST_ID, value: context.requestId },
        { key: RUN_KIND, value: 'chunk' },
      ],
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
      } else if (done.cancelled) {
        // Cancelled on its own (the Web UI, a batch cancel): never read as done; the run stops too.
        context.onChunkCancelled(chunk);
      }
      const summary: ChunkSummary = {
        workflowId,
        first,
        leavers: done.leavers,
        failedLeavers: done.failedLeavers,
        ...(done.waivedLeavers ? { waivedLeavers: done.waivedLeavers } : {}),
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
    // The rest of the chunk is awaited with the other chunks' ends. A chunk that fails stops every lane.
    void finished.catch((error: unknown) => {
      failed ??= { error };
    });
    await condition(() => ended || draining.has(chunk) || failed !== undefined);
    return { finished };
  };

  let next = 0;
  const finishing: Array<Promise<void>> = [];
  // Chunks start together only once the canary has decided both systems (or nothing else runs, so
  // that the next chunk probes alone; a system no chunk left has ids for needs none), and none while
  // an operator is asked.
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
    (!context.held() &&
      ((decided('wps') && decided('authing')) || context.runningChunks.size - context.waiting() === 0));
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
