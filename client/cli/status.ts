import { PHASE } from '../../workflows/search-attributes';
import type { Progress } from '../../workflows/messages';
import { progressOf } from '../offboarding';
import { checkRequestId } from './arguments';
import type { Command } from './command';
import { EXIT } from './exit-codes';
import { progressBlock } from './progress-view';
import { describeRun } from './run-handle';

export const statusCommand: Command = {
  name: 'status',
  summary: "a run's phase, batches and counts per system",
  help: `Usage: offboard status <requestId>

Shows the run's state (running or how it ended), its phase, leavers, batches done, outcome counts
per system, when it is due, whether it waits for approval, and its Web UI link.`,
  options: {},
  maxPositionals: 1,
  async run(ctx, input) {
    const requestId = checkRequestId(input.positionals[0], 'status');
    const run = await describeRun(ctx, requestId);
    let progress: Progress | undefined;
    let unanswered: string | undefined;
    try {
      progress = await ctx.bounded((client) => progressOf(client, requestId));
    } catch (err) {
      // The server knows the run but the workflow did not answer (no worker, a failing task): show
      // what the server knows, and why the rest is missing.
      const failure = ctx.failure(err, requestId);
      if (failure.kind !== 'timeout' && failure.kind !== 'internal') throw failure;
      unanswered = failure.message;
    }
    const phase = progress?.phase ?? run.description.typedSearchAttributes.get(PHASE);
    const lines = [
      // The phase is in the block below when the workflow answered; otherwise the search attribute's.
      `request ${requestId} (${run.workflowId}): ${run.status.toLowerCase()}` +
        (progress ? '' : `, phase ${phase ?? 'unknown'}`),
      `  started    ${run.description.startTime.toISOString()}`,
      ...(run.description.closeTime ? [`  closed     ${run.description.closeTime.toISOString()}`] : []),
      ...(progress
        ? progressBlock(progress)
        : [`  progress   unknown: the progress query got ${unanswered ?? '?'}`]),
      `  Web UI     ${run.uiUrl}`,
    ];
    ctx.out.result(lines.join('\n'), {
      requestId,
      workflowId: run.workflowId,
      status: run.status,
      startTime: run.description.startTime.toISOString(),
      closeTime: run.description.closeTime?.toISOString() ?? null,
      uiUrl: run.uiUrl,
      progress: progress ?? null,
    });
    return EXIT.ok;
  },
};
