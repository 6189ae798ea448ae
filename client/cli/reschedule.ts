import { rescheduleOffboarding } from '../offboarding';
import { checkEffectiveAt, checkRequestId } from './arguments';
import type { Command } from './command';
import { EXIT } from './exit-codes';
import { describeRun, requireOpen } from './run-handle';

export const rescheduleCommand: Command = {
  name: 'reschedule',
  summary: "move a run's start time (only before it has started)",
  help: `Usage: offboard reschedule <requestId> <effectiveAt>

Moves the run's start to effectiveAt, an ISO 8601 time with its offset (2026-11-30T18:00:00+08:00).
A time in the past starts it at once. Refused (exit 5, with the run's reason) once it has started.`,
  options: {},
  maxPositionals: 2,
  async run(ctx, input) {
    const requestId = checkRequestId(input.positionals[0], 'reschedule');
    const effectiveAt = checkEffectiveAt(input.positionals[1], 'effectiveAt (the second argument)');
    const run = await describeRun(ctx, requestId);
    requireOpen(run, 'reschedule');
    const progress = await ctx.bounded((client) => rescheduleOffboarding(client, requestId, effectiveAt));
    ctx.out.result(
      `rescheduled the run for requestId ${requestId}: effective ${progress.effectiveAt ?? effectiveAt}, phase ${progress.phase}`,
      { requestId, progress },
    );
    return EXIT.ok;
  },
};
