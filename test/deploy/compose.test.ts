import fs from 'node:fs';
import path from 'node:path';
import { OFFBOARDING_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import {
  durationSeconds,
  environmentOf,
  envFilesOf,
  loadCompose,
  parseEnvFile,
  readRepoFile,
  ROOT,
  secretNamesOf,
  validateAgainstSpec,
  withDefaults,
  type Service,
} from './compose-file';

/**
 * docker-compose.yml against the Compose Specification (the schema vendored in deploy/), and the
 * rules of this deployment that no schema knows: health checks, restart policies, secrets only from
 * files, the sandbox behind its profile, pinned images, and the wiring of the Temporal setup jobs.
 * Needs nothing installed beyond the project's dev dependencies (no Docker).
 */

const compose = loadCompose();
const services = Object.entries(compose.services);
const OUR_IMAGE = /^offboarding:/;
/** The grace time worker/worker.ts gives in-flight activities on SIGTERM. */
const WORKER_SHUTDOWN_GRACE_SECONDS = 20;

/** Environment names that would carry a secret's value (their *_FILE form is the allowed one). */
const SECRET_NAME = /(SECRET|TOKEN|PASSWORD|PWD|_KEY|_KEYS)$/;

function service(name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

function commandText(s: Service): string {
  const parts = [s.entrypoint, s.command].flatMap((p) => (p === undefined ? [] : Array.isArray(p) ? p : [p]));
  return parts.join(' ');
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const errors = validateAgainstSpec(compose);
    expect(errors.map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`)).toEqual([]);
  });

  it('the schema check is not vacuous: it rejects a misspelt key and a bad dependency condition', () => {
    expect(validateAgainstSpec({ services: { a: { imagee: 'x' } } })).not.toEqual([]);
    expect(
      validateAgainstSpec({
        services: { a: { image: 'x', depends_on: { b: { condition: 'when_ready' } } } },
      }),
    ).not.toEqual([]);
  });

  it('vendors the schema with a note of where it comes from', () => {
    const schema = JSON.parse(readRepoFile('deploy/compose-spec.json')) as { $id?: string; title?: string };
    expect(schema.title).toBe('Compose Specification');
    const note = readRepoFile('deploy/README.md');
    expect(note).toMatch(/compose-spec\/compose-spec/);
    expect(note).toMatch(/schema\/compose-spec\.json/);
    expect(note).toMatch(/\b[0-9a-f]{40}\b/);
  });

  it('has the services of a deployment', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'codec-server',
        'hr-webhook',
        'offboard',
        'postgresql',
        'simulators',
        'temporal',
        'temporal-schema',
        'temporal-setup',
        'temporal-ui',
        'worker',
        'worker-version',
      ].sort(),
    );
  });

  it.each(services)('%s has a health check, or is a one-shot job that says why it has none', (_name, s) => {
    if (s.healthcheck) {
      expect(s.healthcheck.disable).not.toBe(true);
      expect(s.healthcheck.test).toBeDefined();
      expect(s['x-no-healthcheck']).toBeUndefined();
    } else {
      expect(s['x-no-healthcheck']).toMatch(/one-shot/);
      expect(s.restart).toMatch(/^(no|on-failure(:\d+)?)$/);
    }
  });

  it.each(services)('%s has a restart policy', (_name, s) => {
    expect(s.restart).toMatch(/^(no|always|unless-stopped|on-failure(:\d+)?)$/);
  });

  it('scales the worker by replicas, and lets in-flight activities finish on stop', () => {
    const worker = service('worker');
    expect(worker.deploy?.replicas).toBeDefined();
    expect(Number(withDefaults(String(worker.deploy?.replicas)))).toBeGreaterThanOrEqual(1);
    // Replicas cannot share a container name or a host port.
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    expect(durationSeconds(worker.stop_grace_period ?? '10s')).toBeGreaterThan(WORKER_SHUTDOWN_GRACE_SECONDS);
    expect(readRepoFile('worker/worker.ts')).toContain(
      `SHUTDOWN_GRACE = '${WORKER_SHUTDOWN_GRACE_SECONDS} seconds'`,
    );
  });

  it.each(services)(
    '%s takes no secret value inline: secrets are *_FILE paths to docker secrets',
    (_name, s) => {
      const env = environmentOf(s);
      const mounted = secretNamesOf(s);
      for (const [key, value] of Object.entries(env)) {
        if (key.endsWith('_FILE') && SECRET_NAME.test(key.slice(0, -'_FILE'.length))) {
          const match = /^\/run\/secrets\/([a-z0-9-]+)$/.exec(value);
          expect({ key, value, mounted: match !== null && mounted.includes(match[1] ?? '') }).toEqual({
            key,
            value,
            mounted: true,
          });
        } else if (!key.endsWith('_FILE') && key !== 'PAYLOAD_CODEC_KEY_ID') {
          expect({ key, secretLike: SECRET_NAME.test(key) }).toEqual({ key, secretLike: false });
        }
      }
      for (const name of mounted) expect(compose.secrets?.[name]).toBeDefined();
    },
  );

  it('keeps every secret in a git-ignored, docker-ignored file', () => {
    const secrets = Object.entries(compose.secrets ?? {});
    expect(secrets.length).toBeGreaterThan(0);
    for (const [name, secret] of secrets) {
      expect({ name, file: secret.file, environment: secret.environment }).toEqual({
        name,
        file: `./deploy/secrets/${name}`,
        environment: undefined,
      });
    }
    expect(readRepoFile('deploy/.gitignore')).toMatch(/^secrets\/\*$/m);
    expect(readRepoFile('.dockerignore')).toMatch(/^deploy$/m);
  });

  it('reads env files that hold no secret, or that git ignores', () => {
    const gitignore = readRepoFile('deploy/.gitignore');
    expect(gitignore).toMatch(/^env\/\*\.env$/m);
    for (const [, s] of services) {
      for (const file of envFilesOf(s).map(withDefaults)) {
        expect(file).toMatch(/^deploy\/env\/[a-z.]+\.env$/);
        const committed =
          fs.existsSync(path.join(ROOT, file)) && gitignore.includes(`!${file.slice('deploy/'.length)}`);
        if (committed) {
          for (const key of Object.keys(parseEnvFile(readRepoFile(file))))
            expect(key).not.toMatch(SECRET_NAME);
        } else {
          // An operator's file: made from its example, which must exist and hold no value for a secret.
          const example = readRepoFile(`${file}.example`);
          for (const [key, value] of Object.entries(parseEnvFile(example))) {
            if (SECRET_NAME.test(key)) expect({ key, value }).toEqual({ key, value: '' });
          }
        }
      }
    }
  });

  it('starts the vendor simulators only under the sandbox profile, and the sandbox worker uses them', () => {
    const sandboxed = services.filter(([, s]) => s.profiles?.includes('sandbox')).map(([name]) => name);
    expect(sandboxed).toEqual(['simulators']);
    expect(service('simulators').profiles).toEqual(['sandbox']);
    for (const [name, s] of services) {
      if (name !== 'simulators') expect(commandText(s)).not.toContain('simulators/main.js');
    }
    const simEnv = environmentOf(service('simulators'));
    const sandbox = parseEnvFile(readRepoFile('deploy/env/worker.sandbox.env'));
    expect(sandbox.WPS_BASE_URL).toBe(`http://simulators:${simEnv.WPS_SIM_PORT}`);
    expect(sandbox.AUTHING_BASE_URL).toBe(`http://simulators:${simEnv.AUTHING_SIM_PORT}`);
    for (const key of Object.keys(sandbox)) expect(key).not.toMatch(SECRET_NAME);
    // The worker runs against production vendors unless the operator picks the sandbox file.
    expect(envFilesOf(service('worker')).map(withDefaults)).toEqual(['deploy/env/worker.env']);
  });

  it.each(services)('%s runs a pinned image', (_name, s) => {
    const image = s.image ?? '';
    if (OUR_IMAGE.test(image)) {
      expect(s.build).toBeDefined();
      return;
    }
    expect(s.build).toBeUndefined();
    const pinned =
      /^[a-z0-9./-]+:(?!latest\b)[A-Za-z0-9._-]*\d+\.\d+[A-Za-z0-9._-]*$/.test(image) ||
      /@sha256:[0-9a-f]{64}$/.test(image);
    expect({ image, pinned }).toEqual({ image, pinned: true });
  });

  it('runs the schema job and the admin tools of the same Temporal release as the server', () => {
    const version = /^temporalio\/server:(\d+\.\d+\.\d+)$/.exec(service('temporal').image ?? '')?.[1];
    expect(version).toBeDefined();
    for (const job of ['temporal-schema', 'temporal-setup']) {
      expect(service(job).image).toMatch(
        new RegExp(`^temporalio/admin-tools:${(version ?? '').replace(/\./g, '\\.')}(-|$)`),
      );
    }
  });

  it('starts everything in order: schema, server, namespace and search attributes, our services, the worker version', () => {
    const condition = (from: string, to: string) =>
      (service(from).depends_on as Record<string, { condition: string }> | undefined)?.[to]?.condition;
    expect(condition('temporal-schema', 'postgresql')).toBe('service_healthy');
    expect(condition('temporal', 'temporal-schema')).toBe('service_completed_successfully');
    expect(condition('temporal-setup', 'temporal')).toBe('service_healthy');
    expect(condition('worker', 'temporal-setup')).toBe('service_completed_successfully');
    // The worker's build becomes the current version once it polls (healthy: polling).
    expect(condition('worker-version', 'worker')).toBe('service_healthy');
    expect(commandText(service('worker-version'))).toBe('node dist/worker/deployment.js set-current');
    expect(condition('hr-webhook', 'temporal-setup')).toBe('service_completed_successfully');
  });

  it('registers exactly the search attributes the workflow sets', () => {
    const script = readRepoFile('deploy/temporal/setup-namespace.sh');
    const registered = [...script.matchAll(/\b(Offboarding[A-Za-z]+):(Keyword|Int)\b/g)].map(
      ([, name, type]) => ({
        name,
        type: type?.toUpperCase() === 'INT' ? 'INT' : 'KEYWORD',
      }),
    );
    const wanted = OFFBOARDING_SEARCH_ATTRIBUTES.map((key) => ({ name: key.name, type: key.type }));
    expect(registered.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''))).toEqual(
      wanted.sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  it('mounts scripts and config that exist, and runs entry points that exist', () => {
    let mountedScripts = 0;
    for (const [, s] of services) {
      for (const volume of s.volumes ?? []) {
        if (typeof volume !== 'string' || !volume.startsWith('./deploy/')) continue;
        expect(fs.existsSync(path.join(ROOT, volume.split(':')[0] ?? ''))).toBe(true);
      }
      // A script the container runs from a bind mount is in the repository at the mount's source.
      const mounts = (s.volumes ?? []).flatMap((v) => (typeof v === 'string' ? [v.split(':')] : []));
      for (const script of commandText(s).match(/\/[\w./-]+\.sh\b/g) ?? []) {
        const mount = mounts.find(([, target]) => target !== undefined && script.startsWith(`${target}/`));
        if (!mount) continue; // the image's own script
        const [source = '', target = ''] = mount;
        expect({
          script,
          exists: fs.existsSync(path.join(ROOT, source, script.slice(target.length))),
        }).toEqual({
          script,
          exists: true,
        });
        mountedScripts += 1;
      }
      for (const entry of commandText(s).match(/dist\/[\w/-]+\.js/g) ?? []) {
        expect(fs.existsSync(path.join(ROOT, entry.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(
          true,
        );
      }
    }
    for (const [, s] of services) {
      const test = s.healthcheck?.test;
      for (const entry of (Array.isArray(test) ? test : [test ?? '']).join(' ').match(/dist\/[\w/-]+\.js/g) ??
        []) {
        expect(fs.existsSync(path.join(ROOT, entry.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(
          true,
        );
      }
    }
    expect(mountedScripts).toBe(2);
  });

  it('publishes ports on loopback only unless the operator says otherwise', () => {
    for (const [name, s] of services) {
      for (const port of s.ports ?? []) {
        // The short syntax only: the long one has no default binding to check.
        expect(typeof port).toBe('string');
        expect({ name, port: withDefaults(port as string) }).toEqual({
          name,
          port: expect.stringMatching(/^127\.0\.0\.1:\d+:\d+$/) as unknown,
        });
      }
    }
  });
});
