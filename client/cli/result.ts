import type { CompleteResult } from '../../workflows/result';
import { resultOf } from '../offboarding';
import { formatResult, resultCsv } from '../report';
import { checkRequestId, flag } from './arguments';
import type { Command } from './command';
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
    // Waiting has no deadline (the run decides when it ends). A finished run answers at once, but a
    // large one's outcomes are read from its chunk runs by queries a worker answers: bounded, with
    // room for one call per chunk, so that a missing worker fails the command rather than hangs it.
    const read = async (): Promise<CompleteResult> => {
      if (!run.open) return ctx.bounded((client) => resultOf(client, requestId), ctx.timeoutMs * 4);
      const { client } = await ctx.temporal();
      return resultOf(client, requestId);
    };
    const result = await read().catch((err: unknown) => {
      throw ctx.failure(err, requestId);
    });
    if (csv) ctx.out.write(resultCsv(result.outcomes));
    else ctx.out.result(formatResult(result), result);
    return exitCodeOf(result);
  },
};
