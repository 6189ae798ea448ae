import fs from 'node:fs';
import type { AuthingUserRecord } from './authing/server';
import type { WpsUserRecord } from './wps/server';

/** The simulators' starting directories: read from a seed file, or generated. */
export interface SeedDirectory {
  wps: WpsUserRecord[];
  authing: AuthingUserRecord[];
}

export function loadSeedDirectory(file: string): SeedDirectory {
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<SeedDirectory>;
  if (!Array.isArray(parsed.wps) || !Array.isArray(parsed.authing)) {
    throw new Error(`${file}: a seed directory needs "wps" and "authing" arrays`);
  }
  return { wps: parsed.wps, authing: parsed.authing };
}

/**
 * `count` people present in both systems as `wps-<n>` and `au-<n>`; every `disabledEvery`-th one is
 * already disabled in WPS and resigned in Authing (0: none).
 */
export function generateDirectory(count: number, disabledEvery = 0): SeedDirectory {
  const wps: WpsUserRecord[] = [];
  const authing: AuthingUserRecord[] = [];
  for (let n = 1; n <= count; n++) {
    const gone = disabledEvery > 0 && n % disabledEvery === 0;
    wps.push({ id: `wps-${n}`, status: gone ? 'disabled' : 'active' });
    authing.push({
      userId: `au-${n}`,
      status: gone ? 'Resigned' : 'Activated',
      externalId: `E${n}`,
      email: `user${n}@example.com`,
    });
  }
  return { wps, authing };
}
