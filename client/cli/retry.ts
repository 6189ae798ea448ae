import { retryOffboarding } from '../offboarding';
import { checkRequestId, flag } from './arguments';
import type { Command } from './command';
import { EXIT } from './exit-codes';
import { followRun } from './follow';
import { describeRun, requireOpen } from './run-handle';

export const retryCommand: Command = {
  name: 'retry',
  summary: "try a waiting run's leavers whose access is not cut again, now",
  help: `Usage: offboard retry <requestId> [--wait]

A run whose leavers' access is not cut (a vendor down past the retry window, a wrong credential, a
canary that changed nothing) does not end: it waits in phase needs_attention, retries the transient
failures itself on a backoff, and ends Failed at its deadline. After fixing the cause, retry: those
leavers are tried again in the same run, with the same checks (read first, the canary again for a
system it had stopped). Refused (exit 5) when nothing waits.

Options:
  --wait    then follow the run like \`watch\``,
  options: { wait: { type: 'boolean' } },
  maxPositionals: 1,
  async run(ctx, input) {
    const requestId = checkRequestId(input.positionals[0], 'retry');
    const run = await describeRun(ctx, requestId);
    requireOpen(run, 'retry');
    const progress = await ctx.bounded((client) => retryOffboarding(client, requestId));
    ctx.out.result(
      `retrying ${progress.remainingLeavers ?? 0} leavers of the run for requestId ${requestId}; follow it with offboard watch ${requestId}`,
      { requestId, progress },
    );
    if (!flag(input.values, 'wait')) return EXIT.ok;
    return followRun(ctx, requestId);
  },
};
