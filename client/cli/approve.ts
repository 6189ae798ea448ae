import { approveOffboarding } from '../offboarding';
import { checkRequestId, stringOption } from './arguments';
import type { Command } from './command';
import { EXIT } from './exit-codes';
import { usage } from './failure';
import { describeRun, requireOpen } from './run-handle';

export const approveCommand: Command = {
  name: 'approve',
  summary: 'let a run over the approval threshold proceed',
  help: `Usage: offboard approve <requestId> --by NAME

A run with more leavers than its approval threshold waits, touching nothing, until approved.
--by names who approved, for the audit trail (kept in the run's result). Refused (exit 5, with the
run's reason) when the run needs no approval or has it already.

Options:
  --by NAME   who approves (an operator id; required)`,
  options: { by: { type: 'string' } },
  maxPositionals: 1,
  async run(ctx, input) {
    const requestId = checkRequestId(input.positionals[0], 'approve');
    const by = stringOption(input.values, 'by')?.trim();
    if (!by) throw usage('approve needs --by NAME: who approves, for the audit trail');
    const run = await describeRun(ctx, requestId);
    requireOpen(run, 'approve');
    const progress = await ctx.bounded((client) => approveOffboarding(client, requestId, by));
    ctx.out.result(`approved the run for requestId ${requestId} as ${by}; phase now ${progress.phase}`, {
      requestId,
      approvedBy: by,
      progress,
    });
    return EXIT.ok;
  },
};
