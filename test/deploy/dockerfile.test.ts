import fs from 'node:fs';
import path from 'node:path';
import { loadCompose, readRepoFile, ROOT } from './compose-file';
import { execForm, parseDockerfile, type Stage } from './dockerfile';

/**
 * The Dockerfile is the one description of the image; the docs quote it and this test keeps the
 * quote, the README's build and run commands and package.json's scripts in step with it. It also
 * holds the image's rules: multi-stage, production dependencies only, non-root, no secret.
 */

const dockerfileText = readRepoFile('Dockerfile');
const dockerfile = parseDockerfile(dockerfileText);
const packageJson = JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> };
const operations = readRepoFile('docs/operations.md');

function stage(name: string): Stage {
  const found = dockerfile.stages.find((s) => s.name === name);
  if (!found) throw new Error(`the Dockerfile has no stage ${name}`);
  return found;
}

const runs = (s: Stage): string[] => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
const runtime = dockerfile.stages[dockerfile.stages.length - 1] as Stage;

/** The fenced block between the BEGIN/END markers of docs/operations.md. */
function quotedInstructions(): string[] {
  const match =
    /<!-- BEGIN Dockerfile instructions -->\s*```dockerfile\n([\s\S]*?)```\s*<!-- END Dockerfile instructions -->/.exec(
      operations,
    );
  if (!match?.[1]) throw new Error('docs/operations.md has no quoted Dockerfile between its markers');
  const quoted = parseDockerfile(match[1]);
  return [
    ...quoted.globalArgs,
    ...quoted.stages.flatMap((s) => [{ text: `FROM ${s.from} AS ${s.name}` }, ...s.instructions]),
  ].map((i) => i.text);
}

function dockerfileInstructions(): string[] {
  return [
    ...dockerfile.globalArgs,
    ...dockerfile.stages.flatMap((s) => [{ text: `FROM ${s.from} AS ${s.name}` }, ...s.instructions]),
  ].map((i) => i.text);
}

/** `docker build ...` command lines in a text (code blocks or a comment). */
function dockerBuildCommands(text: string): string[] {
  return [...text.matchAll(/docker build [^\n`]*/g)].map(([command]) => command.trim());
}

describe('Dockerfile', () => {
  it('is multi-stage: build, production dependencies, runtime', () => {
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['build', 'dependencies', 'runtime']);
    // Every stage starts from the one pinned Node image.
    const nodeImage = dockerfile.globalArgs.find((a) => a.args.startsWith('NODE_IMAGE='))?.args.split('=')[1];
    expect(nodeImage).toMatch(/^node:20\.\d+\.\d+-bookworm-slim$/);
    for (const s of dockerfile.stages) expect(s.from).toBe('${NODE_IMAGE}');
  });

  it('builds as the README says: npm ci, then npm run build (tsc -p tsconfig.build.json, then the workflow bundles)', () => {
    expect(runs(stage('build'))).toEqual(['npm ci --ignore-scripts --no-audit --no-fund', 'npm run build']);
    expect(packageJson.scripts.build).toBe(
      'tsc -p tsconfig.build.json && node dist/worker/bundle-workflows.js',
    );
    expect(readRepoFile('README.md')).toContain('npm run build');
  });

  it('compiles every source folder an entry point of the image lives in, and the compiler includes them', () => {
    const tsconfig = JSON.parse(readRepoFile('tsconfig.build.json')) as { include: string[] };
    const copied = stage('build')
      .instructions.filter((i) => i.keyword === 'COPY')
      .map((i) => i.args.split(' ')[0] ?? '');
    const compose = loadCompose();
    const entryPoints = new Set<string>(['dist/worker/main.js', 'dist/worker/healthcheck.js']);
    for (const s of Object.values(compose.services)) {
      const parts = [s.entrypoint, s.command, s.healthcheck?.test].flatMap((p) =>
        p === undefined ? [] : Array.isArray(p) ? p : [p],
      );
      for (const entry of parts.join(' ').match(/dist\/[\w/-]+\.js/g) ?? []) entryPoints.add(entry);
    }
    const folders = [...entryPoints].map((entry) => entry.split('/')[1] ?? '');
    for (const folder of new Set(folders)) {
      expect({
        folder,
        copied: copied.includes(folder),
        compiled: tsconfig.include.includes(folder),
      }).toEqual({
        folder,
        copied: true,
        compiled: true,
      });
    }
  });

  it('installs production dependencies only into the runtime image', () => {
    expect(runs(stage('dependencies'))).toEqual([
      'npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force',
    ]);
    expect(runs(runtime)).toEqual([]);
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies).toContain('--from=dependencies /app/node_modules ./node_modules');
    expect(copies).toContain('--from=build /app/dist ./dist');
    expect(copies.some((c) => c.startsWith('--from=build /app/node_modules'))).toBe(false);
  });

  it('runs as a non-root user, the worker by default, as `npm run worker` does', () => {
    const users = runtime.instructions.filter((i) => i.keyword === 'USER').map((i) => i.args);
    expect(users).toEqual(['node']);
    expect(execForm(runtime.instructions.find((i) => i.keyword === 'CMD'))).toEqual(
      packageJson.scripts.worker?.split(' '),
    );
  });

  it('bakes in no secret: no secret-like ARG or ENV, no secret or env file copied, and they are docker-ignored', () => {
    for (const i of [...dockerfile.globalArgs, ...dockerfile.stages.flatMap((s) => s.instructions)]) {
      if (i.keyword === 'ARG' || i.keyword === 'ENV') {
        expect(i.args).not.toMatch(/(SECRET|TOKEN|PASSWORD|PWD|_KEY|_KEYS)\b/i);
      }
      if (i.keyword === 'COPY' || i.keyword === 'ADD') {
        expect(i.args).not.toMatch(/\.env|secrets|deploy/);
        expect(i.args).not.toMatch(/^\. /);
      }
    }
    const ignored = readRepoFile('.dockerignore').split(/\r?\n/);
    for (const entry of ['.env', '.env.*', 'deploy', 'node_modules', 'dist', '.data'])
      expect(ignored).toContain(entry);
  });

  it('copies only files that exist', () => {
    for (const i of dockerfile.stages.flatMap((s) => s.instructions)) {
      if (i.keyword !== 'COPY' || i.args.startsWith('--from=')) continue;
      const sources = i.args.split(' ').slice(0, -1);
      for (const source of sources)
        expect({ source, exists: fs.existsSync(path.join(ROOT, source)) }).toEqual({ source, exists: true });
    }
  });

  it('is quoted exactly in docs/operations.md', () => {
    expect(quotedInstructions()).toEqual(dockerfileInstructions());
  });

  it('has the same `docker build` command in the Dockerfile, the runbook and the README (if it has one)', () => {
    const fromDockerfile = dockerBuildCommands(dockerfileText);
    expect(fromDockerfile).toEqual(['docker build -t offboarding:dev .']);
    expect(dockerBuildCommands(operations)).toEqual(fromDockerfile);
    for (const command of dockerBuildCommands(readRepoFile('README.md')))
      expect(fromDockerfile).toContain(command);
    // The tag is the repository compose runs.
    const image = loadCompose().services.worker?.image ?? '';
    expect(image.split(':')[0]).toBe('offboarding');
  });
});
