import type { Progress } from '../../workflows/messages';
import { workflowIdFor } from '../../workflows/request';
import type { OffboardingResult } from '../../workflows/result';
import { endOf, progressOf } from '../offboarding';
import { formatSummary } from '../report';
import type { CliContext } from './context';
import { EXIT, type ExitCode } from './exit-codes';
import { progressLine } from './progress-view';
import { describeRun } from './run-handle';

/** A finished run's exit code: 0 only when every leaver is offboarded (nothing failed, not cancelled). */
export function exitCodeOf(result: Pick<OffboardingResult, 'status'>): ExitCode {
  switch (result.status) {
    case 'completed':
      return EXIT.ok;
    case 'cancelled':
      return EXIT.cancelled;
    case 'failed':
      return EXIT.accessNotCut;
    default:
      return EXIT.runNotClean;
  }
}

/** What `--json` shows of a finished run: everything but the per-leaver outcomes. */
export function summaryOf(result: OffboardingResult): Omit<OffboardingResult, 'outcomes' | 'chunks'> {
  const { outcomes: _outcomes, chunks: _chunks, ...summary } = result;
  return summary;
}

const POLL_INTERVAL_MS = 1000;

type Finished = { result: OffboardingResult } | { error: unknown };

/**
 * Follows a run until it closes (`offboard watch`, docs/cli.md): polls its `progress` every second.
 * The run's result is awaited alongside (a long poll), so the end is seen at once, not at the next tick.
 */
export async function followRun(ctx: CliContext, requestId: string): Promise<ExitCode> {
  // Fails with "no offboarding run" before any polling starts.
  await describeRun(ctx, requestId);
  const { client } = await ctx.temporal();

  // Set by the result's long poll; a holder, since the loop below reads what a callback writes.
  const state: { finished?: Finished } = {};
  const ended = endOf(client, workflowIdFor(requestId)).then(
    (result) => void (state.finished = { result }),
    (error: unknown) => void (state.finished = { error }),
  );
  const out = ctx.out;
  const redraw = out.isTTY && !out.json;
  let shown: string | undefined;
  let warned = false;

  const show = (progress: Progress): void => {
    const line = progressLine(progress);
    if (line === shown) return;
    shown = line;
    if (out.json) out.data({ event: 'progress', ...progress });
    else if (redraw) {
      const width = (out.streams.stdout as { columns?: number }).columns;
      const fitted = width && line.length >= width ? `${line.slice(0, width - 2)}…` : line;
      out.write(`\r\x1b[2K${fitted}`);
    } else out.say(line);
  };

  while (!state.finished) {
    try {
      show(await ctx.bounded((c) => progressOf(c, requestId)));
    } catch (err) {
      const failure = ctx.failure(err, requestId);
      // A slow or absent worker delays the query, not the run: say so once and keep following.
      if (failure.kind !== 'timeout' && failure.kind !== 'internal') throw failure;
      if (!warned) out.note(`offboard: the run's progress query got ${failure.message}; still waiting`);
      warned = true;
    }
    if (state.finished) break;
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS))]);
  }
  const end = state.finished;
  if (!('error' in end)) {
    // The final state, so that the bar ends full rather than at the last tick (best effort).
    await ctx
      .bounded((c) => progressOf(c, requestId))
      .then(show)
      .catch(() => undefined);
  }
  if (redraw && shown !== undefined) out.write('\n');
  if ('error' in end) throw ctx.failure(end.error, requestId);
  const result = end.result;
  if (out.json) out.data({ event: 'finished', ...summaryOf(result) });
  else out.say(`${formatSummary(result)}\nper-leaver outcomes: offboard result ${requestId}`);
  return exitCodeOf(result);
}
