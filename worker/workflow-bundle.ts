import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '@temporalio/common';
import { bundleWorkflowCode } from '@temporalio/worker';

/**
 * The workflow bundle built once by `npm run build` (worker/bundle-workflows.ts) instead of by each
 * worker at start, as Temporal recommends for production: the worker starts about two seconds
 * sooner, and never holds webpack in memory (at start it raised the worker's peak RSS by 60 to 150
 * MiB, measured by the bench).
 *
 * A bundle is only used while it matches the compiled code it was built from: a digest of every
 * `.js` file under `dist` (not only `dist/workflows`, so that whatever a workflow comes to import is
 * covered), and the SDK's version. A later compile without a new bundle (`tsc -w`) can thus never
 * run stale workflow code: the worker then bundles at start, as without a prebuilt bundle.
 */

export const BUNDLE_FILE = 'workflow-bundle.js';
/**
 * The same workflows bundled with the encoding failure converter (codec/failure-converter.ts): for a
 * worker with payload encryption on, so that failures raised in workflow code are encrypted too,
 * as when the worker bundles them itself with its data converter.
 */
export const ENCODED_FAILURES_BUNDLE_FILE = 'workflow-bundle-encoded-failures.js';
export const DIGEST_FILE = 'workflow-bundle.digest';
const BUNDLES = [BUNDLE_FILE, ENCODED_FAILURES_BUNDLE_FILE];

/** The digest of the compiled code under `distDir` (the bundle aside), and of the SDK that bundles it. */
export function compiledDigest(distDir: string): string {
  const hash = createHash('sha256');
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.js') && !BUNDLES.some((b) => full === path.join(distDir, b)))
        files.push(full);
    }
  };
  walk(distDir);
  for (const file of files.sort()) {
    hash.update(path.relative(distDir, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  hash.update(`@temporalio/workflow ${sdkVersion()}`);
  return hash.digest('hex');
}

function sdkVersion(): string {
  const manifest = require.resolve('@temporalio/workflow/package.json');
  return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version?: string }).version ?? 'unknown';
}

const quietLogger: Logger = {
  log: (level, message) => {
    if (level === 'WARN' || level === 'ERROR') process.stderr.write(`workflow bundle: ${message}\n`);
  },
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message) => process.stderr.write(`workflow bundle: ${message}\n`),
  error: (message) => process.stderr.write(`workflow bundle: ${message}\n`),
};

export type PrebuiltBundle = { codePath: string } | { reason: string };

/**
 * The prebuilt bundle in `distDir` if it matches the code compiled there (with `encodedFailures`,
 * the one with the encoding failure converter); else why not.
 */
export function prebuiltBundle(distDir: string, encodedFailures = false): PrebuiltBundle {
  const codePath = path.join(distDir, encodedFailures ? ENCODED_FAILURES_BUNDLE_FILE : BUNDLE_FILE);
  const digestPath = path.join(distDir, DIGEST_FILE);
  if (!fs.existsSync(codePath) || !fs.existsSync(digestPath)) {
    return { reason: `no prebuilt workflow bundle at ${codePath} (npm run build makes one)` };
  }
  const recorded = fs.readFileSync(digestPath, 'utf8').trim();
  if (recorded !== compiledDigest(distDir)) {
    return { reason: `the prebuilt workflow bundle at ${codePath} does not match the code compiled since` };
  }
  return { codePath };
}

/** Bundles `distDir/workflows` into both bundles (plain, and with encoded failures), with their digest. */
export async function writeBundles(distDir: string): Promise<Array<{ codePath: string; bytes: number }>> {
  const digest = compiledDigest(distDir);
  const workflowsPath = require.resolve(path.join(distDir, 'workflows'));
  // The digest last: bundles interrupted mid-write have no matching digest, so they are never used.
  fs.rmSync(path.join(distDir, DIGEST_FILE), { force: true });
  const written = [];
  for (const [file, failureConverterPath] of [
    [BUNDLE_FILE, undefined],
    [ENCODED_FAILURES_BUNDLE_FILE, path.join(distDir, 'codec', 'failure-converter.js')],
  ] as const) {
    const { code } = await bundleWorkflowCode({
      workflowsPath,
      ...(failureConverterPath ? { failureConverterPath } : {}),
      // webpack's statistics are not news at build time; its warnings and errors are.
      logger: quietLogger,
    });
    const codePath = path.join(distDir, file);
    fs.writeFileSync(codePath, code);
    written.push({ codePath, bytes: Buffer.byteLength(code) });
  }
  fs.writeFileSync(path.join(distDir, DIGEST_FILE), `${digest}\n`);
  return written;
}
