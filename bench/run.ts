import type { Client } from '@temporalio/client';
import { completeResult, endOf, progressOf, startOffboarding } from '../client/offboarding';
import type { OffboardingRequest } from '../workflows/request';
import type { CompleteResult, OffboardingResult } from '../workflows/result';

/** One offboarding request through Temporal, as an operator's client would run it, timed. */

export interface RunSettings {
  taskQueue: string;
  concurrency: number;
  /** Give up after this long (the run is left to the dev server, which the bench then stops). */
  timeoutMs: number;
  /** The run option `deadlineMs`; unset: the product's default. */
  deadlineMs?: number;
  /** Called every `progressEveryMs` with a progress line while the run lasts. */
  onProgress?: (line: string) => void;
  progressEveryMs?: number;
}

export interface TimedRun {
  /** From the start call (parts included) to the result, in ms. */
  wallMs: number;
  result: OffboardingResult;
  /** The run and its chunk runs, if it was split. */
  workflowIds: string[];
}

export async function runRequest(
  client: Client,
  request: OffboardingRequest,
  settings: RunSettings,
): Promise<TimedRun> {
  const started = performance.now();
  const run = await startOffboarding(client, request, {
    taskQueue: settings.taskQueue,
    namespace: client.options.namespace,
    runOptions: {
      concurrency: settings.concurrency,
      // A bench request must not wait for a person: the approval gate is lifted to its size.
      approvalThreshold: request.leavers.length,
      ...(settings.deadlineMs !== undefined ? { deadlineMs: settings.deadlineMs } : {}),
    },
  });
  if (run.existing)
    throw new Error(`request ${request.requestId} already existed; the bench needs fresh ids`);

  const progress = settings.onProgress
    ? setInterval(() => {
        progressOf(client, request.requestId)
          .then((p) => {
            const seconds = ((performance.now() - started) / 1000).toFixed(0);
            settings.onProgress?.(`${seconds} s: ${p.phase}, batches ${p.batchesDone} of ${p.batchesTotal}`);
          })
          .catch(() => undefined);
      }, settings.progressEveryMs ?? 15_000)
    : undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      // A run that ended Failed (its deadline passed with leavers not cut) answers with its report.
      endOf(client, run.workflowId),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${run.workflowId} gave no result within ${settings.timeoutMs / 1000} s`)),
          settings.timeoutMs,
        );
      }),
    ]);
    const wallMs = performance.now() - started;
    return {
      wallMs,
      result,
      workflowIds: [run.workflowId, ...(result.chunks ?? []).map((c) => c.workflowId)],
    };
  } finally {
    if (progress) clearInterval(progress);
    clearTimeout(timer);
  }
}

/** Every leaver's outcome (queried from the chunk runs when the run was split). */
export function outcomesOf(client: Client, run: TimedRun): Promise<CompleteResult> {
  return completeResult(client, run.result);
}
