import { z } from 'zod';
import { definedOnly, flag, parsed, readEnv, wholeNumber, type Env } from '../config/env';
import type { FaultSettings } from './faults';

/**
 * A simulator's switches from the environment: each option, the variable it is read from (after the
 * simulator's `<PREFIX>_`) and its schema. An unset or empty variable leaves the simulator's default;
 * malformed ones stop it with a ConfigError naming every one.
 */
export type Switches = Record<string, readonly [variable: string, schema: z.ZodType]>;
type Values<T extends Switches> = { -readonly [K in keyof T]?: z.output<T[K][1]> } & {
  faults?: Partial<FaultSettings>;
};

/** A share from 0 to 1. */
export const share = () =>
  parsed('a number from 0 to 1', (text) =>
    Number(text) >= 0 && Number(text) <= 1 ? Number(text) : undefined,
  );

/** The fault settings of simulators/faults.ts, the same for both simulators. */
const FAULT_SWITCHES = {
  latencyMs: ['LATENCY_MS', wholeNumber(0)],
  serverErrorRate: ['SERVER_ERROR_RATE', share()],
  throttleRate: ['THROTTLE_RATE', share()],
  retryAfterSeconds: ['RETRY_AFTER_SECONDS', wholeNumber(0)],
  hangRate: ['HANG_RATE', share()],
  down: ['DOWN', flag()],
  rateLimitPerSecond: ['RATE_LIMIT_PER_SECOND', wholeNumber(0)],
  seed: ['FAULT_SEED', wholeNumber(0)],
} satisfies Switches;

/** The `switches` that are set, and the fault settings as `faults` when any is set. */
export function switchesFromEnv<T extends Switches>(prefix: string, switches: T, env: Env): Values<T> {
  const variable = (name: string) => `${prefix}_${name}`;
  const all = [...Object.values(switches), ...Object.values(FAULT_SWITCHES)];
  const schema = z.object(Object.fromEntries(all.map(([name, field]) => [variable(name), field.optional()])));
  const values: Record<string, unknown> = readEnv(schema, env);
  const set = (table: Switches) =>
    definedOnly(
      Object.fromEntries(Object.entries(table).map(([key, [name]]) => [key, values[variable(name)]])),
    );
  const faults = set(FAULT_SWITCHES);
  return { ...set(switches), ...(Object.keys(faults).length > 0 ? { faults } : {}) } as Values<T>;
}
