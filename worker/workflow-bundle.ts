import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '@temporalio/common';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../codec/data-converter';

/**
 * The workflow bundles built once by `npm run build` (worker/bundle-workflows.ts) instead of by each
 * worker at start, as Temporal recommends for production (why, measured: docs/operations.md, "Workflow
 * bundle"), and the build id (docs/operations.md, "Versions and upgrades"): all of `dist`, not only
 * `dist/workflows`, so that whatever a workflow comes to import is covered. A bundle is used only while
 * the build id written beside it is the current one, so a later compile (`tsc -w`) or other packages
 * never run stale workflow code: the worker then bundles at start, as on any problem reading them.
 */

export const BUNDLE_FILE = 'workflow-bundle.js';
/** With the encoding failure converter (codec/failure-converter.ts), for a worker with encryption on. */
export const ENCODED_FAILURES_BUNDLE_FILE = 'workflow-bundle-encoded-failures.js';
/** The build id of the code the bundles were made from (`cat dist/build-id`). */
export const BUILD_ID_FILE = 'build-id';
const BUNDLES = [BUNDLE_FILE, ENCODED_FAILURES_BUNDLE_FILE];
/** The packages whose code goes into a bundle besides ours (and the bundler's own). */
const BUNDLED_PACKAGES = [
  '@temporalio/workflow',
  '@temporalio/common',
  '@temporalio/worker',
  'nexus-rpc',
  'long',
  'ms',
  'zod',
];
const HASHED = ['.js', '.json', '.map'];

/** The files under `dir`, relative to `root`, the bundles aside. */
function filesUnder(root: string, dir = root): string[] {
  return fs.readdirSync(dir).flatMap((name) => {
    // Dot entries are the tools' (locks, build info), not code.
    if (name.startsWith('.')) return [];
    const full = path.join(dir, name);
    const rel = path.relative(root, full);
    // statSync follows symbolic links, so linked code counts too.
    if (fs.statSync(full).isDirectory()) return filesUnder(root, full);
    return BUNDLES.includes(rel) ? [] : [rel];
  });
}

/**
 * Deletes compiled files whose source is gone (a file renamed or removed): tsc leaves them behind,
 * where they would still run and count in the build id. Returns what it deleted, relative to `distDir`.
 */
export function pruneOrphans(distDir: string, sourceRoot = path.resolve(distDir, '..')): string[] {
  return filesUnder(distDir).filter((rel) => {
    const compiled = /^(.*)\.js(\.map)?$/.exec(rel);
    if (compiled?.[1] === undefined || fs.existsSync(path.join(sourceRoot, `${compiled[1]}.ts`)))
      return false;
    fs.rmSync(path.join(distDir, rel));
    return true;
  });
}

/** The build id of the code under `distDir` and the packages bundled with it; throws when unreadable. */
export function buildIdOf(distDir: string): string {
  const hash = createHash('sha256');
  const files = filesUnder(distDir).filter((rel) => HASHED.some((ext) => rel.endsWith(ext)));
  for (const rel of files.sort()) {
    hash
      .update(rel)
      .update('\0')
      .update(fs.readFileSync(path.join(distDir, rel)))
      .update('\0');
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
 * The prebuilt bundle in `distDir` for a worker of build `buildId` whose data converter names
 * `failureConverterPath` (none, or ours: the bundle with encoded failures), if it was made from that
 * build; else why not.
 */
export function prebuiltBundle(
  distDir: string,
  buildId: string,
  failureConverterPath?: string,
): PrebuiltBundle {
  if (failureConverterPath !== undefined && failureConverterPath !== FAILURE_CONVERTER_PATH) {
    return { reason: `no prebuilt workflow bundle has the failure converter ${failureConverterPath}` };
  }
  const file = failureConverterPath === undefined ? BUNDLE_FILE : ENCODED_FAILURES_BUNDLE_FILE;
  const codePath = path.join(distDir, file);
  const stale = whyNotCurrent(distDir, [file], buildId);
  return stale === undefined ? { codePath } : { reason: stale };
}

/** Whether both bundles in `distDir` match the code compiled there. */
export function bundlesCurrent(distDir: string): boolean {
  try {
    return whyNotCurrent(distDir, BUNDLES, buildIdOf(distDir)) === undefined;
  } catch {
    return false;
  }
}

/** Why the bundles `files` in `distDir` were not made from `buildId` (missing, stale, unreadable), or undefined. */
function whyNotCurrent(distDir: string, files: readonly string[], buildId: string): string | undefined {
  const idPath = path.join(distDir, BUILD_ID_FILE);
  try {
    const missing = files.map((f) => path.join(distDir, f)).find((f) => !fs.existsSync(f));
    if (missing !== undefined || !fs.existsSync(idPath)) {
      return `no prebuilt workflow bundle at ${missing ?? idPath} (npm run build makes one)`;
    }
    if (fs.readFileSync(idPath, 'utf8').trim() !== buildId) {
      return `the prebuilt workflow bundle at ${path.join(distDir, files[0] ?? '')} does not match the compiled code or packages since`;
    }
    return undefined;
  } catch (err) {
    return `the prebuilt workflow bundles could not be checked (${(err as Error).message})`;
  }
}

/**
 * Bundles `distDir/workflows` into both bundles (plain, and with encoded failures), then writes the
 * build id they were made from. Each file is written aside and renamed into place, and the build id
 * goes last and only if the code did not change while bundling: a worker starting meanwhile finds
 * either the old bundles with their build id, or none that matches.
 */
export async function writeBundles(
  distDir: string,
): Promise<{ buildId: string; written: Array<{ codePath: string; bytes: number }> }> {
  const buildId = buildIdOf(distDir);
  const workflowsPath = require.resolve(path.join(distDir, 'workflows'));
  fs.rmSync(path.join(distDir, BUILD_ID_FILE), { force: true });
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
  if (buildIdOf(distDir) !== buildId) {
    throw new Error('the compiled code changed while it was being bundled; run the build again');
  }
  writeAtomically(path.join(distDir, BUILD_ID_FILE), `${buildId}\n`);
  return { buildId, written };
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
