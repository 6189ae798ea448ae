import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BUNDLE_FILE,
  DIGEST_FILE,
  ENCODED_FAILURES_BUNDLE_FILE,
  compiledDigest,
  prebuiltBundle,
} from '../../worker/workflow-bundle';

/** The prebuilt workflow bundle is used only while it matches the compiled code (worker/workflow-bundle.ts). */
describe('prebuiltBundle', () => {
  let dist: string;
  beforeEach(() => {
    dist = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
    fs.mkdirSync(path.join(dist, 'workflows'));
    fs.mkdirSync(path.join(dist, 'activities'));
    fs.writeFileSync(path.join(dist, 'workflows', 'index.js'), 'exports.a = 1;\n');
    fs.writeFileSync(path.join(dist, 'activities', 'index.js'), 'exports.b = 2;\n');
  });
  afterEach(() => fs.rmSync(dist, { recursive: true, force: true }));

  const build = () => {
    fs.writeFileSync(path.join(dist, BUNDLE_FILE), '/* bundle */');
    fs.writeFileSync(path.join(dist, ENCODED_FAILURES_BUNDLE_FILE), '/* bundle, failures encoded */');
    fs.writeFileSync(path.join(dist, DIGEST_FILE), `${compiledDigest(dist)}\n`);
  };

  it('is used when it was built from the code compiled now', () => {
    build();
    expect(prebuiltBundle(dist)).toEqual({ codePath: path.join(dist, BUNDLE_FILE) });
  });

  it('with payload encryption on, is the bundle whose failure converter encrypts workflow failures', () => {
    build();
    expect(prebuiltBundle(dist, true)).toEqual({ codePath: path.join(dist, ENCODED_FAILURES_BUNDLE_FILE) });
  });

  it('is not used, and says so, when there is none or no digest beside it', () => {
    expect(prebuiltBundle(dist)).toEqual({ reason: expect.stringContaining('no prebuilt workflow bundle') });
    fs.writeFileSync(path.join(dist, BUNDLE_FILE), '/* bundle */');
    expect(prebuiltBundle(dist)).toEqual({ reason: expect.stringContaining('no prebuilt workflow bundle') });
  });

  it.each([
    ['a workflow changed', 'workflows/index.js'],
    ['code a workflow might import changed', 'activities/index.js'],
    ['a file was added', 'workflows/new.js'],
  ])('is not used once %s after it was built', (_what, file) => {
    build();
    fs.writeFileSync(path.join(dist, file), 'exports.changed = true;\n');
    expect(prebuiltBundle(dist)).toEqual({
      reason: expect.stringContaining('does not match the code compiled since'),
    });
  });

  it('does not count the bundles, nor files other than .js, in the digest', () => {
    const before = compiledDigest(dist);
    fs.writeFileSync(path.join(dist, BUNDLE_FILE), '/* another bundle */');
    fs.writeFileSync(path.join(dist, ENCODED_FAILURES_BUNDLE_FILE), '/* another bundle */');
    fs.writeFileSync(path.join(dist, 'workflows', 'index.d.ts'), 'export {};\n');
    expect(compiledDigest(dist)).toBe(before);
  });
});
