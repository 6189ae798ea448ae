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
import { FAILURE_CONVERTER_PATH } from '../../codec/data-converter';

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
    expect(prebuiltBundle(dist, FAILURE_CONVERTER_PATH)).toEqual({
      codePath: path.join(dist, ENCODED_FAILURES_BUNDLE_FILE),
    });
  });

  it('with encryption on, is not the plain bundle when the encoded one is missing, nor any for another failure converter', () => {
    build();
    fs.rmSync(path.join(dist, ENCODED_FAILURES_BUNDLE_FILE));
    expect(prebuiltBundle(dist, FAILURE_CONVERTER_PATH)).toEqual({
      reason: expect.stringContaining('no prebuilt workflow bundle'),
    });
    expect(prebuiltBundle(dist, '/elsewhere/failure-converter.js')).toEqual({
      reason: 'no prebuilt workflow bundle has the failure converter /elsewhere/failure-converter.js',
    });
  });

  it('says why instead of failing when the compiled code cannot be read (a file gone mid-walk, a broken link)', () => {
    build();
    fs.symlinkSync(path.join(dist, 'nowhere.js'), path.join(dist, 'workflows', 'broken.js'));
    expect(prebuiltBundle(dist)).toEqual({ reason: expect.stringContaining('could not be checked') });
  });

  it('ignores dot entries (locks, build info) but covers source maps and JSON', () => {
    build();
    fs.mkdirSync(path.join(dist, '.e2e-build.lock'));
    fs.writeFileSync(path.join(dist, '.tsbuildinfo'), '{}');
    expect(prebuiltBundle(dist)).toEqual({ codePath: path.join(dist, BUNDLE_FILE) });
    fs.writeFileSync(path.join(dist, 'workflows', 'index.js.map'), '{"version":3}');
    expect(prebuiltBundle(dist)).toEqual({ reason: expect.stringContaining('does not match') });
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
      reason: expect.stringContaining('does not match the compiled code or packages since'),
    });
  });

  it('does not count the bundles, nor declaration files, in the digest', () => {
    const before = compiledDigest(dist);
    fs.writeFileSync(path.join(dist, BUNDLE_FILE), '/* another bundle */');
    fs.writeFileSync(path.join(dist, ENCODED_FAILURES_BUNDLE_FILE), '/* another bundle */');
    fs.writeFileSync(path.join(dist, 'workflows', 'index.d.ts'), 'export {};\n');
    expect(compiledDigest(dist)).toBe(before);
  });
});
