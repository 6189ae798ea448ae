import { EnvReader, faultSettingsFromEnv, setOnly, type Env } from '../env';
import type { WpsSimulatorOptions, WpsStatus, WpsUserRecord } from './server';

/**
 * The WPS simulator's switches from the environment, for `simulators/main.ts`. Every variable is
 * optional; an unset one leaves the simulator's default. A malformed value throws an Error that
 * names the variable.
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

export function wpsSimulatorOptionsFromEnv(env: Env = process.env): WpsSimulatorEnvOptions {
  const read = new EnvReader(env);
  const options = setOnly<WpsSimulatorEnvOptions>({
    unknownIds: read.oneOf('WPS_SIM_UNKNOWN_IDS', ['skip', 'reject'] as const),
    disableDisabled: read.oneOf('WPS_SIM_DISABLE_DISABLED', ['noop', 'reject'] as const),
    rejectIds: read.list('WPS_SIM_REJECT_IDS'),
    maxIdsPerCall: read.number('WPS_SIM_MAX_IDS_PER_CALL', { min: 1 }),
    rejectHttpStatus: read.number('WPS_SIM_REJECT_HTTP_STATUS', { min: 200, max: 599 }),
    tokenTtlSeconds: read.number('WPS_SIM_TOKEN_TTL_SECONDS', { min: 1 }),
    advertisedExpiresInSeconds: read.number('WPS_SIM_TOKEN_EXPIRES_IN', { min: 1 }),
    faultsOnTokenEndpoint: read.flag('WPS_SIM_FAULTS_ON_TOKEN'),
    maxClockSkewMs: read.number('WPS_SIM_MAX_CLOCK_SKEW_MS'),
    itemIdField: read.text('WPS_SIM_ITEM_ID_FIELD'),
    unknownStatus: read.text('WPS_SIM_UNKNOWN_STATUS'),
    extraReadItems: extraItemsFrom(read.list('WPS_SIM_EXTRA_READ_ITEMS')),
    disableNoop: read.flag('WPS_SIM_DISABLE_NOOP'),
    throttleInBody: read.flag('WPS_SIM_THROTTLE_IN_BODY'),
    language: read.oneOf('WPS_SIM_LANGUAGE', ['en', 'zh'] as const),
    basePath: basePathFrom(read.text('WPS_SIM_BASE_PATH')),
    clockOffsetMs: read.number('WPS_SIM_CLOCK_OFFSET_MS', { min: -Number.MAX_SAFE_INTEGER }),
    grantedScopes: read.list('WPS_SIM_GRANTED_SCOPES'),
    errorDetail: read.flag('WPS_SIM_ERROR_DETAIL'),
    tokenErrorStyle: read.oneOf('WPS_SIM_TOKEN_ERROR_STYLE', ['code', 'oauth'] as const),
    faults: faultSettingsFromEnv(env, 'WPS_SIM'),
  });
  return options;
}

function basePathFrom(value: string | undefined): string | undefined {
  if (value !== undefined && !/^\/[^?#\s]*$/.test(value)) {
    throw new Error(
      `WPS_SIM_BASE_PATH must be a path starting with /, without query or spaces; got "${value}"`,
    );
  }
  return value;
}

const STATUSES: readonly WpsStatus[] = ['active', 'notactive', 'disabled', 'dimission'];

function extraItemsFrom(entries: string[] | undefined): WpsUserRecord[] | undefined {
  return entries?.map((entry) => {
    const [id, status] = entry.split(':').map((s) => s.trim());
    if (!id || !STATUSES.includes(status as WpsStatus)) {
      throw new Error(
        `WPS_SIM_EXTRA_READ_ITEMS must be id:status items (status one of ${STATUSES.join(', ')}); got "${entry}"`,
      );
    }
    return { id, status: status as WpsStatus };
  });
}
