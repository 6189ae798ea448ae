import { cancelOffboarding, progressOf } from '../offboarding';
import { checkRequestId, stringOption } from './arguments';
import type { Command } from './command';
import { EXIT } from './exit-codes';
import { describeRun, requireOpen } from './run-handle';

export const cancelCommand: Command = {
  name: 'cancel',
  summary: 'stop a run: before it starts nothing is touched; while running no new batch starts',
  help: `Usage: offboard cancel <requestId> [--reason TEXT]

Asks the run to stop. Before it starts (scheduled, awaiting approval) nothing is touched, ever.
While it runs, no new batch starts, and a batch in flight finishes its WPS step but does not start
the irreversible Authing step. The result then says, per leaver, what was and was not done.
A run that has already finished is refused (exit 5).

Options:
  --reason TEXT   why, for the audit trail (shown in status and result)`,
  options: { reason: { type: 'string' } },
  maxPositionals: 1,
  async run(ctx, input) {
    const requestId = checkRequestId(input.positionals[0], 'cancel');
    const reason = stringOption(input.values, 'reason');
    const run = await describeRun(ctx, requestId);
    requireOpen(run, 'cancel');
    await ctx.bounded((client) => cancelOffboarding(client, requestId, reason));
    // Best effort: the cancel is delivered either way; the phase only tells the operator more.
    const progress = await ctx.bounded((client) => progressOf(client, requestId)).catch(() => undefined);
    ctx.out.result(
      `cancel sent to the run for requestId ${requestId}${reason !== undefined ? ` (reason: ${reason})` : ''}` +
        (progress ? `; phase now ${progress.phase}` : '') +
        `\nfollow it with offboard watch ${requestId}\nWeb UI: ${run.uiUrl}`,
      {
        requestId,
        cancelRequested: true,
        reason: reason ?? null,
        progress: progress ?? null,
        uiUrl: run.uiUrl,
      },
    );
    return EXIT.ok;
  },
};
