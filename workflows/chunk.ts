import {
  CancellationScope,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { attend } from './attention';
import {
  countSkipped,
  newRunState,
  runBatches,
  type BatchRunSettings,
  type Gates,
  type NotFoundHold,
} from './batch-runner';
import {
  cancelSignal,
  chunkDrainingSignal,
  chunkGateSignal,
  chunkAttentionSignal,
  chunkHeldSignal,
  chunkOutcomesQuery,
  chunkProgressQuery,
  holdSignal,
  resumeSignal,
  retrySignal,
  waiveSignal,
  type Waiver,
} from './messages';
import { isWaived } from './outcome';
import type { OutcomeCounts, System } from './outcome';
import { planBatches } from './plan';
import type { AuthingUserIdType, Leaver } from './request';
import type { CallSlotsOfRun } from '../activities/call-slots';

/**
 * One chunk of a large request, run as a child workflow of `offboarding`, so that no run's history
 * or payload grows with the request: each chunk's history holds its own leavers and batches only.
 */
export interface ChunkInput {
  requestId: string;
  /** 1-based. */
  chunk: number;
  chunks: number;
  /** Index of the chunk's first leaver in the request. */
  first: number;
  leavers: Leaver[];
  authingUserIdType: AuthingUserIdType;
  batchSize: number;
  concurrency: number;
  /** The parent run's limit on vendor calls in flight, shared by all its chunks. */
  callSlots?: CallSlotsOfRun;
  retryWindowMs: number;
  authingWaitMs: number;
  /** Epoch ms: the run's deadline for leavers whose access is not cut (workflows/attention.ts). */
  deadlineMs: number;
  /** This chunk's first batch is batch `batchOffset + 1` of `batchesTotal` in the request. */
  batchOffset: number;
  batchesTotal: number;
  /** Set when the run was cancelled before this chunk started: nothing is touched. */
  skipReason?: string;
  /** The run's canary gates when the chunk started; decisions are sent back to the parent. */
  gates: Gates;
  notFoundThreshold: number;
  /** Systems whose not_found an operator has accepted. */
  notFoundAccepted: System[];
}

/** What a chunk reports to its parent: counts only, so the parent's history stays small. */
export interface ChunkResult {
  first: number;
  leavers: number;
  failedLeavers: number;
  waivedLeavers?: number;
  batches: number;
  totals: Record<System, OutcomeCounts>;
  /** The canary gates as the chunk left them. */
  gates?: Gates;
  /** Set when the chunk was cancelled (by its parent, or by someone else). */
  cancelled?: true;
}

export async function offboardingChunk(input: ChunkInput): Promise<ChunkResult> {
  const state = newRunState(input.leavers);
  let cancelled = input.skipReason !== undefined;
  setHandler(chunkOutcomesQuery, () => state.outcomes);
  setHandler(chunkProgressQuery, () => ({ batchesDone: state.batchesDone, counts: state.counts }));
  setHandler(cancelSignal, () => {
    cancelled = true;
  });
  // Temporal's own cancellation of a chunk (a batch cancel by search attribute, say) is handled like
  // the cancel signal: the chunk stops starting work and reports every leaver, as its parent does.
  CancellationScope.current().cancelRequested.catch((err: unknown) => {
    if (isCancellation(err)) cancelled = true;
  });
  const accepted = new Set<System>(input.notFoundAccepted);
  const holds: NotFoundHold[] = [];
  setHandler(holdSignal, (hold) => {
    if (!accepted.has(hold.system) && !holds.some((h) => h.system === hold.system)) holds.push(hold);
  });
  let retries = 0;
  let waiting = false;
  let waiver: Waiver | undefined;
  setHandler(retrySignal, () => {
    retries += 1;
  });
  setHandler(waiveSignal, (next) => {
    // Only what waits now is waived: a failure that comes later is the operator's to see first.
    if (waiting) waiver ??= next;
  });
  setHandler(resumeSignal, (system) => {
    accepted.add(system);
    for (let i = holds.length - 1; i >= 0; i--) if (holds[i]?.system === system) holds.splice(i, 1);
  });
  const parent = workflowInfo().parent;
  /** Best effort: the parent is told through a signal; a chunk without a parent (a test) keeps it. */
  const tell = (
    what: string,
    send: (handle: ReturnType<typeof getExternalWorkflowHandle>) => Promise<void>,
  ) => {
    if (!parent) return;
    send(getExternalWorkflowHandle(parent.workflowId, parent.runId)).catch((err: unknown) =>
      log.info(`the parent could not be told of ${what}`, { chunk: input.chunk, error: String(err) }),
    );
  };

  const batches = planBatches(input.leavers, input.batchSize);
  if (input.skipReason !== undefined) {
    for (const outcome of state.outcomes) {
      outcome.wps = { status: 'skipped', message: input.skipReason };
      outcome.authing = { status: 'skipped', message: input.skipReason };
    }
  } else {
    const settings: BatchRunSettings = {
      taskQueue: workflowInfo().taskQueue,
      authingUserIdType: input.authingUserIdType,
      concurrency: input.concurrency,
      // Chunks started before the parent passed its limit: the chunk's own.
      callSlots: input.callSlots ?? { run: workflowInfo().workflowId, limit: input.concurrency },
      retryWindowMs: input.retryWindowMs,
      authingWaitMs: input.authingWaitMs,
      batchOffset: input.batchOffset,
      batchesTotal: input.batchesTotal,
      isCancelled: () => cancelled,
      gates: input.gates,
      onGateDecided: (system, gate) => tell('the canary', (h) => h.signal(chunkGateSignal, system, gate)),
      notFound: {
        threshold: input.notFoundThreshold,
        accepted,
        held: () => holds[0],
        pending: () => holds,
        hold: (next) => {
          if (holds.some((h) => h.system === next.system)) return;
          holds.push(next);
          tell('a not_found hold', (h) => h.signal(chunkHeldSignal, input.chunk, next));
        },
      },
      onLastBatchTaken: () => {
        // If the parent cannot be told, it starts the next chunk when this one ends.
        tell('the last batch', (h) => h.signal(chunkDrainingSignal, input.chunk));
      },
    };
    const tellRemaining = (remaining: number): void =>
      tell('what waits', (h) => h.signal(chunkAttentionSignal, input.chunk, remaining));
    const run = async (): Promise<void> => {
      await runBatches(batches, state, settings);
      const waived = await attend(state, settings, {
        deadlineMs: input.deadlineMs,
        batchSize: input.batchSize,
        isCancelled: () => cancelled,
        retries: () => retries,
        takeWaiver: () => waiver,
        onWaiting: (remaining) => {
          waiting = true;
          tellRemaining(remaining);
        },
        onRetrying: (_batches, byOperator) => {
          // An automatic retry keeps the chunk waiting in its parent's eyes.
          if (!byOperator) return;
          waiting = false;
          tellRemaining(0);
        },
      });
      if (waiting || waived) tellRemaining(0);
      waiting = false;
    };
    await CancellationScope.nonCancellable(run);
  }
  countSkipped(state);
  log.info('chunk finished', {
    chunk: input.chunk,
    chunks: input.chunks,
    failedLeavers: state.failedLeavers,
  });
  return {
    first: input.first,
    leavers: input.leavers.length,
    failedLeavers: state.failedLeavers,
    waivedLeavers: state.outcomes.filter(isWaived).length,
    batches: batches.length,
    totals: state.counts,
    gates: input.gates,
    ...(cancelled ? { cancelled: true as const } : {}),
  };
}
