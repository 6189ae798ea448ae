import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { AuthingClient } from '../activities/authing/client';
import { WpsClient } from '../activities/wps/client';
import type { WorkerConfig } from './config';

/** Builds the vendor clients from configuration: the only place credentials meet the code that uses them. */
export function createVendorClients(config: WorkerConfig): { wps: WpsClient; authing: AuthingClient } {
  return {
    wps: new WpsClient({ baseUrl: config.wps.baseUrl, appId: config.wps.appId, appKey: config.wps.appKey }),
    authing: new AuthingClient({
      baseUrl: config.authing.baseUrl,
      userPoolId: config.authing.userPoolId,
      accessKeyId: config.authing.accessKeyId,
      accessKeySecret: config.authing.accessKeySecret,
    }),
  };
}

export interface OffboardingWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  config: WorkerConfig;
  /** A prebuilt bundle (production, tests) instead of bundling workflows/ at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export async function createOffboardingWorker(options: OffboardingWorkerOptions): Promise<Worker> {
  const { config } = options;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: config.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities(createVendorClients(config)),
    maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
    // In-flight activities get this long to finish on SIGINT/SIGTERM before they are handed back.
    shutdownGraceTime: '20 seconds',
  });
}
