import type { LogLevel } from '@temporalio/common';
import { z } from 'zod';
import { oneOf, parsed, readEnv, type Env } from '../config/env';

/**
 * How the worker reports on itself (METRICS_BIND_ADDRESS, LOG_LEVEL, LOG_FORMAT: README.md,
 * "Configuration"), apart from worker/config.ts, which is about what the worker does.
 */
export interface ObservabilityConfig {
  metricsBindAddress?: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

export type LogFormat = 'json' | 'text';

const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

const OBSERVABILITY_ENV = z.object({
  // host:port, where host may be a bracketed IPv6 address; the exporter binds exactly this.
  METRICS_BIND_ADDRESS: parsed('host:port (for example 0.0.0.0:9464)', (text) => {
    const port = Number(/^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text)?.[1]);
    return port >= 1 && port <= 65_535 ? text : undefined;
  }).optional(),
  LOG_LEVEL: oneOf(LOG_LEVELS, (text) => text.toUpperCase()).default('INFO'),
  LOG_FORMAT: oneOf(['json', 'text'] as const, (text) => text.toLowerCase()).optional(),
});

export function loadObservabilityConfig(
  env: Env = process.env,
  isTerminal: boolean = process.stdout.isTTY === true,
): ObservabilityConfig {
  const settings = readEnv(OBSERVABILITY_ENV, env);
  return {
    ...(settings.METRICS_BIND_ADDRESS !== undefined
      ? { metricsBindAddress: settings.METRICS_BIND_ADDRESS }
      : {}),
    logLevel: settings.LOG_LEVEL,
    logFormat: settings.LOG_FORMAT ?? (isTerminal ? 'text' : 'json'),
  };
}
