import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'ensure-temporal.sh');

/**
 * What scripts/ensure-temporal.sh shows while it builds the Temporal CLI, with a stand-in `go` that
 * "builds" only once the test saw a progress line: what is built and how long it takes, a line per
 * interval (1 s here, 30 s by default), the total at the end. No real build, nothing timed.
 */
describe('scripts/ensure-temporal.sh: progress of the CLI build', () => {
  let project: string;
  let bin: string;
  let release: string;

  beforeEach(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'ensure-temporal-progress-'));
    fs.mkdirSync(path.join(project, 'scripts'));
    fs.copyFileSync(SCRIPT, path.join(project, 'scripts', 'ensure-temporal.sh'));
    bin = path.join(project, 'bin');
    fs.mkdirSync(bin);
    for (const tool of ['dirname', 'cat', 'mkdir', 'sleep', 'chmod']) {
      const found = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
      if (!found) throw new Error(`${tool} not found in /usr/bin or /bin`);
      fs.symlinkSync(found, path.join(bin, tool));
    }
    release = path.join(project, 'release');
    // The stand-in for `go install`: waits for the test's go-ahead, then fails or leaves a binary.
    fs.writeFileSync(
      path.join(bin, 'go'),
      [
        '#!/bin/bash',
        'echo "go: downloading github.com/temporalio/cli v1.5.1" >&2',
        'while [ ! -e "$RELEASE" ]; do sleep 0.05; done',
        'if [ -n "${FAIL:-}" ]; then echo "go: build failed" >&2; exit 3; fi',
        'printf "#!/bin/sh\\n" > "$GOBIN/temporal" && chmod +x "$GOBIN/temporal"',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
  });
  afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

  /** Runs the script; releases the stand-in build once stderr matches `releaseWhen`. */
  function run(
    releaseWhen: RegExp,
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn('/bin/bash', [path.join(project, 'scripts', 'ensure-temporal.sh')], {
        env: { PATH: bin, TEMPORAL_BUILD_PROGRESS_SECONDS: '1', RELEASE: release, ...env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (releaseWhen.test(stderr)) fs.writeFileSync(release, '');
      });
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  }

  it('says what it builds and how long that takes, shows it is still going, and the total', async () => {
    const result = await run(/still building the Temporal CLI: \d+s elapsed\n/);
    const cli = path.join(project, '.tools', 'bin', 'temporal');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${cli}\n`);
    const lines = result.stderr.split('\n');
    const intro = lines.findIndex((l) => l.startsWith('Building the Temporal CLI v1.5.1 into .tools/bin'));
    const still = lines.findIndex((l) => /^still building the Temporal CLI: \d+s elapsed$/.test(l));
    const built = lines.findIndex((l) => l.startsWith('Built the Temporal CLI v1.5.1 in '));
    expect(intro).toBeGreaterThanOrEqual(0);
    expect(result.stderr).toContain('several minutes on a 2-core machine');
    expect(result.stderr).toContain('Progress every 1 s.');
    expect(still).toBeGreaterThan(intro);
    expect(built).toBeGreaterThan(still);
    expect(lines[built]).toMatch(new RegExp(`^Built the Temporal CLI v1\\.5\\.1 in \\d+s: ${cli}$`));
    expect(fs.readFileSync(path.join(project, '.tools', 'bin', 'temporal.version'), 'utf8')).toBe('v1.5.1\n');
  });

  it('a failed build says after how long, passes go’s exit status on, and records no version', async () => {
    fs.writeFileSync(release, '');
    const result = await run(/$^/, { FAIL: '1' });
    expect(result.status).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('go: build failed');
    expect(result.stderr).toMatch(
      /Building the Temporal CLI failed after \d+s \(go install exited with 3\); see Go's messages above\./,
    );
    expect(fs.existsSync(path.join(project, '.tools', 'bin', 'temporal.version'))).toBe(false);
  });
});
