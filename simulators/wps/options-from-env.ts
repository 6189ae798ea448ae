import { EnvReader, faultSettingsFromEnv, setOnly, type Env } from '../env';
import type { WpsSimulatorOptions } from './server';

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
    faults: faultSettingsFromEnv(env, 'WPS_SIM'),
  });
  return options;
}
