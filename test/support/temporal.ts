import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { WorkerConfig } from '../../worker/config';
import { createOffboardingWorker, type OffboardingWorkers } from '../../worker/worker';

let runtimeInstalled = false;

/** The suite's shared dev server (started in globalSetup), as a TestWorkflowEnvironment. */
export async function connectTestEnvironment(): Promise<TestWorkflowEnvironment> {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address)
    throw new Error(
      'TEMPORAL_TEST_ADDRESS is not set: run the tests through Jest (npm test), whose globalSetup starts the dev server',
    );
  if (!runtimeInstalled) {
    // Keep the SDK's own INFO lines out of the test output; warnings and errors still show.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  return TestWorkflowEnvironment.createFromExistingServer({ address, namespace: 'default' });
}

export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

/** A worker on the shared dev server using the suite's prebuilt workflow bundle. */
export async function createTestWorker(
  env: TestWorkflowEnvironment,
  config: WorkerConfig,
): Promise<OffboardingWorkers> {
  const codePath = process.env.OFFBOARDING_TEST_WORKFLOW_BUNDLE;
  if (!codePath)
    throw new Error('OFFBOARDING_TEST_WORKFLOW_BUNDLE is not set: run the tests through Jest (npm test)');
  return createOffboardingWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    config,
    workflowBundle: { codePath },
  });
}
