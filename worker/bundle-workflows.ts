import path from 'node:path';
import { bundlesCurrent, pruneOrphans, writeBundles } from './workflow-bundle';

/**
 * `npm run build`'s last step: deletes compiled files whose source is gone, then writes the workflow
 * bundles and `dist/build-id` (worker/workflow-bundle.ts). With `--if-stale` (setup, tests), nothing
 * is done while both bundles still match the compiled code.
 */
const distDir = path.resolve(__dirname, '..');
for (const orphan of pruneOrphans(distDir)) process.stderr.write(`removed ${orphan}: its source is gone\n`);
if (process.argv.includes('--if-stale') && bundlesCurrent(distDir)) {
  process.stderr.write('workflow bundles: up to date\n');
} else {
  writeBundles(distDir)
    .then(({ buildId, written }) => {
      for (const { codePath, bytes } of written) {
        process.stderr.write(`workflow bundle: ${codePath} (${(bytes / 1024 / 1024).toFixed(2)} MiB)\n`);
      }
      process.stderr.write(`build id: ${buildId}\n`);
    })
    .catch((err: unknown) => {
      process.stderr.write(`workflow bundle: failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    });
}
