import type { FaultSettings } from './faults';

/**
 * Reading simulator switches from the environment, shared by both simulators. An unset or empty
 * variable is `undefined` (the simulator's default); a malformed one throws an Error naming it.
 */
export type Env = Record<string, string | undefined>;

export class EnvReader {
  constructor(private readonly env: Env) {}

  text(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw new Error(`${name} must be one of ${allowed.join(', ')}; got "${value}"`);
    }
    return value as T;
  }

  number(name: string, { min = 0, max = Number.MAX_SAFE_INTEGER, integer = true } = {}): number | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new Error(
        `${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}; got "${value}"`,
      );
    }
    return n;
  }

  /** A share from 0 to 1. */
  /** A comma-separated list, blanks dropped. */
  list(name: string): string[] | undefined {
    const raw = this.text(name);
    return raw === undefined
      ? undefined
      : raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
  }

  share(name: string): number | undefined {
    return this.number(name, { max: 1, integer: false });
  }

  flag(name: string): boolean | undefined {
    const value = this.text(name)?.toLowerCase();
    if (value === undefined) return undefined;
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off'].includes(value)) return false;
    throw new Error(`${name} must be true or false; got "${value}"`);
  }
}

/** The entries of `values` that are set. */
export function setOnly<T extends object>(values: { [K in keyof T]: T[K] | undefined }): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Fault settings (simulators/faults.ts) from `<PREFIX>_LATENCY_MS`, `_SERVER_ERROR_RATE`,
 * `_THROTTLE_RATE`, `_RETRY_AFTER_SECONDS`, `_HANG_RATE`, `_DOWN`, `_RATE_LIMIT_PER_SECOND` and
 * `_FAULT_SEED`; undefined when none is set.
 */
export function faultSettingsFromEnv(env: Env, prefix: string): Partial<FaultSettings> | undefined {
  const read = new EnvReader(env);
  const faults = setOnly<FaultSettings>({
    latencyMs: read.number(`${prefix}_LATENCY_MS`),
    serverErrorRate: read.share(`${prefix}_SERVER_ERROR_RATE`),
    throttleRate: read.share(`${prefix}_THROTTLE_RATE`),
    retryAfterSeconds: read.number(`${prefix}_RETRY_AFTER_SECONDS`),
    hangRate: read.share(`${prefix}_HANG_RATE`),
    down: read.flag(`${prefix}_DOWN`),
    rateLimitPerSecond: read.number(`${prefix}_RATE_LIMIT_PER_SECOND`),
    seed: read.number(`${prefix}_FAULT_SEED`),
  });
  return Object.keys(faults).length > 0 ? faults : undefined;
}
