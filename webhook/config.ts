import { z } from 'zod';
import type { Secret } from '../activities/shared/secret';
import { ConfigError, port, readEnv, secret, wholeNumber, type Env } from '../config/env';
import type { RunOptions } from '../workflows/options';
import { runOptionsFrom, RunOptionError } from '../client/run-options';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_TOLERANCE_SECONDS } from './server';

/** The HR webhook's settings (config/env.ts); Temporal's own (TEMPORAL_ADDRESS, ...): connectClient(). */

export interface WebhookConfig {
  secret: Secret;
  host: string;
  port: number;
  maxBodyBytes: number;
  toleranceSeconds: number;
  taskQueue: string;
  uiBaseUrl: string;
  runOptions: RunOptions;
}

/** Long enough that it cannot be guessed; HMAC keys shorter than this are a configuration mistake. */
export const MIN_SECRET_LENGTH = 16;

const WEBHOOK_ENV = z
  .object({
    HR_WEBHOOK_SECRET: secret()
      .refine(
        (value) => value.reveal().length >= MIN_SECRET_LENGTH,
        `must be at least ${MIN_SECRET_LENGTH} characters long`,
      )
      .describe('the shared secret HR signs events with'),
    HR_WEBHOOK_HOST: z.string().default('127.0.0.1'),
    HR_WEBHOOK_PORT: port().default(8787),
    HR_WEBHOOK_MAX_BODY_BYTES: wholeNumber(1024, 256 * 1024 * 1024).default(DEFAULT_MAX_BODY_BYTES),
    HR_WEBHOOK_TOLERANCE_SECONDS: wholeNumber(1, 3600).default(DEFAULT_TOLERANCE_SECONDS),
    OFFBOARDING_TASK_QUEUE: z.string().default('offboarding'),
    TEMPORAL_UI_URL: z.string().default('http://localhost:8233'),
  })
  .transform((env) => ({
    secret: env.HR_WEBHOOK_SECRET,
    host: env.HR_WEBHOOK_HOST,
    port: env.HR_WEBHOOK_PORT,
    maxBodyBytes: env.HR_WEBHOOK_MAX_BODY_BYTES,
    toleranceSeconds: env.HR_WEBHOOK_TOLERANCE_SECONDS,
    taskQueue: env.OFFBOARDING_TASK_QUEUE,
    uiBaseUrl: env.TEMPORAL_UI_URL,
  }));

/** The settings, then the run options' defaults (OFFBOARDING_BATCH_SIZE, ...; client/run-options.ts). */
export function loadWebhookConfig(env: Env = process.env): WebhookConfig {
  const settings = readEnv(WEBHOOK_ENV, env);
  try {
    return { ...settings, runOptions: runOptionsFrom({}, env) };
  } catch (err) {
    if (err instanceof RunOptionError) throw new ConfigError(err.message);
    throw err;
  }
}
