import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BUILD_ID_FILE,
  BUNDLE_FILE,
  ENCODED_FAILURES_BUNDLE_FILE,
  buildIdOf,
  bundlesCurrent,
  prebuiltBundle as prebuiltBundleOf,
  pruneOrphans,
} from '../../worker/workflow-bundle';
import { FAILURE_CONVERTER_PATH } from '../../codec/data-converter';

/** A compiled tree of two files in a new temporary folder. */
function compiledTree(): string {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
  fs.mkdirSync(path.join(dist, 'workflows'));
  fs.mkdirSync(path.join(dist, 'activities'));
  fs.writeFileSync(path.join(dist, 'workflows', 'index.js'), 'exports.a = 1;\n');
  fs.writeFileSync(path.join(dist, 'activities', 'index.js'), 'exports.b = 2;\n');
  return dist;
}

/** The build id the worker polls as (worker/deployment.ts) is derived from the compiled code alone. */
describe('buildIdOf', () => {
  const trees: string[] = [];
  const tree = (): string => {
    trees.push(compiledTree());
    return trees[trees.length - 1] ?? '';
  };
  afterEach(() => trees.splice(0).forEach((dist) => fs.rmSync(dist, { recursive: true, force: true })));

  it('is the same for the same code, wherever it was compiled, and a sha256 in hex', () => {
    const id = buildIdOf(tree());
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(buildIdOf(tree())).toBe(id);
  });

  it.each([
    ['a file changed', (dist: string) => fs.appendFileSync(path.join(dist, 'activities', 'index.js'), ' ')],
    ['a file was added', (dist: string) => fs.writeFileSync(path.join(dist, 'workflows', 'new.js'), '')],
    [
      'a file was renamed',
      (dist: string) =>
        fs.renameSync(path.join(dist, 'workflows', 'index.js'), path.join(dist, 'workflows', 'main.js')),
    ],
  ])('changes when %s', (_what, change) => {
    const dist = tree();
    const before = buildIdOf(dist);
    change(dist);
    expect(buildIdOf(dist)).not.toBe(before);
  });

  it('fails rather than name code it cannot read (a broken link): the worker then does not start', () => {
    const dist = tree();
    fs.symlinkSync(path.join(dist, 'nowhere.js'), path.join(dist, 'workflows', 'broken.js'));
    expect(() => buildIdOf(dist)).toThrow(/ENOENT/);
    expect(bundlesCurrent(dist)).toBe(false);
  });
});

/** The prebuilt workflow bundle is used only while it was made from the build (worker/workflow-bundle.ts). */
describe('prebuiltBundle', () => {
  let dist: string;
  beforeEach(() => (dist = compiledTree()));
  afterEach(() => fs.rmSync(dist, { recursive: true, force: true }));
  const prebuiltBundle = (failureConverterPath?: string) =>
    prebuiltBundleOf(dist, buildIdOf(dist), failureConverterPath);

  const build = () => {
    fs.writeFileSync(path.join(dist, BUNDLE_FILE), '/* bundle */');
    fs.writeFileSync(path.join(dist, ENCODED_FAILURES_BUNDLE_FILE), '/* bundle, failures encoded */');
    fs.writeFileSync(path.join(dist, BUILD_ID_FILE), `${buildIdOf(dist)}\n`);
  };

  it('is used when it was built from the code compiled now', () => {
    build();
    expect(prebuiltBundle()).toEqual({ codePath: path.join(dist, BUNDLE_FILE) });
  });

  it('with payload encryption on, is the bundle whose failure converter encrypts workflow failures', () => {
    build();
    expect(prebuiltBundle(FAILURE_CONVERTER_PATH)).toEqual({
      codePath: path.join(dist, ENCODED_FAILURES_BUNDLE_FILE),
    });
  });

  it('with encryption on, is not the plain bundle when the encoded one is missing, nor any for another failure converter', () => {
    build();
    fs.rmSync(path.join(dist, ENCODED_FAILURES_BUNDLE_FILE));
    expect(prebuiltBundle(FAILURE_CONVERTER_PATH)).toEqual({
      reason: expect.stringContaining('no prebuilt workflow bundle'),
    });
    expect(prebuiltBundle('/elsewhere/failure-converter.js')).toEqual({
      reason: 'no prebuilt workflow bundle has the failure converter /elsewhere/failure-converter.js',
    });
  });

  it('ignores dot entries (locks, build info) but covers source maps and JSON', () => {
    build();
    fs.mkdirSync(path.join(dist, '.e2e-build.lock'));
    fs.writeFileSync(path.join(dist, '.tsbuildinfo'), '{}');
    expect(prebuiltBundle()).toEqual({ codePath: path.join(dist, BUNDLE_FILE) });
    fs.writeFileSync(path.join(dist, 'workflows', 'index.js.map'), '{"version":3}');
    expect(prebuiltBundle()).toEqual({ reason: expect.stringContaining('does not match') });
  });

  it('is not used, and says so, when there is none or no build id beside it', () => {
    expect(prebuiltBundle()).toEqual({ reason: expect.stringContaining('no prebuilt workflow bundle') });
    fs.writeFileSync(path.join(dist, BUNDLE_FILE), '/* bundle */');
    expect(prebuiltBundle()).toEqual({ reason: expect.stringContaining('no prebuilt workflow bundle') });
  });

  it.each([
    ['a workflow changed', 'workflows/index.js'],
    ['code a workflow might import changed', 'activities/index.js'],
    ['a file was added', 'workflows/new.js'],
  ])('is not used once %s after it was built', (_what, file) => {
    build();
    fs.writeFileSync(path.join(dist, file), 'exports.changed = true;\n');
    expect(prebuiltBundle()).toEqual({
      reason: expect.stringContaining('does not match the compiled code or packages since'),
    });
  });

  it('does not count the bundles, nor the build id, nor declaration files, in the build id', () => {
    const before = buildIdOf(dist);
    fs.writeFileSync(path.join(dist, BUNDLE_FILE), '/* another bundle */');
    fs.writeFileSync(path.join(dist, ENCODED_FAILURES_BUNDLE_FILE), '/* another bundle */');
    fs.writeFileSync(path.join(dist, BUILD_ID_FILE), 'another\n');
    fs.writeFileSync(path.join(dist, 'workflows', 'index.d.ts'), 'export {};\n');
    expect(buildIdOf(dist)).toBe(before);
  });
});

/** A renamed source leaves its old compiled file behind; the build deletes it (worker/bundle-workflows.ts). */
describe('pruneOrphans', () => {
  it('deletes compiled files and maps whose source is gone, and keeps the rest, the bundles and dot entries', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'prune-'));
    const dist = path.join(root, 'dist');
    const write = (file: string): void => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), '\n');
    };
    try {
      ['webhook/main.ts', 'dist/webhook/main.js', 'dist/webhook/main.js.map'].forEach(write);
      ['dist/client/webhook-main.js', 'dist/client/webhook-main.js.map'].forEach(write);
      [`dist/${BUNDLE_FILE}`, `dist/${BUILD_ID_FILE}`, 'dist/.e2e-build.lock/x.js'].forEach(write);
      const before = buildIdOf(dist);
      expect(pruneOrphans(dist).sort()).toEqual(['client/webhook-main.js', 'client/webhook-main.js.map']);
      expect(fs.existsSync(path.join(dist, 'webhook', 'main.js'))).toBe(true);
      expect(fs.existsSync(path.join(dist, BUNDLE_FILE))).toBe(true);
      expect(fs.existsSync(path.join(dist, '.e2e-build.lock', 'x.js'))).toBe(true);
      expect(buildIdOf(dist)).not.toBe(before);
      expect(pruneOrphans(dist)).toEqual([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
