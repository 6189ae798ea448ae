import type { CliContext } from './context';
import type { ExitCode } from './exit-codes';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Repeatable: its value is the list of every occurrence. */
  multiple?: boolean;
}

export interface CommandInput {
  positionals: string[];
  values: Record<string, string | boolean | string[] | undefined>;
}

/** A subcommand: what `--help` shows, what it accepts, and what it does. */
export interface Command {
  name: string;
  /** One line, for `offboard --help`. */
  summary: string;
  /** The full text of `offboard <name> --help`, without the common options (added by the entry). */
  help: string;
  options: Record<string, OptionSpec>;
  /** Most positional arguments accepted. */
  maxPositionals: number;
  run(ctx: CliContext, input: CommandInput): Promise<ExitCode>;
}

/** Options every subcommand takes. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export const COMMON_HELP = `Common options:
  --json              JSON on stdout (errors too, as {"error": {...}}), for scripts
  --timeout SECONDS   how long to wait for the Temporal server per call (default 30)
  -h, --help          this help`;
