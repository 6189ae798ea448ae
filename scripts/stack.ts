import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connectClient } from '../client/connection';
import { completeResult, startOffboarding } from '../client/offboarding';
import { formatResult } from '../client/report';
import type { OffboardingRequest } from '../workflows/request';
import { startDevServer, type DevServer } from './lib/dev-server';
import {
  isRunning,
  spawnLogged,
  tail,
  waitUntilLogged,
  waitUntilServing,
  type ManagedProcess,
} from './lib/processes';
import { portIsFree } from './lib/ports';
import { ensureTemporalCli, PROJECT_ROOT } from './lib/temporal-cli';
import { makeWorkerCurrent, WORKER_STARTED } from './lib/worker-version';
import { generateKeyLine } from '../codec/keys';

/**
 * The local stack behind `npm start`: the Temporal dev server (state in .data/temporal.db), both
 * vendor simulators, the worker; then the sample request, its result, and serving until Ctrl-C.
 *
 *   --request FILE    the request to run (default examples/sample-request.json)
 *   --no-job          start everything, run nothing
 *   --exit-after-job  stop everything once the job has finished (used by the end-to-end test)
 */

const DATA_DIR = path.resolve(process.env.STACK_DATA_DIR ?? path.join(PROJECT_ROOT, '.data'));
const TEMPORAL_PORT = Number(process.env.STACK_TEMPORAL_PORT ?? 7233);
const UI_PORT = Number(process.env.STACK_UI_PORT ?? 8233);
const WPS_SIM_PORT = Number(process.env.WPS_SIM_PORT ?? 8701);
const AUTHING_SIM_PORT = Number(process.env.AUTHING_SIM_PORT ?? 8702);
const CODEC_PORT = Number(process.env.STACK_CODEC_PORT ?? 8888);
const JOB_TIMEOUT_MS = Number(process.env.STACK_JOB_TIMEOUT_MS ?? 5 * 60_000);

function stackArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        request: { type: 'string' },
        'no-job': { type: 'boolean', default: false },
        'exit-after-job': { type: 'boolean', default: false },
      },
    }).values;
  } catch (err) {
    const message = (err as Error).message.split('. ')[0] ?? '';
    throw new Error(`${message}; use --request FILE, --no-job or --exit-after-job`);
  }
}

async function requireFreePort(port: number, what: string, variable: string): Promise<void> {
  if (!(await portIsFree(port))) {
    throw new Error(
      `port ${port} (${what}) is already in use: is another stack running? Stop it, or set ${variable}.`,
    );
  }
}

const say = (line: string): void => console.log(`[stack] ${line}`);

/** Runs a compiled entry point of this project (under dist/), its output in DATA_DIR/<name>.log. */
function spawnEntryPoint(name: string, entry: string, env: NodeJS.ProcessEnv): ManagedProcess {
  const script = path.join(PROJECT_ROOT, 'dist', ...entry.split('/'));
  return spawnLogged(name, process.execPath, [script], env, path.join(DATA_DIR, `${name}.log`));
}

async function main(): Promise<void> {
  const args = stackArgs(process.argv.slice(2));
  const requestFile = path.resolve(
    args.request ?? path.join(PROJECT_ROOT, 'examples', 'sample-request.json'),
  );
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const processes: ManagedProcess[] = [];
  let devServer: DevServer | undefined;
  let stopping = false;

  const shutdown = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      say('stopping...');
      for (const p of [...processes].reverse()) await p.stop();
      if (devServer) await devServer.stop();
      say('stopped every process it started');
    }
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  try {
    // 0. Personal data at rest: payloads are encrypted unless the operator configured keys already.
    // A development key is made once per data directory, so runs recorded there stay readable.
    const codecEnv: NodeJS.ProcessEnv = {};
    if (!process.env.PAYLOAD_CODEC_KEYS && !process.env.PAYLOAD_CODEC_KEYS_FILE) {
      const keyFile = path.join(DATA_DIR, 'payload-codec-keys');
      if (!fs.existsSync(keyFile))
        fs.writeFileSync(keyFile, `${generateKeyLine('local-dev')}\n`, { mode: 0o600 });
      codecEnv.PAYLOAD_CODEC_KEYS_FILE = keyFile;
      // The stack's own client (the main job) reads process.env.
      process.env.PAYLOAD_CODEC_KEYS_FILE = keyFile;
    }
    await requireFreePort(CODEC_PORT, 'codec server', 'STACK_CODEC_PORT');
    const codecUrl = `http://127.0.0.1:${CODEC_PORT}`;
    const codecServer = spawnEntryPoint('codec-server', 'codec/server-main.js', {
      ...process.env,
      ...codecEnv,
      CODEC_SERVER_HOST: '127.0.0.1',
      CODEC_SERVER_PORT: String(CODEC_PORT),
      // The dev server's Web UI has no login to pass on; loopback callers are trusted instead.
      CODEC_SERVER_ALLOW_UNAUTHENTICATED_LOOPBACK: 'true',
      CODEC_CORS_ORIGINS: `http://localhost:${UI_PORT},http://127.0.0.1:${UI_PORT}`,
    });
    processes.push(codecServer);
    await waitUntilServing(`${codecUrl}/healthz`, codecServer.child, 'the codec server');

    // 1. Temporal: an existing server when TEMPORAL_ADDRESS says so, else the dev server.
    const env: NodeJS.ProcessEnv = { ...process.env, ...codecEnv };
    let uiBaseUrl = process.env.TEMPORAL_UI_URL ?? 'http://localhost:8233';
    if (process.env.TEMPORAL_ADDRESS) {
      say(
        `using the Temporal server at ${process.env.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS); no dev server started`,
      );
    } else {
      await requireFreePort(TEMPORAL_PORT, 'Temporal gRPC', 'STACK_TEMPORAL_PORT or TEMPORAL_ADDRESS');
      await requireFreePort(UI_PORT, 'Temporal Web UI', 'STACK_UI_PORT');
      const binary = ensureTemporalCli();
      say(`starting the Temporal dev server (${binary}); state in ${path.join(DATA_DIR, 'temporal.db')}`);
      devServer = await startDevServer({
        binary,
        port: TEMPORAL_PORT,
        uiPort: UI_PORT,
        dbFile: path.join(DATA_DIR, 'temporal.db'),
        logFile: path.join(DATA_DIR, 'temporal.log'),
        uiCodecEndpoint: codecUrl,
      });
      env.TEMPORAL_ADDRESS = devServer.address;
      env.TEMPORAL_NAMESPACE = 'default';
      uiBaseUrl = devServer.uiUrl ?? uiBaseUrl;
      process.env.TEMPORAL_ADDRESS = devServer.address;
    }
    // The worker's notifications link to this Web UI.
    env.TEMPORAL_UI_URL = uiBaseUrl;

    // 2. Simulators for every vendor not configured for real (WPS_BASE_URL / AUTHING_BASE_URL unset).
    // Their credentials are made up per run, so none is ever written down.
    const simulateWps = !process.env.WPS_BASE_URL;
    const simulateAuthing = !process.env.AUTHING_BASE_URL;
    if (simulateWps || simulateAuthing) {
      const simEnv: NodeJS.ProcessEnv = {
        ...process.env,
        WPS_SIM_PORT: String(WPS_SIM_PORT),
        AUTHING_SIM_PORT: String(AUTHING_SIM_PORT),
      };
      simEnv.SIM_DIRECTORY_FILE ??= path.join(PROJECT_ROOT, 'examples', 'sample-directory.json');
      const local = {
        WPS_APP_ID: 'AK-LOCAL-SIMULATOR',
        WPS_APP_KEY: randomBytes(24).toString('hex'),
        AUTHING_USERPOOL_ID: 'local-simulator-pool',
        AUTHING_ACCESS_KEY_ID: 'local-simulator-pool',
        AUTHING_ACCESS_KEY_SECRET: randomBytes(24).toString('hex'),
      };
      Object.assign(simEnv, local);
      // A NAME_FILE from this shell beside the made-up NAME would be "not both" (config/env.ts).
      for (const name of Object.keys(local)) delete simEnv[`${name}_FILE`];
      if (simulateWps) {
        await requireFreePort(WPS_SIM_PORT, 'WPS 365 simulator', 'WPS_SIM_PORT');
        Object.assign(env, {
          WPS_BASE_URL: `http://127.0.0.1:${WPS_SIM_PORT}`,
          WPS_APP_ID: local.WPS_APP_ID,
          WPS_APP_KEY: local.WPS_APP_KEY,
        });
        delete env.WPS_APP_KEY_FILE;
      }
      if (simulateAuthing) {
        await requireFreePort(AUTHING_SIM_PORT, 'Authing simulator', 'AUTHING_SIM_PORT');
        Object.assign(env, {
          AUTHING_BASE_URL: `http://127.0.0.1:${AUTHING_SIM_PORT}`,
          AUTHING_USERPOOL_ID: local.AUTHING_USERPOOL_ID,
          AUTHING_ACCESS_KEY_ID: local.AUTHING_ACCESS_KEY_ID,
          AUTHING_ACCESS_KEY_SECRET: local.AUTHING_ACCESS_KEY_SECRET,
        });
        delete env.AUTHING_ACCESS_KEY_SECRET_FILE;
      }
      const sims = spawnEntryPoint('simulators', 'simulators/main.js', simEnv);
      processes.push(sims);
      if (simulateWps)
        await waitUntilServing(
          `http://127.0.0.1:${WPS_SIM_PORT}/healthz`,
          sims.child,
          'the WPS 365 simulator',
        );
      if (simulateAuthing)
        await waitUntilServing(
          `http://127.0.0.1:${AUTHING_SIM_PORT}/healthz`,
          sims.child,
          'the Authing simulator',
        );
    }

    // 3. The worker.
    const worker = spawnEntryPoint('worker', 'worker/main.js', env);
    processes.push(worker);
    for (const p of processes) {
      p.child.once('exit', (code, signal) => {
        if (stopping) return;
        console.error(
          `[stack] ${p.name} exited unexpectedly (${signal ?? `code ${String(code)}`}); its log ${p.logFile} ends:\n${tail(p.logFile)}`,
        );
        void shutdown(1);
      });
    }
    // It gets runs once its version is current (docs/operations.md, "Versions and upgrades").
    const started = await waitUntilLogged(worker, WORKER_STARTED, 180_000);
    const version = await makeWorkerCurrent(path.join(PROJECT_ROOT, 'dist'), env, started);

    const taskQueue = env.OFFBOARDING_TASK_QUEUE || 'offboarding';
    say('running:');
    say(
      `  Temporal server  ${env.TEMPORAL_ADDRESS ?? ''}${devServer ? ` (log ${path.join(DATA_DIR, 'temporal.log')})` : ''}`,
    );
    say(`  Web UI           ${uiBaseUrl}`);
    say(`  WPS 365          ${env.WPS_BASE_URL ?? ''}${simulateWps ? ' (simulator)' : ''}`);
    say(`  Authing          ${env.AUTHING_BASE_URL ?? ''}${simulateAuthing ? ' (simulator)' : ''}`);
    say(`  worker           task queue "${taskQueue}" (log ${worker.logFile})`);
    say(`                   ${version}`);
    say(`  codec server     ${codecUrl} (payloads encrypted; log ${codecServer.logFile})`);
    if (codecEnv.PAYLOAD_CODEC_KEYS_FILE)
      say(`  for the CLI      export PAYLOAD_CODEC_KEYS_FILE=${codecEnv.PAYLOAD_CODEC_KEYS_FILE}`);
    // Off the defaults, the CLI and its links must be told where the server and the Web UI are.
    if (devServer && TEMPORAL_PORT !== 7233)
      say(`                   export TEMPORAL_ADDRESS=${env.TEMPORAL_ADDRESS ?? ''}`);
    if (devServer && UI_PORT !== 8233) say(`                   export TEMPORAL_UI_URL=${uiBaseUrl}`);
    if (simulateWps || simulateAuthing) say(`  simulator log    ${path.join(DATA_DIR, 'simulators.log')}`);

    // 4. The main job. Against real vendors, only a request the operator names explicitly.
    const realVendors = !simulateWps || !simulateAuthing;
    if (!args['no-job'] && realVendors && args.request === undefined) {
      say(
        'real vendor endpoints are configured: not running the sample request (pass --request FILE to run one)',
      );
    } else if (!args['no-job']) {
      const request = JSON.parse(fs.readFileSync(requestFile, 'utf8')) as OffboardingRequest;
      const { client, namespace } = await connectClient();
      const run = await startOffboarding(client, request, { taskQueue, namespace, uiBaseUrl });
      say(
        run.existing
          ? `request ${request.requestId} was submitted before: showing that run (${run.workflowId}), nothing new started`
          : `started ${run.workflowId} from ${path.relative(process.cwd(), requestFile)}`,
      );
      say(`  watch it in the Web UI: ${run.uiUrl}`);
      const result = await Promise.race([
        run.handle.result().then((r) => completeResult(client, r)),
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`no result within ${JOB_TIMEOUT_MS / 1000} s; see ${worker.logFile}`)),
            JOB_TIMEOUT_MS,
          ).unref(),
        ),
      ]);
      console.log(formatResult(result));
      await client.connection.close();
    }

    if (args['exit-after-job']) await shutdown(0);
    say('serving; press Ctrl-C to stop everything');
    if (!processes.every((p) => isRunning(p.child))) await shutdown(1);
  } catch (err) {
    console.error(`[stack] failed: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
  }
}

void main();
