import { z } from 'zod';
import { flag, list, oneOf, parsed, wholeNumber, type Env } from '../../config/env';
import { switchesFromEnv, type Switches } from '../env';
import type { WpsSimulatorOptions, WpsStatus, WpsUserRecord } from './server';

/**
 * The WPS simulator's switches from the environment, for `simulators/main.ts` (read as ../env.ts says):
 *
 *   WPS_SIM_UNKNOWN_IDS            skip | reject
 *   WPS_SIM_DISABLE_DISABLED       noop | reject
 *   WPS_SIM_REJECT_IDS             comma-separated ids whose batch_disable is refused whole
 *   WPS_SIM_MAX_IDS_PER_CALL       integer >= 1 (default 50)
 *   WPS_SIM_REJECT_HTTP_STATUS     HTTP status of a refusal by code (default 400; e.g. 200)
 *   WPS_SIM_TOKEN_TTL_SECONDS      token lifetime (default 7200)
 *   WPS_SIM_TOKEN_EXPIRES_IN       the expires_in advertised (default: the lifetime)
 *   WPS_SIM_FAULTS_ON_TOKEN        true | false: faults apply to /oauth2/token too
 *   WPS_SIM_MAX_CLOCK_SKEW_MS      accepted X-Kso-Date distance (default 900000)
 *   WPS_SIM_ITEM_ID_FIELD          the id field's name in batch_read items (default id; e.g. user_id)
 *   WPS_SIM_UNKNOWN_STATUS         a status batch_read reports for every user instead (e.g. locked)
 *   WPS_SIM_EXTRA_READ_ITEMS       comma-separated id:status items added to every batch_read answer
 *   WPS_SIM_DISABLE_NOOP           true | false: batch_disable answers success and changes nothing
 *   WPS_SIM_THROTTLE_IN_BODY       true | false: throttles answer HTTP 200 {code: 429000001}
 *   WPS_SIM_LANGUAGE               en | zh: language of error messages
 *   WPS_SIM_BASE_PATH              a gateway's path prefix (e.g. /openapi); calls without it get 404
 *   WPS_SIM_CLOCK_OFFSET_MS        the simulator's clock offset, may be negative (Date header, skew check)
 *   WPS_SIM_GRANTED_SCOPES         comma-separated scopes the app has (default
 *                                  kso.contact.read,kso.contact.readwrite); missing: code 403000001
 *   WPS_SIM_ERROR_DETAIL           true | false: error replies carry detail and more
 *   WPS_SIM_TOKEN_ERROR_STYLE      code | oauth: a refused token request as {code, msg} or {error, error_description}
 *   WPS_SIM_LATENCY_MS, WPS_SIM_SERVER_ERROR_RATE, WPS_SIM_THROTTLE_RATE,
 *   WPS_SIM_RETRY_AFTER_SECONDS, WPS_SIM_HANG_RATE, WPS_SIM_DOWN, WPS_SIM_RATE_LIMIT_PER_SECOND,
 *   WPS_SIM_FAULT_SEED             the fault settings of simulators/faults.ts
 */
export type WpsSimulatorEnvOptions = Omit<WpsSimulatorOptions, 'appId' | 'appKey' | 'users' | 'now'>;

const STATUSES: readonly WpsStatus[] = ['active', 'notactive', 'disabled', 'dimission'];
const statusItem = parsed(`id:status items (status one of ${STATUSES.join(', ')})`, (entry) => {
  const [id, status] = entry.split(':').map((part) => part.trim());
  return id && STATUSES.includes(status as WpsStatus) ? ({ id, status } as WpsUserRecord) : undefined;
});

const SWITCHES = {
  unknownIds: ['UNKNOWN_IDS', oneOf(['skip', 'reject'] as const)],
  disableDisabled: ['DISABLE_DISABLED', oneOf(['noop', 'reject'] as const)],
  rejectIds: ['REJECT_IDS', list()],
  maxIdsPerCall: ['MAX_IDS_PER_CALL', wholeNumber(1)],
  rejectHttpStatus: ['REJECT_HTTP_STATUS', wholeNumber(200, 599)],
  tokenTtlSeconds: ['TOKEN_TTL_SECONDS', wholeNumber(1)],
  advertisedExpiresInSeconds: ['TOKEN_EXPIRES_IN', wholeNumber(1)],
  faultsOnTokenEndpoint: ['FAULTS_ON_TOKEN', flag()],
  maxClockSkewMs: ['MAX_CLOCK_SKEW_MS', wholeNumber(0)],
  itemIdField: ['ITEM_ID_FIELD', z.string()],
  unknownStatus: ['UNKNOWN_STATUS', z.string()],
  extraReadItems: ['EXTRA_READ_ITEMS', list().pipe(z.array(statusItem))],
  disableNoop: ['DISABLE_NOOP', flag()],
  throttleInBody: ['THROTTLE_IN_BODY', flag()],
  language: ['LANGUAGE', oneOf(['en', 'zh'] as const)],
  basePath: [
    'BASE_PATH',
    parsed('a path starting with /, without query or spaces', (text) =>
      /^\/[^?#\s]*$/.test(text) ? text : undefined,
    ),
  ],
  clockOffsetMs: ['CLOCK_OFFSET_MS', wholeNumber()],
  grantedScopes: ['GRANTED_SCOPES', list()],
  errorDetail: ['ERROR_DETAIL', flag()],
  tokenErrorStyle: ['TOKEN_ERROR_STYLE', oneOf(['code', 'oauth'] as const)],
} satisfies Switches;

export function wpsSimulatorOptionsFromEnv(env: Env = process.env): WpsSimulatorEnvOptions {
  return switchesFromEnv('WPS_SIM', SWITCHES, env);
}
