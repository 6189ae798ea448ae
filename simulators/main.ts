import { authingSimulatorOptionsFromEnv } from './authing/options-from-env';
import { AuthingSimulator } from './authing/server';
import { generateDirectory, loadSeedDirectory } from './directory';
import { wpsSimulatorOptionsFromEnv } from './wps/options-from-env';
import { WpsSimulator } from './wps/server';

/**
 * Runs both vendor simulators until SIGINT/SIGTERM. They accept the same credential variables as the
 * worker (WPS_APP_ID, WPS_APP_KEY, AUTHING_*), because they play the vendors those credentials are for.
 *   WPS_SIM_PORT (8701), AUTHING_SIM_PORT (8702), SIM_HOST (127.0.0.1),
 *   SIM_DIRECTORY_FILE (a seed file) or SIM_GENERATE_USERS (a count; default 1000).
 */
function need(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`simulators: ${name} is not set`);
    process.exit(1);
  }
  return value;
}

async function main(): Promise<void> {
  const host = process.env.SIM_HOST ?? '127.0.0.1';
  const seedFile = process.env.SIM_DIRECTORY_FILE;
  const directory = seedFile
    ? loadSeedDirectory(seedFile)
    : generateDirectory(Number(process.env.SIM_GENERATE_USERS ?? 1000), 10);
  const wps = new WpsSimulator({
    appId: need('WPS_APP_ID'),
    appKey: need('WPS_APP_KEY'),
    users: directory.wps,
    ...wpsSimulatorOptionsFromEnv(process.env),
  });
  const authing = new AuthingSimulator({
    userPoolId: need('AUTHING_USERPOOL_ID'),
    accessKeyId: need('AUTHING_ACCESS_KEY_ID'),
    accessKeySecret: need('AUTHING_ACCESS_KEY_SECRET'),
    users: directory.authing,
    ...authingSimulatorOptionsFromEnv(process.env),
  });
  const wpsListening = await wps.start(Number(process.env.WPS_SIM_PORT ?? 8701), host);
  const authingListening = await authing.start(Number(process.env.AUTHING_SIM_PORT ?? 8702), host);
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
