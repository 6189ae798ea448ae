import { z } from 'zod';
import { port, readEnv, secret, wholeNumber } from '../config/env';
import { authingSimulatorOptionsFromEnv } from './authing/options-from-env';
import { AuthingSimulator } from './authing/server';
import { generateDirectory, loadSeedDirectory } from './directory';
import { wpsSimulatorOptionsFromEnv } from './wps/options-from-env';
import { WpsSimulator } from './wps/server';

/**
 * Runs both vendor simulators until SIGINT/SIGTERM. They accept the same credential variables as the
 * worker (WPS_APP_ID, WPS_APP_KEY[_FILE], AUTHING_*), because they play the vendors those credentials
 * are for.
 */
const SIMULATORS_ENV = z.object({
  WPS_APP_ID: z.string(),
  WPS_APP_KEY: secret(),
  AUTHING_USERPOOL_ID: z.string(),
  AUTHING_ACCESS_KEY_ID: z.string(),
  AUTHING_ACCESS_KEY_SECRET: secret(),
  SIM_HOST: z.string().default('127.0.0.1'),
  WPS_SIM_PORT: port().default(8701),
  AUTHING_SIM_PORT: port().default(8702),
  // A seed file, or a generated directory of this many users.
  SIM_DIRECTORY_FILE: z.string().optional(),
  SIM_GENERATE_USERS: wholeNumber(0).default(1000),
});

async function main(): Promise<void> {
  const env = readEnv(SIMULATORS_ENV);
  const directory = env.SIM_DIRECTORY_FILE
    ? loadSeedDirectory(env.SIM_DIRECTORY_FILE)
    : generateDirectory(env.SIM_GENERATE_USERS, 10);
  const wps = new WpsSimulator({
    appId: env.WPS_APP_ID,
    appKey: env.WPS_APP_KEY.reveal(),
    users: directory.wps,
    ...wpsSimulatorOptionsFromEnv(process.env),
  });
  const authing = new AuthingSimulator({
    userPoolId: env.AUTHING_USERPOOL_ID,
    accessKeyId: env.AUTHING_ACCESS_KEY_ID,
    accessKeySecret: env.AUTHING_ACCESS_KEY_SECRET.reveal(),
    users: directory.authing,
    ...authingSimulatorOptionsFromEnv(process.env),
  });
  const wpsListening = await wps.start(env.WPS_SIM_PORT, env.SIM_HOST);
  const authingListening = await authing.start(env.AUTHING_SIM_PORT, env.SIM_HOST);
  console.log(
    `simulators: WPS 365 at ${wpsListening.url} (${wps.users.size} users), Authing at ${authingListening.url} (${authing.users.size} users)`,
  );
  const stop = (): void => {
    void Promise.all([wpsListening.close(), authingListening.close()]).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('simulators: failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
