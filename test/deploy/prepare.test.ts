import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { keyringFromEnv } from '../../codec/keys';
import { envFilesOf, loadCompose, parseEnvFile, ROOT } from './compose-file';

/**
 * deploy/prepare.sh on a fresh copy of the deployment files: it must create every file
 * docker-compose.yml reads and git does not hold (.env, the env files, the secret files), with
 * usable values, never print a secret, and never overwrite. Then, where a Compose CLI is installed
 * (Debian's `docker-compose` package, or `docker compose`), the prepared project must pass
 * `config -q`, Compose's own check of the file with its env files and secrets in place.
 */

const compose = loadCompose();

/** The committed deployment files only: never an operator's secrets or env files from this checkout. */
function copyDeployment(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offboarding-deploy-'));
  const committed = [
    'docker-compose.yml',
    '.env.example',
    'deploy/prepare.sh',
    'deploy/secrets/README.md',
    'deploy/env/worker.sandbox.env',
    ...fs
      .readdirSync(path.join(ROOT, 'deploy', 'env'))
      .filter((name) => name.endsWith('.env.example'))
      .map((name) => `deploy/env/${name}`),
  ];
  for (const file of committed) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  fs.cpSync(path.join(ROOT, 'deploy', 'temporal'), path.join(dir, 'deploy', 'temporal'), { recursive: true });
  return dir;
}

function prepare(dir: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('sh', [path.join(dir, 'deploy', 'prepare.sh'), ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function secretFiles(dir: string): Array<{ name: string; file: string }> {
  return Object.entries(compose.secrets ?? {}).map(([name, secret]) => ({
    name,
    file: path.join(dir, secret.file ?? ''),
  }));
}

/** A Compose CLI that works here, or undefined. */
function composeCli(): string[] | undefined {
  for (const command of [['docker-compose'], ['docker', 'compose']]) {
    const [bin = '', ...rest] = command;
    const probe = spawnSync(bin, [...rest, 'version'], { encoding: 'utf8' });
    if (probe.status === 0) return command;
  }
  return undefined;
}

describe('deploy/prepare.sh', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  function fresh(): string {
    const dir = copyDeployment();
    dirs.push(dir);
    return dir;
  }

  it('--sandbox creates every secret file and env file the compose file reads, sandbox on, printing no secret', () => {
    const dir = fresh();
    const run = prepare(dir, '--sandbox');
    expect(run).toMatchObject({ status: 0, stderr: '' });

    expect(fs.statSync(path.join(dir, 'deploy', 'secrets')).mode & 0o777).toBe(0o700);
    for (const { name, file } of secretFiles(dir)) {
      const value = fs.readFileSync(file, 'utf8').trim();
      expect({ name, empty: value === '', mode: fs.statSync(file).mode & 0o777 }).toEqual({
        name,
        empty: false,
        mode: 0o444,
      });
      expect(run.stdout.includes(value)).toBe(false);
    }
    // The generated codec key is one the codec accepts; the codec server's token is long enough.
    expect(
      keyringFromEnv({ PAYLOAD_CODEC_KEYS_FILE: path.join(dir, 'deploy/secrets/payload-codec-keys') })
        ?.keyIds,
    ).toHaveLength(1);
    expect(
      fs.readFileSync(path.join(dir, 'deploy/secrets/codec-server-token'), 'utf8').trim().length,
    ).toBeGreaterThanOrEqual(16);

    const env = parseEnvFile(fs.readFileSync(path.join(dir, '.env'), 'utf8'));
    expect(env).toMatchObject({
      COMPOSE_PROFILES: 'sandbox',
      WORKER_ENV_FILE: 'deploy/env/worker.sandbox.env',
    });
    for (const s of Object.values(compose.services)) {
      for (const file of envFilesOf(s)) {
        const resolved = file.replace(
          /\$\{([A-Z0-9_]+):-([^}]*)\}/g,
          (_m, name: string, fallback: string) => {
            return env[name] ?? fallback;
          },
        );
        expect({ file: resolved, exists: fs.existsSync(path.join(dir, resolved)) }).toEqual({
          file: resolved,
          exists: true,
        });
      }
    }
  });

  it('never overwrites: a second run keeps every file as it is', () => {
    const dir = fresh();
    expect(prepare(dir, '--sandbox').status).toBe(0);
    const before = secretFiles(dir).map(({ file }) => fs.readFileSync(file, 'utf8'));
    const envBefore = fs.readFileSync(path.join(dir, '.env'), 'utf8');
    const again = prepare(dir);
    expect(again.status).toBe(0);
    expect(again.stdout).not.toMatch(/^created/m);
    expect(secretFiles(dir).map(({ file }) => fs.readFileSync(file, 'utf8'))).toEqual(before);
    expect(fs.readFileSync(path.join(dir, '.env'), 'utf8')).toBe(envBefore);
  });

  it('without --sandbox leaves the vendor credentials to the operator and the simulators off', () => {
    const dir = fresh();
    const run = prepare(dir);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^MISSING {2}secrets\/wps-app-key/m);
    expect(run.stdout).toMatch(/^MISSING {2}secrets\/authing-access-key-secret/m);
    expect(fs.existsSync(path.join(dir, 'deploy/secrets/wps-app-key'))).toBe(false);
    const env = parseEnvFile(fs.readFileSync(path.join(dir, '.env'), 'utf8'));
    expect(env.COMPOSE_PROFILES).toBeUndefined();
    expect(env.WORKER_ENV_FILE).toBeUndefined();
  });

  const cli = composeCli();
  it(
    cli
      ? `the prepared project passes \`${cli.join(' ')} config -q\`, with and without the sandbox and tools profiles`
      : 'no Compose CLI is installed here: `config -q` is not run (compose.test.ts checks the file against the schema)',
    () => {
      if (!cli) return;
      const [bin = '', ...rest] = cli;
      const dir = fresh();
      expect(prepare(dir, '--sandbox').status).toBe(0);
      for (const profiles of [[], ['--profile', 'sandbox'], ['--profile', 'sandbox', '--profile', 'tools']]) {
        const check = spawnSync(bin, [...rest, ...profiles, 'config', '-q'], { cwd: dir, encoding: 'utf8' });
        expect({ profiles, status: check.status, stderr: check.stderr.trim() }).toEqual({
          profiles,
          status: 0,
          stderr: '',
        });
      }
    },
  );
});
