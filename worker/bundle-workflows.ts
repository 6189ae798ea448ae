import path from 'node:path';
import { writeBundles } from './workflow-bundle';

/** `npm run build`'s last step: the workflow bundles the worker starts from (worker/workflow-bundle.ts). */
writeBundles(path.resolve(__dirname, '..'))
  .then((written) => {
    for (const { codePath, bytes } of written) {
      process.stderr.write(`workflow bundle: ${codePath} (${(bytes / 1024 / 1024).toFixed(2)} MiB)\n`);
    }
  })
  .catch((err: unknown) => {
    process.stderr.write(`workflow bundle: failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
