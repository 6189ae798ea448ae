import { loadClientConnectConfig } from '@temporalio/envconfig';

/** Temporal connection settings from TEMPORAL_* variables (and an optional envconfig TOML profile). */
export function temporalConnectConfig(): {
  address: string;
  namespace: string;
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'];
} {
  const config = loadClientConnectConfig();
  return {
    address: config.connectionOptions.address ?? 'localhost:7233',
    namespace: config.namespace ?? 'default',
    connectionOptions: config.connectionOptions,
  };
}
