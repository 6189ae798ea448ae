import type { WorkerDeploymentVersion } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type Activities } from '../activities';
import { AuthingClient } from '../activities/authing/client';
import { createNotifyActivities } from '../activities/notify';
import type { VendorMetrics } from '../activities/shared/metrics';
import { WpsClient } from '../activities/wps/client';
import { vendorTaskQueue } from '../workflows/task-queues';
import { activityLogAttributesInterceptor } from './activity-log-attributes';
import type { WorkerConfig } from './config';
import { deploymentOptions } from './deployment';

/**
 * Builds the vendor clients from configuration: the only place credentials meet the code that uses
 * them. One pacer per client (`callsPerSecond`), so per process: every exchange to the vendor waits its turn.
 */
export function createVendorClients(
  config: WorkerConfig,
  metrics?: VendorMetrics,
): { wps: WpsClient; authing: AuthingClient } {
  const hook = metrics ? { metrics } : {};
  const pace = (perSecond: number | undefined) =>
    perSecond !== undefined ? { callsPerSecond: perSecond } : {};
  return {
    wps: new WpsClient({ ...config.wps, ...hook, ...pace(config.callsPerSecond?.wps) }),
    authing: new AuthingClient({ ...config.authing, ...hook, ...pace(config.callsPerSecond?.authing) }),
  };
}

export interface OffboardingWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  config: WorkerConfig;
  /** A prebuilt bundle (production, tests) instead of bundling workflows/ at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** For all three Workers: each encodes and decodes its own tasks' payloads (the data converter). */
  workerOptions?: Partial<Pick<WorkerOptions, 'dataConverter' | 'interceptors' | 'identity'>>;
  /** The vendor clients' metrics hook (worker/metrics.ts `vendorMetricsHook`); none: no vendor metrics. */
  vendorMetrics?: VendorMetrics;
  /** The version all three Workers poll as (worker/deployment.ts). None: unversioned (tests). */
  version?: WorkerDeploymentVersion;
}

/**
 * One process's workers: workflows on the base task queue, with the activity that notifies operators
 * (activities/notify/, `notifyRun`), and each vendor's activities on its own queue
 * (workflows/task-queues.ts), where the server enforces the vendor's rate across all workers.
 */
export class OffboardingWorkers {
  constructor(readonly workers: readonly Worker[]) {}

  /** Runs until `shutdown()` (or a shutdown signal); if one worker fails, the others are stopped. */
  async run(): Promise<void> {
    const runs = this.workers.map((w) => w.run());
    try {
      await Promise.all(runs);
    } catch (err) {
      this.shutdown();
      await Promise.allSettled(runs);
      throw err;
    }
  }

  /** Stops polling; in-flight tasks finish (SHUTDOWN_GRACE). */
  shutdown(): void {
    for (const worker of this.workers) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    }
  }
}

// Then the SDK signals cancellation to activities still running; ours do not abandon a batch halfway.
const SHUTDOWN_GRACE = '20 seconds';

export async function createOffboardingWorker(
  options: OffboardingWorkerOptions,
): Promise<OffboardingWorkers> {
  const { config } = options;
  const common = {
    connection: options.connection,
    namespace: options.namespace,
    ...options.workerOptions,
    ...(options.version ? { workerDeploymentOptions: deploymentOptions(options.version) } : {}),
  };
  const activities = createActivities(createVendorClients(config, options.vendorMetrics));
  const workflows = await Worker.create({
    ...common,
    taskQueue: config.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    // `notifyRun` on the base queue, which the workflow proxies it with.
    activities: createNotifyActivities(
      config.notify ? { ...config.notify, namespace: options.namespace } : undefined,
    ),
    shutdownGraceTime: SHUTDOWN_GRACE,
  });
  // Both vendor Workers put each attempt's batch on its log lines (worker/activity-log-attributes.ts),
  // first, so that lines written by the caller's interceptors (metrics) carry it too.
  const vendorInterceptors: WorkerOptions['interceptors'] = {
    ...common.interceptors,
    activity: [activityLogAttributesInterceptor, ...(common.interceptors?.activity ?? [])],
  };
  const vendorWorker = (system: 'wps' | 'authing', names: Array<keyof Activities>): Promise<Worker> => {
    return Worker.create({
      ...common,
      interceptors: vendorInterceptors,
      taskQueue: vendorTaskQueue(config.taskQueue, system),
      activities: Object.fromEntries(names.map((name) => [name, activities[name]])),
      maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
      shutdownGraceTime: SHUTDOWN_GRACE,
    });
  };
  return new OffboardingWorkers([
    workflows,
    await vendorWorker('wps', ['disableWpsUsers']),
    await vendorWorker('authing', ['resignAuthingUsers']),
  ]);
}
