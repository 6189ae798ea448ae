import path from 'node:path';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import type { WorkerDeploymentOptions } from '@temporalio/worker';
import { z } from 'zod';
import { ConfigError, readEnv } from '../config/env';
import { temporalConnectConfig } from './temporal';
import { buildIdOf } from './workflow-bundle';

/**
 * Worker Versioning (docs/operations.md, "Versions and upgrades"): a worker polls as the version
 * `<task queue>.<build id of its code>`, so installations sharing a namespace stay apart and every
 * build is a new version by itself. A version gets runs only once it is made current.
 */
export function deploymentVersion(taskQueue: string, buildId: string): WorkerDeploymentVersion {
  if (/[.:]/.test(taskQueue)) {
    throw new ConfigError(
      `OFFBOARDING_TASK_QUEUE must not contain "." or ":", as it names the Worker Deployment; got "${taskQueue}"`,
    );
  }
  return { deploymentName: taskQueue, buildId };
}

/**
 * AUTO_UPGRADE: a run moves to the current version at its next workflow task, so runs that wait days
 * for `effectiveAt` get today's code (the replay tests and `patched()` keep that safe).
 */
export function deploymentOptions(version: WorkerDeploymentVersion): WorkerDeploymentOptions {
  return { version, useWorkerVersioning: true, defaultVersioningBehavior: 'AUTO_UPGRADE' };
}

// NOT_FOUND, FAILED_PRECONDITION: the server has seen no poller of the version yet, or the version
// does not (yet) poll every task queue of the current one.
const NOT_POLLING_YET = new Set([5, 9]);

/**
 * Makes `version` current, retrying while the server refuses it for want of pollers, for up to
 * `timeoutMs`; then fails with the server's reason. Already current: returns at once.
 */
export async function makeCurrent(
  connection: Connection,
  namespace: string,
  version: WorkerDeploymentVersion,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await connection.workflowService.setWorkerDeploymentCurrentVersion({ namespace, ...version });
      return;
    } catch (err) {
      if (!isGrpcServiceError(err) || !NOT_POLLING_YET.has(err.code) || Date.now() > deadline) {
        const reason = isGrpcServiceError(err) ? err.details : String(err);
        const name = `${version.deploymentName}.${version.buildId}`;
        throw new Error(`cannot make ${name} the current version: ${reason}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/**
 * `node dist/worker/deployment.js` prints the build id of this build; `... set-current [BUILD_ID]`
 * makes that version current once its workers poll: the deploy step and a rollback (docs/operations.md).
 */
async function main(args: string[]): Promise<void> {
  const [command, given, ...rest] = args;
  const buildId = given ?? buildIdOf(path.resolve(__dirname, '..'));
  if (command === undefined) return void console.log(buildId);
  if (command !== 'set-current' || rest.length > 0) {
    throw new Error(
      `unknown arguments "${args.join(' ')}": none prints the build id; set-current [BUILD_ID]`,
    );
  }
  if (!/^[0-9a-f]{64}$/.test(buildId)) throw new Error(`"${buildId}" is not a build id (64 hex digits)`);
  const env = readEnv(z.object({ OFFBOARDING_TASK_QUEUE: z.string().default('offboarding') }));
  const version = deploymentVersion(env.OFFBOARDING_TASK_QUEUE, buildId);
  const temporal = temporalConnectConfig();
  const connection = await Connection.connect(
    temporal.connectionOptions as Parameters<typeof Connection.connect>[0],
  );
  try {
    await makeCurrent(connection, temporal.namespace, version, 120_000);
  } finally {
    await connection.close();
  }
  const name = `${version.deploymentName}.${buildId}`;
  console.log(`${name} is the current version in namespace ${temporal.namespace}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`worker deployment: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
