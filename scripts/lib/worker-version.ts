import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

/** What a worker logs, in either LOG_FORMAT, once its Workers exist, with its `buildId` (worker/main.ts). */
export const WORKER_STARTED = 'worker: started';

/**
 * Makes the version a worker polls as current, so that it gets runs: `node dist/worker/deployment.js
 * set-current BUILD_ID` with the worker's own environment (the same server and namespace), the build
 * id read from the worker's `worker: started` line in `workerOutput` (not recomputed: dist/ may have
 * been rebuilt since it started). It waits until the version has pollers. The one way `npm start`,
 * the bench and the tests do it; compose's `worker-version` job runs the same command
 * (docs/operations.md, "Versions and upgrades"). Resolves with the line it printed.
 */
export async function makeWorkerCurrent(
  distDir: string,
  env: NodeJS.ProcessEnv,
  workerOutput: string,
): Promise<string> {
  const started = workerOutput.split('\n').find((line) => line.includes(WORKER_STARTED));
  // `"buildId":"…"` in JSON, `buildId=…` in text.
  const buildId = /\bbuildId"?[:=]"?([0-9a-f]{64})\b/.exec(started ?? '')?.[1];
  if (buildId === undefined) throw new Error(`no build id in the worker's "${WORKER_STARTED}" line`);
  const script = path.join(distDir, 'worker', 'deployment.js');
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [script, 'set-current', buildId], {
      env,
      timeout: 150_000,
    });
    return stdout.trim();
  } catch (err) {
    const { stderr } = err as { stderr?: string };
    throw new Error(stderr?.trim() || `${script} set-current failed: ${(err as Error).message}`);
  }
}
