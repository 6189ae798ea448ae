import { MAX_CONCURRENCY } from '../workflows/options';
import { ABLATION_SCENARIOS, DEFAULT_ABLATION_SCENARIOS, LAYER_NAMES, type LayerName } from './ablation';
import { ALIASES, SCENARIOS } from './scenarios';
import type { BenchOptions } from './scenarios/types';

/** More would only measure this machine's cores: each worker bundles the workflows and runs them. */
const MAX_WORKERS = 8;

/** `npm run bench -- [options]`. */
export const USAGE = `usage: npm run bench -- [options]
  --scenarios LIST           comma-separated: ${SCENARIOS.map((s) => s.name).join(', ')} (default: all)
  --scale N                  multiplies every leaver count (default 1; e.g. 0.1 for a quick run)
  --concurrency N            the runs' concurrency, 1 to ${MAX_CONCURRENCY} (default 4, the product's default)
  --speedup-concurrency N    a second throughput run at concurrency N, for comparison; 0: none (default 0)
  --naive-sample N           leavers the naive script is timed on, scaled to the request; 0: all (default 200)
  --rate R                   calls per second each simulator allows in the rate-limit scenario (default 30)
  --latency-ms N             added to every simulated vendor call (default 50)
  --workers N                worker processes on the task queue in the rate-limit scenario, 1 to ${MAX_WORKERS}
                             (default 1)
  --run-timeout-minutes N    give up on a run after this long (default 60)
  --out FILE                 where the results JSON goes (default .data/bench/results-<timestamp>.json)
  --keep                     keep the temporary directory (SQLite file, logs) afterwards
  --ablate                   instead of the targets: each scenario's run, then again with each retry layer
                             or throttle switched off in turn (scenarios: ${ABLATION_SCENARIOS.join(', ')};
                             default ${DEFAULT_ABLATION_SCENARIOS.join(', ')})
  --ablation LIST            the same for some layers: ${LAYER_NAMES.join(', ')}
  --help`;

export interface BenchArgs {
  scenarios: string[];
  options: BenchOptions;
  out: string | undefined;
  keep: boolean;
  help: boolean;
  /** `--ablate` / `--ablation`: the layers switched off in turn; unset: the scenarios' targets. */
  ablation?: LayerName[];
}

export class UsageError extends Error {}

function number(name: string, raw: string | undefined, min: number, max: number, integer: boolean): number {
  const value = Number(raw);
  if (
    raw === undefined ||
    raw === '' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw new UsageError(
      `${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got ${String(raw)}`,
    );
  }
  return value;
}

export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = {
    scenarios: SCENARIOS.map((s) => s.name),
    options: {
      scale: 1,
      concurrency: 4,
      rateLimit: 30,
      speedupConcurrency: 0,
      naiveSample: 200,
      latencyMs: 50,
      runTimeoutMs: 60 * 60_000,
      workers: 1,
    },
    out: undefined,
    keep: false,
    help: false,
  };
  let scenariosGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--scenarios': {
        const names = (value() ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        scenariosGiven = true;
        const known = SCENARIOS.map((s) => s.name);
        args.scenarios = names.map((n) => ALIASES[n] ?? n);
        const unknown = args.scenarios.filter((n) => !known.includes(n));
        if (names.length === 0 || unknown.length > 0)
          throw new UsageError(
            `--scenarios takes some of ${known.join(', ')}; got ${names.join(',') || 'nothing'}`,
          );
        break;
      }
      case '--scale':
        args.options.scale = number('--scale', value(), 0.0001, 10, false);
        break;
      case '--concurrency':
        args.options.concurrency = number('--concurrency', value(), 1, MAX_CONCURRENCY, true);
        break;
      case '--speedup-concurrency':
        args.options.speedupConcurrency = number('--speedup-concurrency', value(), 0, MAX_CONCURRENCY, true);
        break;
      case '--naive-sample':
        args.options.naiveSample = number('--naive-sample', value(), 0, 1_000_000, true);
        break;
      case '--rate':
        args.options.rateLimit = number('--rate', value(), 1, 10_000, true);
        break;
      case '--latency-ms':
        args.options.latencyMs = number('--latency-ms', value(), 1, 10_000, true);
        break;
      case '--workers':
        args.options.workers = number('--workers', value(), 1, MAX_WORKERS, true);
        break;
      case '--run-timeout-minutes':
        args.options.runTimeoutMs = number('--run-timeout-minutes', value(), 1, 24 * 60, false) * 60_000;
        break;
      case '--out': {
        const out = value();
        if (!out) throw new UsageError('--out needs a file name');
        args.out = out;
        break;
      }
      case '--ablate':
        args.ablation = [...LAYER_NAMES];
        break;
      case '--ablation': {
        const names = (value() ?? '').split(',').map((s) => s.trim());
        const unknown = names.filter((n) => !LAYER_NAMES.some((l) => l === n));
        if (unknown.length > 0)
          throw new UsageError(`--ablation takes some of ${LAYER_NAMES.join(', ')}; got ${names.join(',')}`);
        args.ablation = LAYER_NAMES.filter((l) => names.includes(l));
        break;
      }
      case '--keep':
        args.keep = true;
        break;
      case '--help':
      case '-h':
        args.help = true;
        break;
      default:
        throw new UsageError(`unknown argument ${arg}`);
    }
  }
  if (args.ablation && !scenariosGiven) args.scenarios = [...DEFAULT_ABLATION_SCENARIOS];
  const notAblated = args.scenarios.filter((n) => !ABLATION_SCENARIOS.includes(n));
  if (args.ablation && notAblated.length > 0)
    throw new UsageError(`the ablation runs ${ABLATION_SCENARIOS.join(', ')}; not ${notAblated.join(', ')}`);
  // Run in the canonical order whatever order they were named in.
  args.scenarios = SCENARIOS.map((s) => s.name).filter((n) => args.scenarios.includes(n));
  return args;
}
