import type { CliFailure } from './failure';

/** Where a command writes. Streams are injected so that the rendering can be tested without a process. */
export interface CliStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

/**
 * A command's output. Human mode writes text to stdout and errors to stderr. `--json` mode writes
 * only JSON to stdout (one document, or one per line for `watch`), errors included, so that a
 * script can always parse what it reads; the exit code says which it got.
 */
export class Output {
  constructor(
    readonly streams: CliStreams,
    readonly json: boolean,
  ) {}

  get isTTY(): boolean {
    return this.streams.stdout.isTTY === true;
  }

  /** Text for a person; nothing in JSON mode. */
  say(text: string): void {
    if (!this.json) this.streams.stdout.write(`${text}\n`);
  }

  /** Raw text, for redrawing a line on a terminal. */
  write(text: string): void {
    this.streams.stdout.write(text);
  }

  /** One JSON document on its own line; nothing in human mode. */
  data(value: unknown): void {
    if (this.json) this.streams.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** Text in human mode, the value in JSON mode. */
  result(text: string, value: unknown): void {
    if (this.json) this.data(value);
    else this.say(text);
  }

  /** A note for a person (warnings, hints) on stderr, in either mode. */
  note(text: string): void {
    this.streams.stderr.write(`${text}\n`);
  }

  failure(failure: CliFailure): void {
    if (this.json) {
      const error: Record<string, unknown> = {
        kind: failure.kind,
        exitCode: failure.exitCode,
        message: failure.message,
      };
      if (failure.details !== undefined) error.details = failure.details;
      this.data({ error });
    } else {
      this.streams.stderr.write(`offboard: ${failure.message}\n`);
    }
  }
}
