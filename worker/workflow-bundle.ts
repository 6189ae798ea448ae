import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '@temporalio/common';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../codec/data-converter';

/**
 * The workflow bundles built once by `npm run build` (worker/bundle-workflows.ts) instead of by each
 * worker at start, as Temporal recommends for production: the worker starts about two seconds
 * sooner, and never holds webpack in memory (at start it raised the worker's peak RSS by 60 to 150
 * MiB, measured by the bench).
 *
 * A bundle is only used while it matches what it was built from: a digest of every `.js`, `.json`
 * and `.map` file under `dist` (not only `dist/workflows`, so that whatever a workflow comes to
 * import is covered) and of the versions of the packages bundled with it. A later compile without
 * new bundles (`tsc -w`), or other packages installed, can thus never run stale workflow code: the
 * worker then bundles at start, as without prebuilt bundles. Whatever goes wrong reading them
 * (a file removed mid-walk) means the same, never a failed start.
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
/** The packages whose code goes into a bundle besides ours (and the bundler's own). */
const BUNDLED_PACKAGES = [
  '@temporalio/workflow',
  '@temporalio/common',
  '@temporalio/worker',
  'nexus-rpc',
  'long',
  'ms',
];
const HASHED = ['.js', '.json', '.map'];

/** The digest of the compiled code under `distDir` (the bundles aside), and of the packages bundled with it. */
export function compiledDigest(distDir: string): string {
  const hash = createHash('sha256');
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of fs.readdirSync(dir)) {
      // Dot entries are the tools' (locks, build info), not code.
      if (name.startsWith('.')) continue;
      const full = path.join(dir, name);
      // statSync follows symbolic links, so linked code is hashed too.
      if (fs.statSync(full).isDirectory()) walk(full);
      else if (
        HASHED.some((ext) => name.endsWith(ext)) &&
        !BUNDLES.some((b) => full === path.join(distDir, b))
      )
        files.push(full);
    }
  };
  walk(distDir);
  for (const file of files.sort()) {
    hash.update(path.relative(distDir, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  for (const name of BUNDLED_PACKAGES) hash.update(`${name} ${packageVersion(name)}\n`);
  return hash.digest('hex');
}

function packageVersion(name: string): string {
  try {
    const manifest = require.resolve(`${name}/package.json`);
    return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'absent';
  }
}

export type PrebuiltBundle = { codePath: string } | { reason: string };

/**
 * The prebuilt bundle in `distDir` for a worker whose data converter names `failureConverterPath`
 * (none, or ours: the bundle with encoded failures), if it matches the code compiled there; else
 * why not.
 */
export function prebuiltBundle(distDir: string, failureConverterPath?: string): PrebuiltBundle {
  if (failureConverterPath !== undefined && failureConverterPath !== FAILURE_CONVERTER_PATH) {
    return { reason: `no prebuilt workflow bundle has the failure converter ${failureConverterPath}` };
  }
  const file = failureConverterPath === undefined ? BUNDLE_FILE : ENCODED_FAILURES_BUNDLE_FILE;
  const codePath = path.join(distDir, file);
  const stale = whyNotCurrent(distDir, [file]);
  return stale === undefined ? { codePath } : { reason: stale };
}

/** Whether both bundles in `distDir` match the code compiled there. */
export function bundlesCurrent(distDir: string): boolean {
  return whyNotCurrent(distDir, BUNDLES) === undefined;
}

/** Why the bundles `files` in `distDir` cannot be used (missing, stale, unreadable), or undefined. */
function whyNotCurrent(distDir: string, files: readonly string[]): string | undefined {
  const digestPath = path.join(distDir, DIGEST_FILE);
  try {
    const missing = files.map((f) => path.join(distDir, f)).find((f) => !fs.existsSync(f));
    if (missing !== undefined || !fs.existsSync(digestPath)) {
      return `no prebuilt workflow bundle at ${missing ?? digestPath} (npm run build makes one)`;
    }
    if (fs.readFileSync(digestPath, 'utf8').trim() !== compiledDigest(distDir)) {
      return `the prebuilt workflow bundle at ${path.join(distDir, files[0] ?? '')} does not match the compiled code or packages since`;
    }
    return undefined;
  } catch (err) {
    return `the prebuilt workflow bundles could not be checked (${(err as Error).message})`;
  }
}

/**
 * Bundles `distDir/workflows` into both bundles (plain, and with encoded failures), then writes
 * their digest. Each file is written aside and renamed into place, and the digest goes last and
 * only if the code did not change while bundling: a worker starting meanwhile finds either the old
 * bundles with their digest, or none that matches.
 */
export async function writeBundles(distDir: string): Promise<Array<{ codePath: string; bytes: number }>> {
  const digest = compiledDigest(distDir);
  const workflowsPath = require.resolve(path.join(distDir, 'workflows'));
  fs.rmSync(path.join(distDir, DIGEST_FILE), { force: true });
  const written = [];
  for (const [file, failureConverterPath] of [
    [BUNDLE_FILE, undefined],
    [ENCODED_FAILURES_BUNDLE_FILE, FAILURE_CONVERTER_PATH],
  ] as const) {
    const { code } = await bundleWorkflowCode({
      workflowsPath,
      ...(failureConverterPath ? { failureConverterPath } : {}),
      logger: buildLogger,
    });
    const codePath = path.join(distDir, file);
    writeAtomically(codePath, code);
    written.push({ codePath, bytes: Buffer.byteLength(code) });
  }
  if (compiledDigest(distDir) !== digest) {
    throw new Error('the compiled code changed while it was being bundled; run the build again');
  }
  writeAtomically(path.join(distDir, DIGEST_FILE), `${digest}\n`);
  return written;
}

function writeAtomically(file: string, content: string): void {
  const aside = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(aside, content);
  fs.renameSync(aside, file);
}

// webpack's statistics are not news at build time; its warnings and errors are (the SDK logs its
// report at info level whenever there is no error, warnings included).
const say = (message: string): void => void process.stderr.write(`workflow bundle: ${message}\n`);
const buildLogger: Logger = {
  log: (level, message) => {
    if (level === 'WARN' || level === 'ERROR' || /WARNING/.test(message)) say(message);
  },
  trace: () => undefined,
  debug: () => undefined,
  info: (message) => {
    if (/WARNING/.test(message)) say(message);
  },
  warn: say,
  error: say,
};
