import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { SeedDirectory } from '../../simulators/directory';
import type { WorkerConfig } from '../../worker/config';
import { startSimulators, type RunningSimulators } from './simulators';
import { connectTestEnvironment, createTestWorker, uniqueTaskQueue } from './temporal';

/** A running worker on the suite's dev server, talking to its own simulators over loopback. */
export interface WorkflowHarness {
  env: TestWorkflowEnvironment;
  sims: RunningSimulators;
  taskQueue: string;
  /** Shuts the worker down and closes the simulators and the connection. */
  stop(): Promise<void>;
}

export async function startWorkflowHarness(
  directory: SeedDirectory,
  queuePrefix: string,
  /** Changes to the worker's configuration (say, where run notifications go). */
  adjust: (config: WorkerConfig) => WorkerConfig = (config) => config,
): Promise<WorkflowHarness> {
  const env = await connectTestEnvironment();
  const sims = await startSimulators(directory);
  const taskQueue = uniqueTaskQueue(queuePrefix);
  const worker = await createTestWorker(env, adjust(sims.workerConfig(taskQueue)));
  const running = worker.run();
  return {
    env,
    sims,
    taskQueue,
    stop: async () => {
      worker.shutdown();
      await running;
      await sims.close();
      await env.teardown();
    },
  };
}
