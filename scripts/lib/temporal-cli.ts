import { execFileSync } from 'node:child_process';
import path from 'node:path';

const twoUp = path.resolve(__dirname, '..', '..');
/** The repository root, whether this runs from source (ts-jest) or from dist/. */
export const PROJECT_ROOT = path.basename(twoUp) === 'dist' ? path.dirname(twoUp) : twoUp;

/** Runs scripts/ensure-temporal.sh (which may build the CLI) and returns the binary's path. */
export function ensureTemporalCli(): string {
  const script = path.join(PROJECT_ROOT, 'scripts', 'ensure-temporal.sh');
  const out = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const binary = out.trim().split('\n').pop();
  if (!binary) throw new Error('scripts/ensure-temporal.sh printed no path');
  return binary;
}
