import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startDevServer, type DevServer } from '../../scripts/lib/dev-server';
import { ensureTemporalCli } from '../../scripts/lib/temporal-cli';

/**
 * Starts one headless, in-memory dev server for the whole suite (our own start-up wait, not the SDK's
 * 5-second one) and bundles the workflows once. Test files reach both through environment variables.
 */
export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offboarding-test-'));
  const server = await startDevServer({
    binary: ensureTemporalCli(),
    port: 0,
    headless: true,
    logFile: path.join(dir, 'temporal.log'),
  });
  (globalThis as { __OFFBOARDING_DEV_SERVER__?: DevServer }).__OFFBOARDING_DEV_SERVER__ = server;
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.OFFBOARDING_TEST_DIR = dir;

  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);
  process.env.OFFBOARDING_TEST_WORKFLOW_BUNDLE = bundlePath;
}
