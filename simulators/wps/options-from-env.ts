import type { FaultSettings } from '../faults';
import type { WpsSimulatorOptions } from './server';

/**
 * The WPS simulator's switches from the environment, for `simulators/main.ts`. Every variable is
 * optional; an unset one leaves the simulator's default. A malformed value throws an Error that
 * names the variable.
 *
 *   WPS_SIM_UNKNOWN_IDS            skip | reject
 *   WPS_SIM_DISABLE_DISABLED       noop | reject
 *   WPS_SIM_MAX_IDS_PER_CALL       integer >= 1 (default 50)
 *   WPS_SIM_REJECT_HTTP_STATUS     HTTP status of a refusal by code (default 400; e.g. 200)
 *   WPS_SIM_TOKEN_TTL_SECONDS      token lifetime (default 7200)
 *   WPS_SIM_TOKEN_EXPIRES_IN       the expires_in advertised (default: the lifetime)
 *   WPS_SIM_FAULTS_ON_TOKEN        true | false: faults apply to /oauth2/token too
 *   WPS_SIM_MAX_CLOCK_SKEW_MS      accepted X-Kso-Date distance (default 900000)
 *   WPS_SIM_LATENCY_MS, WPS_SIM_SERVER_ERROR_RATE, WPS_SIM_THROTTLE_RATE,
 *   WPS_SIM_RETRY_AFTER_SECONDS, WPS_SIM_HANG_RATE, WPS_SIM_DOWN, WPS_SIM_RATE_LIMIT_PER_SECOND,
 *   WPS_SIM_FAULT_SEED             the fault settings of simulators/faults.ts
 */
export type WpsSimulatorEnvOptions = Omit<WpsSimulatorOptions, 'appId' | 'appKey' | 'users' | 'now'>;

type Env = Record<string, string | undefined>;

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[]): T | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`${name} must be one of ${allowed.join(', ')}; got "${value}"`);
  }
  return value as T;
}

function number(
  env: Env,
  name: string,
  { min = 0, max = Number.MAX_SAFE_INTEGER, integer = true } = {},
): number | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new Error(
      `${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}; got "${value}"`,
    );
  }
  return n;
}

function bool(env: Env, name: string): boolean | undefined {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new Error(`${name} must be true or false; got "${value}"`);
}

function defined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function wpsSimulatorOptionsFromEnv(env: Env = process.env): WpsSimulatorEnvOptions {
  const faults = defined<FaultSettings>({
    latencyMs: number(env, 'WPS_SIM_LATENCY_MS') as number,
    serverErrorRate: number(env, 'WPS_SIM_SERVER_ERROR_RATE', { max: 1, integer: false }) as number,
    throttleRate: number(env, 'WPS_SIM_THROTTLE_RATE', { max: 1, integer: false }) as number,
    retryAfterSeconds: number(env, 'WPS_SIM_RETRY_AFTER_SECONDS') as number,
    hangRate: number(env, 'WPS_SIM_HANG_RATE', { max: 1, integer: false }) as number,
    down: bool(env, 'WPS_SIM_DOWN') as boolean,
    rateLimitPerSecond: number(env, 'WPS_SIM_RATE_LIMIT_PER_SECOND') as number,
    seed: number(env, 'WPS_SIM_FAULT_SEED') as number,
  });
  const options = defined<WpsSimulatorEnvOptions>({
    unknownIds: oneOf(env, 'WPS_SIM_UNKNOWN_IDS', ['skip', 'reject'] as const),
    disableDisabled: oneOf(env, 'WPS_SIM_DISABLE_DISABLED', ['noop', 'reject'] as const),
    maxIdsPerCall: number(env, 'WPS_SIM_MAX_IDS_PER_CALL', { min: 1 }),
    rejectHttpStatus: number(env, 'WPS_SIM_REJECT_HTTP_STATUS', { min: 200, max: 599 }),
    tokenTtlSeconds: number(env, 'WPS_SIM_TOKEN_TTL_SECONDS', { min: 1 }),
    advertisedExpiresInSeconds: number(env, 'WPS_SIM_TOKEN_EXPIRES_IN', { min: 1 }),
    faultsOnTokenEndpoint: bool(env, 'WPS_SIM_FAULTS_ON_TOKEN'),
    maxClockSkewMs: number(env, 'WPS_SIM_MAX_CLOCK_SKEW_MS'),
  });
  return Object.keys(faults).length > 0 ? { ...options, faults } : options;
}
