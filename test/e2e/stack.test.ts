import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { freePort, portIsFree } from '../../scripts/lib/ports';
import { RunningProcess, type Finished } from '../support/processes';

const ROOT = path.resolve(__dirname, '..', '..');
const STACK = path.join(ROOT, 'dist', 'scripts', 'stack.js');

/** The local stack of `npm start`, as a real process tree, on ports and a data folder of its own. */
describe('the local stack (npm start)', () => {
  let dataDir: string;
  let ports: Record<
    'STACK_TEMPORAL_PORT' | 'STACK_UI_PORT' | 'WPS_SIM_PORT' | 'AUTHING_SIM_PORT' | 'STACK_CODEC_PORT',
    string
  >;

  beforeAll(async () => {
    // The stack runs compiled code: bring dist/ up to date (incremental, quick when nothing changed).
    execFileSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')],
      { cwd: ROOT },
    );
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'offboarding-stack-'));
    ports = {
      STACK_TEMPORAL_PORT: String(await freePort()),
      STACK_UI_PORT: String(await freePort()),
      WPS_SIM_PORT: String(await freePort()),
      AUTHING_SIM_PORT: String(await freePort()),
      STACK_CODEC_PORT: String(await freePort()),
    };
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  function stackEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, ...ports, STACK_DATA_DIR: dataDir, ...extra };
    for (const name of [
      'WPS_BASE_URL',
      'AUTHING_BASE_URL',
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'PAYLOAD_CODEC_KEYS',
      'PAYLOAD_CODEC_KEYS_FILE',
    ]) {
      if (!(name in extra)) delete env[name];
    }
    return env;
  }

  /** On failure, shows what the stack printed rather than a bare exit code. */
  function expectExit(finished: Finished, code: number): void {
    if (finished.code !== code) {
      throw new Error(
        `stack exited ${String(finished.code)} (wanted ${code})\nstdout:\n${finished.stdout}\nstderr:\n${finished.stderr}`,
      );
    }
  }

  async function expectAllPortsFree(): Promise<void> {
    for (const port of Object.values(ports)) expect(await portIsFree(Number(port))).toBe(true);
  }

  it('brings up the dev server, simulators and worker, runs the sample request, prints its result and stops everything', async () => {
    const stack = new RunningProcess(process.execPath, [STACK, '--exit-after-job'], {
      env: stackEnv(),
      cwd: ROOT,
    });
    const finished = await stack.finished();
    expectExit(finished, 0);
    const { stdout, stderr } = finished;
    expect(stderr).toBe('');
    expect(stdout).toContain(`Web UI           http://localhost:${ports.STACK_UI_PORT}`);
    // Off the default ports, what the CLI needs to find the server and link to the Web UI.
    expect(stdout).toContain(`export TEMPORAL_ADDRESS=127.0.0.1:${ports.STACK_TEMPORAL_PORT}`);
    expect(stdout).toContain(`export TEMPORAL_UI_URL=http://localhost:${ports.STACK_UI_PORT}`);
    expect(stdout).toContain(`started offboarding-sample-0001 from examples/sample-request.json`);
    expect(stdout).toContain(
      `http://localhost:${ports.STACK_UI_PORT}/namespaces/default/workflows/offboarding-sample-0001`,
    );
    expect(stdout).toContain('request sample-0001: completed (6 leavers, 0 failed)');
    expect(stdout).toMatch(/E1003 +wps-1003 +already +au-1003 +done/);
    expect(stdout).toMatch(/E1006 +wps-9999 +not_found +au-1006 +done/);
    expect(stdout).toContain(`codec server     http://127.0.0.1:${ports.STACK_CODEC_PORT}`);
    expect(stdout).toContain(`export PAYLOAD_CODEC_KEYS_FILE=${path.join(dataDir, 'payload-codec-keys')}`);
    expect(stdout).toContain('stopped every process it started');
    expect(fs.existsSync(path.join(dataDir, 'temporal.db'))).toBe(true);
    // The development key is the operator's only: readable by its owner alone.
    expect(fs.statSync(path.join(dataDir, 'payload-codec-keys')).mode & 0o077).toBe(0);
    await expectAllPortsFree();
  });

  it('keeps its runs across a restart (SQLite): the same request shows the earlier run, nothing new starts', async () => {
    const stack = new RunningProcess(process.execPath, [STACK, '--exit-after-job'], {
      env: stackEnv(),
      cwd: ROOT,
    });
    const finished = await stack.finished();
    expectExit(finished, 0);
    const { stdout } = finished;
    expect(stdout).toContain(
      'request sample-0001 was submitted before: showing that run (offboarding-sample-0001), nothing new started',
    );
    expect(stdout).toContain('request sample-0001: completed (6 leavers, 0 failed)');
    await expectAllPortsFree();
  });

  it('uses an existing server named by TEMPORAL_ADDRESS and starts no dev server', async () => {
    const requestFile = path.join(dataDir, 'request.json');
    const requestId = `e2e-${randomUUID()}`;
    fs.writeFileSync(
      requestFile,
      JSON.stringify({ requestId, leavers: [{ wpsUserId: 'wps-1001', authingUserId: 'au-1001' }] }),
    );
    const env = stackEnv({
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
      OFFBOARDING_TASK_QUEUE: `e2e-${randomUUID()}`,
    });
    const stack = new RunningProcess(
      process.execPath,
      [STACK, '--exit-after-job', '--request', requestFile],
      { env, cwd: ROOT },
    );
    const finished = await stack.finished();
    expectExit(finished, 0);
    const { stdout } = finished;
    expect(stdout).toContain(
      `using the Temporal server at ${process.env.TEMPORAL_TEST_ADDRESS ?? ''} (TEMPORAL_ADDRESS); no dev server started`,
    );
    expect(stdout).toContain(`request ${requestId}: completed (1 leavers, 0 failed)`);
    expect(await portIsFree(Number(ports.STACK_TEMPORAL_PORT))).toBe(true);

    // What the server stored is ciphertext: the leaver's ids appear nowhere in the history's bytes.
    const connection = await Connection.connect({ address: process.env.TEMPORAL_TEST_ADDRESS });
    try {
      const history = await new Client({ connection }).workflow
        .getHandle(`offboarding-${requestId}`)
        .fetchHistory();
      const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
      expect(bytes.includes('binary/encrypted')).toBe(true);
      expect(bytes.includes('wps-1001')).toBe(false);
      expect(bytes.includes('au-1001')).toBe(false);
    } finally {
      await connection.close();
    }
  });

  it('serves until Ctrl-C, then stops every process it started', async () => {
    const stack = new RunningProcess(process.execPath, [STACK, '--no-job'], { env: stackEnv(), cwd: ROOT });
    await stack.waitForOutput(/serving; press Ctrl-C to stop everything/);
    const ui = await fetch(`http://127.0.0.1:${ports.STACK_UI_PORT}/`);
    expect(ui.status).toBe(200);
    // The Web UI is pointed at the codec server, which admits the UI's origin and no other.
    const settings = await fetch(`http://127.0.0.1:${ports.STACK_UI_PORT}/api/v1/settings`);
    expect(JSON.stringify(await settings.json())).toContain(`http://127.0.0.1:${ports.STACK_CODEC_PORT}`);
    const preflight = (origin: string): Promise<Response> =>
      fetch(`http://127.0.0.1:${ports.STACK_CODEC_PORT}/decode`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
      });
    expect(
      (await preflight(`http://localhost:${ports.STACK_UI_PORT}`)).headers.get('access-control-allow-origin'),
    ).toBe(`http://localhost:${ports.STACK_UI_PORT}`);
    expect((await preflight('http://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    stack.child.kill('SIGINT');
    const finished = await stack.finished(60_000);
    expectExit(finished, 0);
    const { stdout } = finished;
    expect(stdout).toContain('stopped every process it started');
    await expectAllPortsFree();
  });

  it('says which port is taken instead of starting half a stack', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(Number(ports.WPS_SIM_PORT), '127.0.0.1', resolve));
    try {
      const stack = new RunningProcess(process.execPath, [STACK, '--exit-after-job'], {
        env: stackEnv(),
        cwd: ROOT,
      });
      const finished = await stack.finished();
      expectExit(finished, 1);
      expect(finished.stderr).toContain(`port ${ports.WPS_SIM_PORT} (WPS 365 simulator) is already in use`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    for (const [name, port] of Object.entries(ports)) {
      if (name !== 'WPS_SIM_PORT') expect(await portIsFree(Number(port))).toBe(true);
    }
  });
});
