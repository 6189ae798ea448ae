import { retryFailed } from '../offboarding';
import { checkRequestId, flag } from './arguments';
import type { Command } from './command';
import { EXIT } from './exit-codes';
import { CliFailure } from './failure';
import { followRun } from './follow';
import { describeRun } from './run-handle';
import { reportStarted, RUN_OPTION_FLAGS, RUN_OPTIONS_HELP, runOptionsOf } from './start';

export const retryFailedCommand: Command = {
  name: 'retry-failed',
  summary: "start a new run of a finished run's failed leavers only (<requestId>.retry-N)",
  help: `Usage: offboard retry-failed <requestId> [--wait] [options]

Starts a new run, <requestId>.retry-1 (of X.retry-1: X.retry-2), with only the leavers that failed
in the finished run, each with only the ids of the systems that failed for it. Idempotent like any
start: running it again leads to the same retry run. When nothing failed it says so and starts
nothing (--json: {"retry": null}).
A run that has not finished is refused (exit 5).

Options:
  --wait                     then follow the retry run like \`watch\`
${RUN_OPTIONS_HELP}`,
  options: { wait: { type: 'boolean' }, ...RUN_OPTION_FLAGS },
  maxPositionals: 1,
  async run(ctx, input) {
    const requestId = checkRequestId(input.positionals[0], 'retry-failed');
    const runOptions = runOptionsOf(ctx, input);
    const run = await describeRun(ctx, requestId);
    if (run.open) {
      throw new CliFailure(
        'refused',
        `the run for requestId ${requestId} has not finished yet; retry its failures once it has (offboard watch ${requestId})`,
      );
    }
    // Reading a large run's outcomes takes one call per chunk: give it room, but not forever.
    const retry = await ctx.bounded(
      (client, { namespace }) =>
        retryFailed(client, requestId, {
          taskQueue: ctx.taskQueue,
          namespace,
          uiBaseUrl: ctx.uiBaseUrl,
          runOptions,
        }),
      ctx.timeoutMs * 4,
    );
    if (!retry) {
      ctx.out.result(`no leaver failed in the run for requestId ${requestId}: nothing to retry`, {
        retryOf: requestId,
        retry: null,
      });
      return EXIT.ok;
    }
    const { handle: _handle, ...started } = retry;
    if (ctx.out.json) ctx.out.data({ retryOf: requestId, retry: started });
    else reportStarted(ctx, retry, `the failed leavers of ${requestId}`);
    if (!flag(input.values, 'wait')) return EXIT.ok;
    return followRun(ctx, retry.requestId);
  },
};
