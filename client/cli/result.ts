import type { Client } from '@temporalio/client';
import type { offboarding } from '../../workflows';
import type { CompleteResult, OffboardingResult } from '../../workflows/result';
import { completeResult } from '../offboarding';
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
Exit code 0 when every leaver is offboarded, 1 when some failed or the run was cancelled.

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
    // Waiting has no deadline (the run decides when it ends); a finished run answers at once.
    const finished = await (
      run.open
        ? ctx.temporal().then(({ client }) => runResult(client, run.workflowId))
        : ctx.bounded((client) => runResult(client, run.workflowId))
    ).catch((err: unknown) => {
      throw ctx.failure(err, requestId);
    });
    const result = await withOutcomes(ctx, requestId, finished);
    if (csv) ctx.out.write(resultCsv(result.outcomes));
    else ctx.out.result(formatResult(result), result);
    return exitCodeOf(result);
  },
};

function runResult(client: Client, workflowId: string): Promise<OffboardingResult> {
  return client.workflow.getHandle<typeof offboarding>(workflowId).result();
}

/**
 * The result with every leaver's outcome. A large run's outcomes are read from its chunk runs by
 * queries that a worker answers (it replays each chunk): bounded, with room for one call per chunk,
 * so that a missing worker fails the command, saying so, rather than hangs it.
 */
async function withOutcomes(
  ctx: CliContext,
  requestId: string,
  finished: OffboardingResult,
): Promise<CompleteResult> {
  const timeoutMs = ctx.timeoutMs * 4;
  try {
    return await ctx.bounded((client) => completeResult(client, finished), timeoutMs);
  } catch (err) {
    const failure = ctx.failure(err, requestId);
    if (failure.kind !== 'timeout') throw failure;
    const queue = ctx.runTaskQueue ?? ctx.taskQueue;
    throw new CliFailure(
      'timeout',
      `the run for requestId ${requestId} finished (${finished.status}), but its per-leaver outcomes need a ` +
        `running worker to answer (task queue "${queue}"), and none did within ${Math.round(timeoutMs / 1000)} s; ` +
        `start one and retry \`offboard result ${requestId}\``,
      { cause: err },
    );
  }
}
