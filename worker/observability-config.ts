import type { LogLevel } from '@temporalio/common';
import { ConfigError } from './config';

/**
 * How the worker reports on itself, read once from the environment (separate from worker/config.ts,
 * which is about what the worker does):
 *
 * | variable               | meaning                                                                  | default                                  |
 * | ---------------------- | ------------------------------------------------------------------------ | ---------------------------------------- |
 * | `METRICS_BIND_ADDRESS` | `host:port` of the Prometheus endpoint (`GET /metrics`); unset: no metrics | unset (the image sets `0.0.0.0:9464`)    |
 * | `LOG_LEVEL`            | `TRACE`, `DEBUG`, `INFO`, `WARN` or `ERROR`                              | `INFO`                                   |
 * | `LOG_FORMAT`           | `json` (one object a line) or `text` (for a person at a terminal)        | `text` on a terminal, `json` otherwise   |
 */
export interface ObservabilityConfig {
  metricsBindAddress?: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

export type LogFormat = 'json' | 'text';

const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

type Env = Record<string, string | undefined>;

function bindAddress(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  // host:port, where host may be a bracketed IPv6 address; the exporter binds exactly this.
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(raw);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65_535)
    throw new ConfigError(`${name} must be host:port (for example 0.0.0.0:9464), got "${raw}"`);
  return raw;
}

function logLevel(env: Env, name: string): LogLevel {
  const raw = env[name]?.trim().toUpperCase();
  if (!raw) return 'INFO';
  const level = LOG_LEVELS.find((l) => l === raw);
  if (!level) throw new ConfigError(`${name} must be one of ${LOG_LEVELS.join(', ')}, got "${env[name]}"`);
  return level;
}

function logFormat(env: Env, name: string, isTerminal: boolean): LogFormat {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return isTerminal ? 'text' : 'json';
  if (raw !== 'json' && raw !== 'text')
    throw new ConfigError(`${name} must be json or text, got "${env[name]}"`);
  return raw;
}

export function loadObservabilityConfig(
  env: Env = process.env,
  isTerminal: boolean = process.stdout.isTTY === true,
): ObservabilityConfig {
  const metricsBindAddress = bindAddress(env, 'METRICS_BIND_ADDRESS');
  return {
    ...(metricsBindAddress !== undefined ? { metricsBindAddress } : {}),
    logLevel: logLevel(env, 'LOG_LEVEL'),
    logFormat: logFormat(env, 'LOG_FORMAT', isTerminal),
  };
}
