import { EnvReader, faultSettingsFromEnv, setOnly, type Env } from '../env';
import type { AuthingIdBehaviour, AuthingSimulatorOptions } from './server';

/**
 * The Authing simulator's switches from the environment, for `simulators/main.ts`:
 *   AUTHING_SIM_UNKNOWN_IDS, AUTHING_SIM_RESIGNED_IDS   fail | skip | succeed (default skip)
 *   AUTHING_SIM_REJECT_IDS   comma-separated ids whose resign is refused whole (statusCode 400)
 *   AUTHING_SIM_TOKEN_TTL_SECONDS                       token lifetime (default 7200)
 *   AUTHING_SIM_FAIL_IN_BODY_RATE                       share of calls failing inside HTTP 200 (0..1)
 *   AUTHING_SIM_LATENCY_MS, AUTHING_SIM_SERVER_ERROR_RATE, AUTHING_SIM_THROTTLE_RATE,
 *   AUTHING_SIM_RETRY_AFTER_SECONDS, AUTHING_SIM_HANG_RATE, AUTHING_SIM_DOWN (true/false),
 *   AUTHING_SIM_RATE_LIMIT_PER_SECOND, AUTHING_SIM_FAULT_SEED   faults, as `FaultSettings`
 * An unset or empty variable keeps the default; a malformed one throws an Error naming it.
 */
export type AuthingSimulatorEnvOptions = Pick<
  AuthingSimulatorOptions,
  'unknownIds' | 'resignedIds' | 'rejectIds' | 'tokenTtlSeconds' | 'failInBodyRate' | 'faults'
>;

const BEHAVIOURS: readonly AuthingIdBehaviour[] = ['fail', 'skip', 'succeed'];

export function authingSimulatorOptionsFromEnv(env: Env = process.env): AuthingSimulatorEnvOptions {
  const read = new EnvReader(env);
  return setOnly<AuthingSimulatorEnvOptions>({
    unknownIds: read.oneOf('AUTHING_SIM_UNKNOWN_IDS', BEHAVIOURS),
    resignedIds: read.oneOf('AUTHING_SIM_RESIGNED_IDS', BEHAVIOURS),
    rejectIds: read.list('AUTHING_SIM_REJECT_IDS'),
    tokenTtlSeconds: read.number('AUTHING_SIM_TOKEN_TTL_SECONDS', { min: 1 }),
    failInBodyRate: read.share('AUTHING_SIM_FAIL_IN_BODY_RATE'),
    faults: faultSettingsFromEnv(env, 'AUTHING_SIM'),
  });
}
