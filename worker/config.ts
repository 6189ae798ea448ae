import fs from 'node:fs';
import { Secret } from '../activities/shared/secret';

/**
 * The worker's configuration, read once from the environment. A missing or malformed setting stops
 * the process with a message naming the variable; a secret's value is never part of a message.
 * Temporal's own connection settings (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
 * TEMPORAL_TLS_*) are read by @temporalio/envconfig, not here.
 *
 * Vendor rate limits are met by two settings together:
 * - WPS_ACTIVITIES_PER_SECOND / AUTHING_ACTIVITIES_PER_SECOND (positive number; unset: no limit): the
 *   vendor task queue's `maxTaskQueueActivitiesPerSecond`, enforced by the Temporal server across ALL
 *   workers: the global cap. About a third of the vendor's calls per second (an activity makes three
 *   calls), or a little more when the pacer below is set, so that the pacer is what binds.
 * - WPS_CALLS_PER_SECOND / AUTHING_CALLS_PER_SECOND (positive number; unset: no pacing): the most
 *   HTTP exchanges per second ONE worker process makes to the vendor (API calls, token fetches and
 *   every retry), evenly spaced (activities/shared/call-pacer.ts), since the server dispatches
 *   activities in bursts that a vendor counting calls per sliding second answers with 429. Per
 *   process: with N worker processes, set it to the vendor's limit ÷ N.
 */
export interface WorkerConfig {
  taskQueue: string;
  /**
   * The `*Codes` lists (WPS_SIGNATURE_REJECTED_CODES, WPS_THROTTLED_CODES, WPS_ID_REJECTED_CODES:
   * comma-separated vendor codes) are `WpsClientOptions` of the same names; unset: the client's defaults.
   */
  wps: {
    baseUrl: string;
    appId: string;
    appKey: Secret;
    signatureRejectedCodes?: number[];
    throttledCodes?: number[];
    idRejectedCodes?: number[];
  };
  authing: {
    baseUrl: string;
    userPoolId: string;
    accessKeyId: string;
    accessKeySecret: Secret;
    /**
     * AUTHING_ID_REJECTED_API_CODES (comma-separated apiCodes; unset: the client's default, 2004): the codes of a refused call that mean "some ids were refused", the only refusals the
     * workflow may split a batch for (activities/authing/client.ts).
     */
    idRejectedApiCodes?: number[];
  };
  /** Most activities this worker runs at once, per vendor. Default 20. */
  maxConcurrentActivities: number;
  /**
   * Each vendor's activities per second across ALL workers of the task queue (enforced by the
   * Temporal server); unset means no limit. One activity makes one to three vendor calls (read,
   * action, read-back), so set it to about a third of the vendor's calls-per-second allowance.
   */
  activitiesPerSecond: { wps?: number; authing?: number };
  /**
   * Each vendor's HTTP exchanges per second from THIS process, evenly spaced; unset means no pacing.
   * With N worker processes, the vendor's limit ÷ N. (Optional in the type for configurations built
   * by hand; `loadWorkerConfig` always sets it.)
   */
  callsPerSecond?: { wps?: number; authing?: number };
  /**
   * Run notifications (activities/notify/): OFFBOARD_NOTIFY_URL, where each is POSTed, and
   * OFFBOARD_NOTIFY_SECRET (or OFFBOARD_NOTIFY_SECRET_FILE), which signs them; the URL without a
   * secret is a configuration error. `uiBaseUrl` (TEMPORAL_UI_URL, default http://localhost:8233, as
   * for the CLI) is the base of the run links they carry. Absent: notifications are off.
   */
  notify?: { url: string; secret: Secret; uiBaseUrl: string };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is not set`);
  return value;
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function url(env: Env, name: string): string {
  const value = required(env, name);
  if (!isHttpUrl(value)) throw new ConfigError(`${name} must be an http(s) URL, got "${value}"`);
  return value.replace(/\/+$/, '');
}

/** A secret from `NAME`, or from the file named by `NAME_FILE` (one of the two, not both). */
function secret(env: Env, name: string): Secret {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && direct !== '' && file)
    throw new ConfigError(`set ${name} or ${name}_FILE, not both`);
  if (file) {
    let content: string;
    try {
      content = fs.readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError(`${name}_FILE names a file that cannot be read (${code}): ${file}`);
    }
    const value = content.replace(/\r?\n$/, '');
    if (!value) throw new ConfigError(`${name}_FILE names an empty file: ${file}`);
    return new Secret(value);
  }
  if (!direct) throw new ConfigError(`${name} (or ${name}_FILE) is not set`);
  return new Secret(direct);
}

function positiveNumber(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigError(`${name} must be a number above 0, got "${raw}"`);
  return value;
}

/** Comma-separated whole numbers (vendor codes); undefined when unset. */
function codeList(env: Env, name: string): number[] | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const parts = raw.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d{1,15}$/.test(p)))
    throw new ConfigError(`${name} must be comma-separated whole numbers (vendor codes), got "${raw}"`);
  return parts.map(Number);
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigError(`${name} must be a whole number of at least 1, got "${raw}"`);
  return value;
}

/**
 * OFFBOARD_NOTIFY_URL and its secret, or undefined when the URL is unset. The URL is used as given
 * (a relay may want its trailing slash) and never quoted in a message: it may carry a token.
 */
function notify(env: Env): WorkerConfig['notify'] {
  const target = env.OFFBOARD_NOTIFY_URL?.trim();
  if (!target) return undefined;
  if (!isHttpUrl(target)) throw new ConfigError('OFFBOARD_NOTIFY_URL must be an http(s) URL');
  if (!env.OFFBOARD_NOTIFY_SECRET && !env.OFFBOARD_NOTIFY_SECRET_FILE) {
    throw new ConfigError(
      'OFFBOARD_NOTIFY_URL is set but OFFBOARD_NOTIFY_SECRET (or OFFBOARD_NOTIFY_SECRET_FILE) is not: ' +
        'notifications are always signed; set the secret, or unset the URL to turn notifications off',
    );
  }
  return {
    url: target,
    secret: secret(env, 'OFFBOARD_NOTIFY_SECRET'),
    uiBaseUrl: env.TEMPORAL_UI_URL?.trim() ? url(env, 'TEMPORAL_UI_URL') : 'http://localhost:8233',
  };
}

export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  return {
    taskQueue: env.OFFBOARDING_TASK_QUEUE?.trim() || 'offboarding',
    wps: {
      baseUrl: url(env, 'WPS_BASE_URL'),
      appId: required(env, 'WPS_APP_ID'),
      appKey: secret(env, 'WPS_APP_KEY'),
      ...withoutUndefined({
        signatureRejectedCodes: codeList(env, 'WPS_SIGNATURE_REJECTED_CODES'),
        throttledCodes: codeList(env, 'WPS_THROTTLED_CODES'),
        idRejectedCodes: codeList(env, 'WPS_ID_REJECTED_CODES'),
      }),
    },
    authing: {
      baseUrl: url(env, 'AUTHING_BASE_URL'),
      userPoolId: required(env, 'AUTHING_USERPOOL_ID'),
      accessKeyId: required(env, 'AUTHING_ACCESS_KEY_ID'),
      accessKeySecret: secret(env, 'AUTHING_ACCESS_KEY_SECRET'),
      ...withoutUndefined({ idRejectedApiCodes: codeList(env, 'AUTHING_ID_REJECTED_API_CODES') }),
    },
    maxConcurrentActivities: positiveInt(env, 'WORKER_MAX_CONCURRENT_ACTIVITIES', 20),
    activitiesPerSecond: withoutUndefined({
      wps: positiveNumber(env, 'WPS_ACTIVITIES_PER_SECOND'),
      authing: positiveNumber(env, 'AUTHING_ACTIVITIES_PER_SECOND'),
    }),
    callsPerSecond: withoutUndefined({
      wps: positiveNumber(env, 'WPS_CALLS_PER_SECOND'),
      authing: positiveNumber(env, 'AUTHING_CALLS_PER_SECOND'),
    }),
    ...withoutUndefined({ notify: notify(env) }),
  };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
