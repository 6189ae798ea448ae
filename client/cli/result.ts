import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { CompleteResult, OffboardingResult } from '../../workflows/result';
import { completeResult, endOf } from '../offboarding';
import { formatResult, resultCsv } from '../report';
import { checkRequestId, flag } from './arguments';
import type { Command } from './command';
import type { CliContext } from './context';
import { CliFailure, usage } from './failure';
import { exitCodeOf } from './follow';
import { describeRun } from './run-handle';

export const resultCommand: Command = {
  name: 'result',
  summary: "a finished run's outcome per leaver (table, --json or --csv)",
  help: `Usage: offboard result <requestId> [--json | --csv] [--wait]

Prints every leaver's outcome in WPS 365 and Authing (done, already, not_found, failed with the
vendor's code and request id, or skipped), and the totals. --csv writes one line per leaver for a
spreadsheet; --json the whole result. A run that has not finished is refused unless --wait.
A Canceled or Failed run has no result: its report is read from the run (a worker answers).
Exit code 0 when every leaver's access is cut (or what remained was waived), 7 when the run was
cancelled, 8 when its deadline passed with leavers not cut, 1 for a 0.1.0 run with failures.

Options:
  --csv     CSV on stdout: ${'employeeId,wpsUserId,wpsOutcome,...,authingVendorRequestId'}
  --wait    wait for the run to finish instead of refusing`,
  options: { csv: { type: 'boolean' }, wait: { type: 'boolean' } },
  maxPositionals: 1,
  async run(ctx, input) {
    const requestId = checkRequestId(input.positionals[0], 'result');
    const csv = flag(input.values, 'csv');
    if (csv && ctx.out.json) throw usage('choose one of --json and --csv');
    const run = await describeRun(ctx, requestId);
    if (run.open && !flag(input.values, 'wait')) {
      throw new CliFailure(
        'refused',
        `the run for requestId ${requestId} has not finished yet; follow it with offboard watch ${requestId}, ` +
          `or wait for it with offboard result ${requestId} --wait`,
      );
    }
    // Waiting has no deadline (the run decides when it ends); what follows is bounded.
    if (run.open) {
      await ctx
        .temporal()
        .then(({ client }) => untilEnded(client, run.workflowId))
        .catch((err: unknown) => {
          throw ctx.failure(err, requestId);
        });
    }
    const result = await withOutcomes(ctx, requestId, run.workflowId);
    if (csv) ctx.out.write(resultCsv(result.outcomes));
    else ctx.out.result(formatResult(result), result);
    return exitCodeOf(result);
  },
};

/** Waits for the run to close, however it ends (how it ended is read next, by `withOutcomes`). */
async function untilEnded(client: Client, workflowId: string): Promise<void> {
  await client.workflow
    .getHandle(workflowId)
    .result()
    .catch((err: unknown) => {
      if (!(err instanceof WorkflowFailedError)) throw err;
    });
}

/**
 * The finished run's result with every leaver's outcome. Parts of it (a Canceled or Failed run's
 * `report`, a large run's outcomes) are answered by a worker replaying the closed run: bounded, so
 * that a missing worker fails the command, saying so, rather than hangs it.
 */
async function withOutcomes(ctx: CliContext, requestId: string, workflowId: string): Promise<CompleteResult> {
  const timeoutMs = ctx.timeoutMs * 4;
  let finished: OffboardingResult | undefined;
  try {
    return await ctx.bounded(async (client) => {
      finished = await endOf(client, workflowId);
      return completeResult(client, finished);
    }, timeoutMs);
  } catch (err) {
    const failure = ctx.failure(err, requestId);
    if (failure.kind !== 'timeout') throw failure;
    const queue = ctx.runTaskQueue ?? ctx.taskQueue;
    // Unknown when it is the report of the run's end that got no answer.
    const how = finished ? ` (${finished.status})` : '';
    throw new CliFailure(
      'timeout',
      `the run for requestId ${requestId} finished${how}, but its per-leaver outcomes need a ` +
        `running worker to answer (task queue "${queue}"), and none did within ${Math.round(timeoutMs / 1000)} s; ` +
        `start one and retry \`offboard result ${requestId}\``,
      { cause: err },
    );
  }
}
