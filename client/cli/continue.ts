import { continueOffboarding } from '../offboarding';
import { checkRequestId, decisionOf, stringOption } from './arguments';
import type { Command } from './command';
import { EXIT } from './exit-codes';
import { usage } from './failure';
import { describeRun, requireOpen } from './run-handle';

export const continueCommand: Command = {
  name: 'continue',
  summary: 'let a run held by the not_found guard go on',
  help: `Usage: offboard continue <requestId> --by NAME --reason TEXT

A run stops in phase needs_attention when a vendor did not know ids it was sent in a way that looks
like a wrong tenant or a misread answer: a read that returned none of a batch's ids, or more of a
system's ids unknown than the run's not_found threshold. \`offboard status\` shows the evidence (which
ids, which endpoint, the vendor's request ids). Once you have checked them, continue: those ids stay
recorded not_found, and the guard no longer holds for that system. Or cancel the run. Refused (exit
5) when the run is not waiting.

Options:
  --by NAME       who decides (an operator id; required)
  --reason TEXT   why the unknown ids are fine (required; kept in the run's result)
  --system S      wps or authing: the hold you accept (needed when the run holds for both)`,
  options: { by: { type: 'string' }, reason: { type: 'string' }, system: { type: 'string' } },
  maxPositionals: 1,
  async run(ctx, input) {
    const requestId = checkRequestId(input.positionals[0], 'continue');
    const { by, reason } = decisionOf(input.values, 'continue', 'why the unknown ids are fine');
    const system = stringOption(input.values, 'system');
    if (system !== undefined && system !== 'wps' && system !== 'authing')
      throw usage(`--system must be wps or authing, got "${system}"`);
    const run = await describeRun(ctx, requestId);
    requireOpen(run, 'continue');
    const progress = await ctx.bounded((client) =>
      continueOffboarding(client, requestId, by, reason, system),
    );
    ctx.out.result(`continued the run for requestId ${requestId} as ${by}; phase now ${progress.phase}`, {
      requestId,
      by,
      reason,
      progress,
    });
    return EXIT.ok;
  },
};
