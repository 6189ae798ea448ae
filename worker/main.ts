import { NativeConnection, Runtime } from '@temporalio/worker';
import { ConfigError, loadWorkerConfig } from './config';
import { temporalConnectConfig } from './temporal';
import { createOffboardingWorker } from './worker';

/** The worker process: fails fast on configuration, stops gracefully on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const temporal = temporalConnectConfig();
  // The SDK's runtime handles SIGINT/SIGTERM: the worker stops polling and drains in-flight tasks.
  Runtime.install({ shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const connection = await NativeConnection.connect(temporal.connectionOptions);
  try {
    const worker = await createOffboardingWorker({ connection, namespace: temporal.namespace, config });
    console.log(
      `worker: polling task queues "${config.taskQueue}" (workflows), "${config.taskQueue}-wps" and "${config.taskQueue}-authing" (activities) on ${temporal.address} (namespace ${temporal.namespace}); ` +
        `WPS ${config.wps.baseUrl}, Authing ${config.authing.baseUrl}`,
    );
    await worker.run();
    console.log('worker: stopped');
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(`worker: configuration error: ${err.message}`);
  else console.error('worker: failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
