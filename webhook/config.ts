import fs from 'node:fs';
import { Secret } from '../activities/shared/secret';
import type { RunOptions } from '../workflows/options';
import { runOptionsFrom, RunOptionError } from '../client/run-options';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_TOLERANCE_SECONDS } from './server';

/**
 * The HR webhook's settings from the environment, read once at start. A missing or malformed
 * setting stops the process with a message naming the variable; the secret's value is never shown.
 * Temporal's own settings (TEMPORAL_ADDRESS, ...) are read by connectClient().
 */

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

export class WebhookConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Long enough that it cannot be guessed; HMAC keys shorter than this are a configuration mistake. */
export const MIN_SECRET_LENGTH = 16;

function secretFrom(env: Env): Secret {
  const name = 'HR_WEBHOOK_SECRET';
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct && file) throw new WebhookConfigError(`set ${name} or ${name}_FILE, not both`);
  let value: string;
  if (file) {
    try {
      value = fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new WebhookConfigError(`${name}_FILE names a file that cannot be read (${code}): ${file}`);
    }
    if (!value) throw new WebhookConfigError(`${name}_FILE names an empty file: ${file}`);
  } else if (direct) {
    value = direct;
  } else {
    throw new WebhookConfigError(
      `${name} (or ${name}_FILE) is not set: the shared secret HR signs events with`,
    );
  }
  if (value.length < MIN_SECRET_LENGTH) {
    throw new WebhookConfigError(`${name} must be at least ${MIN_SECRET_LENGTH} characters long`);
  }
  return new Secret(value);
}

function wholeNumber(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new WebhookConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

export function loadWebhookConfig(env: Env = process.env): WebhookConfig {
  let runOptions: RunOptions;
  try {
    runOptions = runOptionsFrom({}, env);
  } catch (err) {
    if (err instanceof RunOptionError) throw new WebhookConfigError(err.message);
    throw err;
  }
  return {
    secret: secretFrom(env),
    host: env.HR_WEBHOOK_HOST || '127.0.0.1',
    port: wholeNumber(env, 'HR_WEBHOOK_PORT', 8787, 0, 65_535),
    maxBodyBytes: wholeNumber(
      env,
      'HR_WEBHOOK_MAX_BODY_BYTES',
      DEFAULT_MAX_BODY_BYTES,
      1024,
      256 * 1024 * 1024,
    ),
    toleranceSeconds: wholeNumber(env, 'HR_WEBHOOK_TOLERANCE_SECONDS', DEFAULT_TOLERANCE_SECONDS, 1, 3600),
    taskQueue: env.OFFBOARDING_TASK_QUEUE || 'offboarding',
    uiBaseUrl: env.TEMPORAL_UI_URL || 'http://localhost:8233',
    runOptions,
  };
}
