import { EnvReader, faultSettingsFromEnv, setOnly, type Env } from '../env';
import type { AuthingIdBehaviour, AuthingSimulatorOptions } from './server';

/**
 * The Authing simulator's switches from the environment, for `simulators/main.ts`:
 *   AUTHING_SIM_UNKNOWN_IDS, AUTHING_SIM_RESIGNED_IDS   fail | skip | succeed (default skip)
 *   AUTHING_SIM_REJECT_IDS   comma-separated ids whose resign is refused whole (statusCode 400)
 *   AUTHING_SIM_REJECT_API_CODE                         that refusal's apiCode (default 2004)
 *   AUTHING_SIM_TOKEN_TTL_SECONDS                       token lifetime (default 7200)
 *   AUTHING_SIM_FAIL_IN_BODY_RATE                       share of calls failing inside HTTP 200 (0..1)
 * Answers a connector must not misread (each default off):
 *   AUTHING_SIM_RECORD_ID_FIELD      get-user-batch records name the id field so (e.g. id), not userId
 *   AUTHING_SIM_UNKNOWN_STATUS       get-user-batch records report this status (e.g. Locked)
 *   AUTHING_SIM_RESIGN_NOOP          true: resign-user-batch answers success and changes nothing
 *   AUTHING_SIM_THROTTLE_IN_BODY     true: throttles answer HTTP 200 with body statusCode 429
 *   AUTHING_SIM_LANGUAGE             en | zh: the language of messages (default en)
 *   AUTHING_SIM_CLOCK_OFFSET_MS      the Date header is now() plus this (may be negative)
 *   AUTHING_SIM_EXTRA_RECORD         true: get-user-batch also returns a user nobody asked for
 *   AUTHING_SIM_API_CODE_AS_STRING   true: apiCode is sent as a string ("2004")
 * Faults, as `FaultSettings`:
 *   AUTHING_SIM_LATENCY_MS, AUTHING_SIM_SERVER_ERROR_RATE, AUTHING_SIM_THROTTLE_RATE,
 *   AUTHING_SIM_RETRY_AFTER_SECONDS, AUTHING_SIM_HANG_RATE, AUTHING_SIM_DOWN (true/false),
 *   AUTHING_SIM_RATE_LIMIT_PER_SECOND, AUTHING_SIM_FAULT_SEED
 * An unset or empty variable keeps the default; a malformed one throws an Error naming it.
 */
export type AuthingSimulatorEnvOptions = Pick<
  AuthingSimulatorOptions,
  | 'unknownIds'
  | 'resignedIds'
  | 'rejectIds'
  | 'rejectApiCode'
  | 'tokenTtlSeconds'
  | 'failInBodyRate'
  | 'recordIdField'
  | 'unknownStatus'
  | 'resignNoop'
  | 'throttleInBody'
  | 'language'
  | 'clockOffsetMs'
  | 'extraRecord'
  | 'apiCodeAsString'
  | 'faults'
>;

const BEHAVIOURS: readonly AuthingIdBehaviour[] = ['fail', 'skip', 'succeed'];
const LANGUAGES = ['en', 'zh'] as const;

export function authingSimulatorOptionsFromEnv(env: Env = process.env): AuthingSimulatorEnvOptions {
  const read = new EnvReader(env);
  return setOnly<AuthingSimulatorEnvOptions>({
    unknownIds: read.oneOf('AUTHING_SIM_UNKNOWN_IDS', BEHAVIOURS),
    resignedIds: read.oneOf('AUTHING_SIM_RESIGNED_IDS', BEHAVIOURS),
    rejectIds: read.list('AUTHING_SIM_REJECT_IDS'),
    rejectApiCode: read.number('AUTHING_SIM_REJECT_API_CODE'),
    tokenTtlSeconds: read.number('AUTHING_SIM_TOKEN_TTL_SECONDS', { min: 1 }),
    failInBodyRate: read.share('AUTHING_SIM_FAIL_IN_BODY_RATE'),
    recordIdField: read.text('AUTHING_SIM_RECORD_ID_FIELD'),
    unknownStatus: read.text('AUTHING_SIM_UNKNOWN_STATUS'),
    resignNoop: read.flag('AUTHING_SIM_RESIGN_NOOP'),
    throttleInBody: read.flag('AUTHING_SIM_THROTTLE_IN_BODY'),
    language: read.oneOf('AUTHING_SIM_LANGUAGE', LANGUAGES),
    clockOffsetMs: read.number('AUTHING_SIM_CLOCK_OFFSET_MS', { min: -Number.MAX_SAFE_INTEGER }),
    extraRecord: read.flag('AUTHING_SIM_EXTRA_RECORD'),
    apiCodeAsString: read.flag('AUTHING_SIM_API_CODE_AS_STRING'),
    faults: faultSettingsFromEnv(env, 'AUTHING_SIM'),
  });
}
