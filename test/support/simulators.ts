import { randomBytes } from 'node:crypto';
import { Secret } from '../../activities/shared/secret';
import { WpsClient, type WpsClientOptions } from '../../activities/wps/client';
import { AuthingSimulator, type AuthingSimulatorOptions } from '../../simulators/authing/server';
import type { SeedDirectory } from '../../simulators/directory';
import type { Listening } from '../../simulators/http';
import { WpsSimulator, type WpsSimulatorOptions, type WpsUserRecord } from '../../simulators/wps/server';
import type { WorkerConfig } from '../../worker/config';

/** Both simulators on loopback with made-up credentials, and a worker configuration that matches. */
export interface RunningSimulators {
  wps: WpsSimulator;
  authing: AuthingSimulator;
  wpsUrl: string;
  authingUrl: string;
  credentials: {
    wpsAppId: string;
    wpsAppKey: string;
    userPoolId: string;
    accessKeyId: string;
    accessKeySecret: string;
  };
  workerConfig(taskQueue: string): WorkerConfig;
  /** A WPS client with the simulator's credentials; `extra` overrides any option. */
  wpsClient(extra?: Partial<WpsClientOptions>): WpsClient;
  close(): Promise<void>;
}

export async function startSimulators(
  directory: SeedDirectory,
  options: { wps?: Partial<WpsSimulatorOptions>; authing?: Partial<AuthingSimulatorOptions> } = {},
): Promise<RunningSimulators> {
  const credentials = {
    wpsAppId: 'AK-TEST-APP',
    wpsAppKey: `wps-key-${randomBytes(12).toString('hex')}`,
    userPoolId: 'test-pool',
    accessKeyId: 'test-pool',
    accessKeySecret: `authing-secret-${randomBytes(12).toString('hex')}`,
  };
  const wps = new WpsSimulator({
    appId: credentials.wpsAppId,
    appKey: credentials.wpsAppKey,
    users: directory.wps,
    ...options.wps,
  });
  const authing = new AuthingSimulator({
    userPoolId: credentials.userPoolId,
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    users: directory.authing,
    ...options.authing,
  });
  const servers: Listening[] = [await wps.start(), await authing.start()];
  const [wpsServer, authingServer] = servers as [Listening, Listening];
  return {
    wps,
    authing,
    wpsUrl: wpsServer.url,
    authingUrl: authingServer.url,
    credentials,
    workerConfig: (taskQueue) => ({
      taskQueue,
      wps: { baseUrl: wpsServer.url, appId: credentials.wpsAppId, appKey: new Secret(credentials.wpsAppKey) },
      authing: {
        baseUrl: authingServer.url,
        userPoolId: credentials.userPoolId,
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: new Secret(credentials.accessKeySecret),
      },
      maxConcurrentActivities: 20,
    }),
    wpsClient: (extra = {}) =>
      new WpsClient({
        baseUrl: wpsServer.url,
        appId: credentials.wpsAppId,
        appKey: new Secret(credentials.wpsAppKey),
        ...extra,
      }),
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}

/**
 * For a test file of the WPS connector: `start` runs fresh simulators over a copy of `users` (no
 * Authing users), with the WPS simulator's `options`; they are closed after each test.
 */
export function wpsSimulatorPerTest(
  users: readonly WpsUserRecord[],
): (options?: Partial<WpsSimulatorOptions>) => Promise<RunningSimulators> {
  let sims: RunningSimulators | undefined;
  afterEach(async () => {
    await sims?.close();
    sims = undefined;
  });
  // Closing twice is harmless, so a test may close its simulators early.
  return async (options = {}) => {
    sims = await startSimulators({ wps: users.map((u) => ({ ...u })), authing: [] }, { wps: options });
    return sims;
  };
}
