import fs from 'node:fs';
import type { DevServer } from '../../scripts/lib/dev-server';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __OFFBOARDING_DEV_SERVER__?: DevServer }).__OFFBOARDING_DEV_SERVER__;
  await server?.stop();
  const dir = process.env.OFFBOARDING_TEST_DIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
