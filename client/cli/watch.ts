import { checkRequestId } from './arguments';
import type { Command } from './command';
import { followRun } from './follow';

export const watchCommand: Command = {
  name: 'watch',
  summary: 'follow a run live (progress bar with counts) until it ends, then its summary',
  help: `Usage: offboard watch <requestId>

Polls the run's progress every second until it ends, then prints its summary. On a terminal it
redraws one progress bar; otherwise (a pipe, a log) it prints a line per change; with --json it
prints a JSON line per change ({"event":"progress",...}) and one at the end ({"event":"finished",...}).
Exits like \`result\`: 0 when every leaver is offboarded, 1 when some failed or the run was cancelled.`,
  options: {},
  maxPositionals: 1,
  async run(ctx, input) {
    return followRun(ctx, checkRequestId(input.positionals[0], 'watch'));
  },
};
