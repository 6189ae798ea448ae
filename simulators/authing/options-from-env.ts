import { z } from 'zod';
import { flag, list, oneOf, wholeNumber, type Env } from '../../config/env';
import { share, switchesFromEnv, type Switches } from '../env';
import type { AuthingIdBehaviour, AuthingSimulatorOptions } from './server';

/**
 * The Authing simulator's switches from the environment, for `simulators/main.ts` (read as ../env.ts
 * says):
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
 */
export type AuthingSimulatorEnvOptions = Pick<AuthingSimulatorOptions, keyof typeof SWITCHES | 'faults'>;

const BEHAVIOURS: readonly AuthingIdBehaviour[] = ['fail', 'skip', 'succeed'];

const SWITCHES = {
  unknownIds: ['UNKNOWN_IDS', oneOf(BEHAVIOURS)],
  resignedIds: ['RESIGNED_IDS', oneOf(BEHAVIOURS)],
  rejectIds: ['REJECT_IDS', list()],
  rejectApiCode: ['REJECT_API_CODE', wholeNumber(0)],
  tokenTtlSeconds: ['TOKEN_TTL_SECONDS', wholeNumber(1)],
  failInBodyRate: ['FAIL_IN_BODY_RATE', share()],
  recordIdField: ['RECORD_ID_FIELD', z.string()],
  unknownStatus: ['UNKNOWN_STATUS', z.string()],
  resignNoop: ['RESIGN_NOOP', flag()],
  throttleInBody: ['THROTTLE_IN_BODY', flag()],
  language: ['LANGUAGE', oneOf(['en', 'zh'] as const)],
  clockOffsetMs: ['CLOCK_OFFSET_MS', wholeNumber()],
  extraRecord: ['EXTRA_RECORD', flag()],
  apiCodeAsString: ['API_CODE_AS_STRING', flag()],
} satisfies Switches;

export function authingSimulatorOptionsFromEnv(env: Env = process.env): AuthingSimulatorEnvOptions {
  return switchesFromEnv('AUTHING_SIM', SWITCHES, env);
}
