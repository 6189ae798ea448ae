import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createNotifyActivities } from '../../activities/notify';
import { createActivities, type Activities } from '../../activities';
import { AuthingClient } from '../../activities/authing/client';
import { WpsClient } from '../../activities/wps/client';
import type { SeedDirectory } from '../../simulators/directory';
import { NO_FAULTS } from '../../simulators/faults';
import { vendorTaskQueue } from '../../workflows/task-queues';
import { OffboardingWorkers } from '../../worker/worker';
import { startSimulators, type RunningSimulators } from './simulators';
import { connectTestEnvironment, uniqueTaskQueue } from './temporal';

/**
 * A worker for fault storms: the production wiring of worker/worker.ts (a workflow worker on the
 * base queue, one activity worker per vendor queue, the same activities and slots) with one change,
 * the vendor clients' per-request HTTP timeout. Worker configuration has no setting for it (the
 * clients default to 15 s); a storm of hangs cut after 15 s each would take minutes, so the storm
 * sets it to a few seconds. Everything else is what `createOffboardingWorker` builds.
 */
export interface StormHarness {
  env: TestWorkflowEnvironment;
  sims: RunningSimulators;
  taskQueue: string;
  /** Puts both simulators back to no faults (keeps their directories and call records). */
  calm(): void;
  stop(): Promise<void>;
}

export async function startStormHarness(
  directory: SeedDirectory,
  options: { httpTimeoutMs: number; queuePrefix: string },
): Promise<StormHarness> {
  const env = await connectTestEnvironment();
  const sims = await startSimulators(directory);
  const taskQueue = uniqueTaskQueue(options.queuePrefix);
  const codePath = process.env.OFFBOARDING_TEST_WORKFLOW_BUNDLE;
  if (!codePath)
    throw new Error('OFFBOARDING_TEST_WORKFLOW_BUNDLE is not set: run the tests through Jest (npm test)');

  const config = sims.workerConfig(taskQueue);
  const activities = createActivities({
    wps: new WpsClient({ ...config.wps, timeoutMs: options.httpTimeoutMs }),
    authing: new AuthingClient({ ...config.authing, timeoutMs: options.httpTimeoutMs }),
  });
  const common = { connection: env.nativeConnection, namespace: 'default', shutdownGraceTime: 2_000 };
  const vendorWorker = (system: 'wps' | 'authing', names: Array<keyof Activities>): Promise<Worker> =>
    Worker.create({
      ...common,
      taskQueue: vendorTaskQueue(taskQueue, system),
      activities: Object.fromEntries(names.map((name) => [name, activities[name]])),
      maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
    });
  const workers = new OffboardingWorkers([
    await Worker.create({
      ...common,
      taskQueue,
      workflowBundle: { codePath },
      activities: createNotifyActivities(undefined),
    }),
    await vendorWorker('wps', ['disableWpsUsers']),
    await vendorWorker('authing', ['resignAuthingUsers']),
  ]);
  const running = workers.run();
  return {
    env,
    sims,
    taskQueue,
    calm: () => {
      const calm = { ...NO_FAULTS };
      delete (calm as Partial<typeof calm>).seed;
      sims.wps.configure({ faults: calm });
      sims.authing.configure({ faults: calm });
    },
    stop: async () => {
      workers.shutdown();
      // Hung calls hold sockets open: closing the simulators ends them, so the activities can finish.
      await sims.close();
      await running;
      await env.teardown();
    },
  };
}
