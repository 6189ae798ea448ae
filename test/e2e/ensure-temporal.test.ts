import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'ensure-temporal.sh');

/** scripts/ensure-temporal.sh in a scratch copy of the project, with a PATH we control. */
describe('scripts/ensure-temporal.sh', () => {
  let project: string;
  let bin: string;

  beforeEach(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'ensure-temporal-'));
    fs.mkdirSync(path.join(project, 'scripts'));
    fs.copyFileSync(SCRIPT, path.join(project, 'scripts', 'ensure-temporal.sh'));
    // Only the tools the script needs; no temporal, no go.
    bin = path.join(project, 'bin');
    fs.mkdirSync(bin);
    for (const tool of ['dirname', 'cat', 'mkdir']) {
      const found = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
      if (!found) throw new Error(`${tool} not found in /usr/bin or /bin`);
      fs.symlinkSync(found, path.join(bin, tool));
    }
  });
  afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

  const run = (env: NodeJS.ProcessEnv = {}) =>
    spawnSync('/bin/bash', [path.join(project, 'scripts', 'ensure-temporal.sh')], {
      env: { PATH: bin, ...env },
      encoding: 'utf8',
    });

  it('names both ways out when neither the CLI nor Go is present', () => {
    const result = run();
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('install the Temporal CLI v1.5.1');
    expect(result.stderr).toContain('install Go');
    expect(result.stderr).toContain('go install github.com/temporalio/cli/cmd/temporal@v1.5.1');
  });

  it('prefers a temporal on PATH', () => {
    fs.writeFileSync(path.join(bin, 'temporal'), '#!/bin/sh\n', { mode: 0o755 });
    expect(run().stdout.trim()).toBe(path.join(bin, 'temporal'));
  });

  it('uses the project-local CLI when it is the pinned version, without building', () => {
    const tools = path.join(project, '.tools', 'bin');
    fs.mkdirSync(tools, { recursive: true });
    fs.writeFileSync(path.join(tools, 'temporal'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(tools, 'temporal.version'), 'v1.5.1\n');
    expect(run().stdout.trim()).toBe(path.join(tools, 'temporal'));
  });

  it('rejects a TEMPORAL_CLI that is not executable, naming it', () => {
    const result = run({ TEMPORAL_CLI: '/nonexistent/temporal' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      "TEMPORAL_CLI is set to '/nonexistent/temporal', which is not an executable file.",
    );
  });
});
