import { waiveOffboarding } from '../offboarding';
import { checkRequestId, decisionOf } from './arguments';
import type { Command } from './command';
import { EXIT } from './exit-codes';
import { describeRun, requireOpen } from './run-handle';

export const waiveCommand: Command = {
  name: 'waive',
  summary: 'accept what remains of a waiting run; it then ends Completed',
  help: `Usage: offboard waive <requestId> --by NAME --reason TEXT

Accepts what a run in needs_attention is waiting on: the leavers whose access is not cut stay
recorded failed, marked waived, and the not_found guard's unknown ids stay not_found. Who, when
and why are kept in the run's result and summary; the run ends Completed. Refused (exit 5) when
nothing waits.

Options:
  --by NAME       who decides (an operator id; required)
  --reason TEXT   why what remains may stay as it is (required; kept in the result)`,
  options: { by: { type: 'string' }, reason: { type: 'string' } },
  maxPositionals: 1,
  async run(ctx, input) {
    const requestId = checkRequestId(input.positionals[0], 'waive');
    const { by, reason } = decisionOf(input.values, 'waive', 'why what remains may stay as it is');
    const run = await describeRun(ctx, requestId);
    requireOpen(run, 'waive');
    const progress = await ctx.bounded((client) => waiveOffboarding(client, requestId, by, reason));
    const leavers = progress.waivers?.at(-1)?.leavers ?? 0;
    ctx.out.result(`waived ${leavers} leavers of the run for requestId ${requestId} as ${by}`, {
      requestId,
      by,
      reason,
      progress,
    });
    return EXIT.ok;
  },
};
