import type { LogLevel, LogMetadata } from '@temporalio/common';
import { DefaultLogger, type LogEntry, type Logger } from '@temporalio/worker';
import { redactFields } from './log-redaction';
import type { LogFormat } from './observability-config';

/**
 * The worker's log lines, the SDK's (Core's forwarded) and the process's own: one event a line, secrets
 * redacted (log-redaction.ts), JSON `{"time","level","message", ...fields}` or text for a person
 * (fields: docs/operations.md, "Logs"). `requestId` is added, so that one filter finds a request's lines.
 */

/** Fields that are the line's frame; a metadata field of the same name is kept as `meta_<name>`. */
const FRAME = new Set(['time', 'level', 'message']);

/**
 * `offboarding-<requestId>` (workflows/request.ts) or a chunk run's `offboarding-<requestId>-chunk-N`
 * (workflows/offboarding.ts), so the request id is in every workflow and activity line already.
 */
export function requestIdOf(workflowId: unknown): string | undefined {
  if (typeof workflowId !== 'string') return undefined;
  const match = /^offboarding-(.+?)(?:-chunk-\d+)?$/.exec(workflowId);
  return match?.[1];
}

export interface LogRecord {
  time: Date;
  level: LogLevel;
  message: string;
  meta?: LogMetadata;
}

function fieldsOf(record: LogRecord): Record<string, unknown> {
  const fields = redactFields(record.meta ?? {});
  const requestId = requestIdOf(fields.workflowId);
  if (requestId !== undefined && fields.requestId === undefined) fields.requestId = requestId;
  return fields;
}

export function formatJson(record: LogRecord): string {
  const line: Record<string, unknown> = {
    time: record.time.toISOString(),
    level: record.level,
    message: redactFields({ message: record.message }).message,
  };
  for (const [name, value] of Object.entries(fieldsOf(record))) {
    line[FRAME.has(name) ? `meta_${name}` : name] = value;
  }
  return JSON.stringify(line);
}

export function formatText(record: LogRecord): string {
  const fields = Object.entries(fieldsOf(record))
    .map(
      ([name, value]) =>
        `${name}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`,
    )
    .join(' ');
  const message = redactFields({ message: record.message }).message as string;
  // One event, one line, in text too: a multi-line message (a stack) is folded.
  const head = `${record.time.toISOString()} ${record.level.padEnd(5)} ${message.replace(/\r?\n/g, ' | ')}`;
  return fields ? `${head} ${fields}` : head;
}

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where a finished line goes. Default: standard output. */
  write?: (line: string) => void;
}

function entryToRecord(entry: LogEntry): LogRecord {
  return {
    time: new Date(Number(entry.timestampNanos / 1_000_000n)),
    level: entry.level,
    message: entry.message,
    ...(entry.meta ? { meta: entry.meta } : {}),
  };
}

/** The logger for `Runtime.install({ logger })`, also used for the process's own lines. */
export function createLogger(options: LoggerOptions): Logger {
  const format = options.format === 'json' ? formatJson : formatText;
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  return new DefaultLogger(options.level, (entry) => {
    let line: string;
    try {
      line = format(entryToRecord(entry));
    } catch (err) {
      // A line that cannot be formatted is reported as such, never dropped silently nor thrown at the SDK.
      line = format({
        time: new Date(),
        level: 'ERROR',
        message: 'a log line could not be formatted',
        meta: { originalMessage: entry.message, error: err },
      });
    }
    write(line);
  });
}
