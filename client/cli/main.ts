import { parseArgs } from 'node:util';
import { approveCommand } from './approve';
import { cancelCommand } from './cancel';
import { continueCommand } from './continue';
import { checkCommand } from './check';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from './command';
import { CliContext, DEFAULT_TIMEOUT_MS, type Connector } from './context';
import { EXIT, type ExitCode } from './exit-codes';
import { toFailure, usage } from './failure';
import { listCommand } from './list';
import { Output, type CliStreams } from './output';
import { rescheduleCommand } from './reschedule';
import { resultCommand } from './result';
import { retryCommand } from './retry';
import { waiveCommand } from './waive';
import { secondsOption, stringOption } from './arguments';
import { startCommand } from './start';
import { statusCommand } from './status';
import { watchCommand } from './watch';

export const COMMANDS: readonly Command[] = [
  startCommand,
  statusCommand,
  watchCommand,
  resultCommand,
  listCommand,
  cancelCommand,
  rescheduleCommand,
  approveCommand,
  continueCommand,
  retryCommand,
  waiveCommand,
  checkCommand,
];

export const TOP_HELP = `offboard: start and operate employee-offboarding runs on Temporal

Usage: offboard <command> [arguments] [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(13)} ${c.summary}`).join('\n')}

Run \`offboard <command> --help\` for a command's arguments and options. Every command takes --json.

Environment:
  TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE   the Temporal server (default localhost:7233, namespace default);
                                         also TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE
  OFFBOARDING_TASK_QUEUE                 the workflow's task queue (default offboarding)
  TEMPORAL_UI_URL                        the Web UI base for printed links (default http://localhost:8233)

Exit codes:
  0   done; for a finished run: every leaver offboarded
  1   the run finished with failed leavers, was cancelled, or failed
  2   usage error or invalid input (flags, request file, id type); nothing was sent
  3   no offboarding run for the requestId
  4   the Temporal server is unreachable or did not answer in time
  5   refused: the requestId names another request, or the run refused the operation now
  6   check: a check failed (its line names the fix)
  70  unexpected error`;

export interface CliOptions {
  streams: CliStreams;
  env: Record<string, string | undefined>;
  /** Replaces connectClient(), for tests of the wiring without a server. */
  connector?: Connector;
}

function findCommand(name: string): Command {
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    throw usage(`unknown command "${name}"; the commands are ${COMMANDS.map((c) => c.name).join(', ')}`);
  }
  return command;
}

/** Runs one CLI invocation and returns its exit code; never throws. */
export async function runCli(argv: readonly string[], options: CliOptions): Promise<ExitCode> {
  const [name, ...rest] = argv;
  const wantsJson = argv.includes('--json');
  let out = new Output(options.streams, wantsJson);
  let ctx: CliContext | undefined;
  let requestId: string | undefined;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const topic = name === 'help' ? rest[0] : undefined;
      if (topic !== undefined) {
        const command = findCommand(topic);
        options.streams.stdout.write(`${command.help}\n\n${COMMON_HELP}\n`);
        return EXIT.ok;
      }
      if (name === undefined) {
        options.streams.stderr.write(`${TOP_HELP}\n`);
        return EXIT.usage;
      }
      options.streams.stdout.write(`${TOP_HELP}\n`);
      return EXIT.ok;
    }
    if (name.startsWith('-')) throw usage(`give the command first, e.g. offboard status <requestId> ${name}`);
    const command = findCommand(name);
    let parsed;
    try {
      parsed = parseArgs({
        args: [...rest],
        options: { ...COMMON_OPTIONS, ...command.options },
        allowPositionals: true,
        strict: true,
      });
    } catch (err) {
      // parseArgs errors are TypeErrors with a code; the first sentence is the useful one.
      const text = (err as { message?: unknown }).message;
      const message = (typeof text === 'string' ? text : String(err)).split('. ')[0] ?? '';
      throw usage(`${name}: ${message} (see offboard ${name} --help)`);
    }
    const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
    if (values.help === true) {
      options.streams.stdout.write(`${command.help}\n\n${COMMON_HELP}\n`);
      return EXIT.ok;
    }
    if (parsed.positionals.length > command.maxPositionals) {
      const extra = parsed.positionals.slice(command.maxPositionals).join(' ');
      throw usage(
        `${name}: unexpected argument${extra.includes(' ') ? 's' : ''} ${extra} (see offboard ${name} --help)`,
      );
    }
    requestId = name === 'start' ? undefined : parsed.positionals[0];
    out = new Output(options.streams, values.json === true);
    const timeoutMs = secondsOption(stringOption(values, 'timeout'), '--timeout', DEFAULT_TIMEOUT_MS);
    ctx = new CliContext(out, options.env, timeoutMs, options.connector);
    return await command.run(ctx, { positionals: parsed.positionals, values });
  } catch (err) {
    const failure = ctx ? ctx.failure(err, requestId) : toFailure(err, { requestId });
    out.failure(failure);
    return failure.exitCode;
  } finally {
    await ctx?.close().catch(() => undefined);
  }
}
