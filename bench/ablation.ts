import type { WorkerSwitch } from './ablated-worker';
import { formatValue } from './figures';
import { faultsSpec } from './scenarios/faults';
import { measure, totalCalls, type Measurement, type MeasureSpec } from './scenarios/measure';
import { achievedOverLimit, MAX_THROTTLED_SHARE, MIN_ACHIEVED, rateLimitSpec } from './scenarios/rate-limit';
import { throughputSpec } from './scenarios/throughput';
import type { BenchOptions, ScenarioContext } from './scenarios/types';

/**
 * `npm run bench -- --ablate`: what each retry layer and each throttle still buys on its own
 * (issue 19). Per scenario, its run as the bench makes it (the baseline), then the same run with one
 * layer switched off, for each layer that has something to act on there; every figure against the
 * baseline. docs/benchmarks.md, "Ablation".
 */

export type LayerName = WorkerSwitch | 'pacer';

interface Layer {
  name: LayerName;
  /** Whether the layer has anything to act on in this run. */
  acts: (spec: MeasureSpec) => boolean;
  /** The run with the layer off. */
  off: (spec: MeasureSpec) => MeasureSpec;
}

/** Calls fail transiently in this run: something for a retry layer to do. */
const failing = (s: MeasureSpec): boolean =>
  (s.faults.serverErrorRate ?? 0) > 0 ||
  (s.faults.throttleRate ?? 0) > 0 ||
  (s.faults.rateLimitPerSecond ?? 0) > 0;
const inWorker =
  (name: WorkerSwitch) =>
  (spec: MeasureSpec): MeasureSpec => ({ ...spec, ablate: name });

/** In the order of docs/benchmarks.md, "Who retries what, who limits what". */
export const LAYERS: readonly Layer[] = [
  { name: 'client-retry', acts: failing, off: inWorker('client-retry') },
  // A 429 is the client's to wait out: the rounds act on an action's 5xx only.
  { name: 'action-rounds', acts: (s) => (s.faults.serverErrorRate ?? 0) > 0, off: inWorker('action-rounds') },
  { name: 'activity-retry', acts: failing, off: inWorker('activity-retry') },
  { name: 'batch-split', acts: (s) => s.refused !== undefined, off: inWorker('batch-split') },
  {
    name: 'pacer',
    acts: (s) => s.callsPerSecond !== undefined,
    off: ({ callsPerSecond: _off, ...spec }) => spec,
  },
  // Not in splitting's probe: its two batches never have more calls going than slots.
  { name: 'call-slots', acts: (s) => s.refused === undefined, off: inWorker('call-slots') },
];

export const LAYER_NAMES = LAYERS.map((l) => l.name);
/** The scenarios an ablation can run, and those it runs unless told (where the layers act most). */
export const ABLATION_SCENARIOS = ['throughput', 'rate-limit', 'faults'];
export const DEFAULT_ABLATION_SCENARIOS = ['rate-limit', 'faults'];
/**
 * Every run of an ablation ends this long after its work began at the latest (the run option
 * `deadlineMs`, its minimum): a run with leavers not cut would otherwise wait days for an operator.
 * A run with none ends when its batches do, as without it.
 */
const DEADLINE_MS = 10_000;
/** Splitting's probe: two batches, one leaver (not the first of its batch, the canary) refused by both vendors. */
const PROBE_LEAVERS = 100;
const PROBE_REFUSED = 75;

function specsOf(
  scenarios: readonly string[],
  options: BenchOptions,
  layers: readonly LayerName[],
): MeasureSpec[] {
  const make: Record<string, (o: BenchOptions) => MeasureSpec> = {
    throughput: throughputSpec,
    'rate-limit': rateLimitSpec,
    faults: faultsSpec,
  };
  const specs = scenarios.flatMap((name) => (make[name] ? [make[name](options)] : []));
  if (layers.includes('batch-split')) {
    specs.push({
      name: 'refused-id',
      leavers: PROBE_LEAVERS,
      concurrency: options.concurrency,
      faults: { latencyMs: options.latencyMs },
      refused: PROBE_REFUSED,
    });
  }
  return specs.map((s) => ({ ...s, deadlineMs: DEADLINE_MS }));
}

/** One run's key figures. */
export interface AblationCell {
  scenario: string;
  /** Worker processes, where more than one. */
  workers?: number;
  /** `baseline`: every layer on. */
  layer: LayerName | 'baseline';
  wallMs?: number;
  /** Vendor calls the simulators recorded (token calls included). */
  calls?: number;
  /** 429s answered, both vendors. */
  throttled?: number;
  /** The rate-limit scenario: the slower vendor's accepted calls per second ÷ R. */
  achievedOverLimit?: number;
  /** Vendor calls in flight at once, most (the run's concurrency bounds it). */
  inFlightPeak?: number;
  concurrency?: number;
  /** Leavers whose access is not cut at the end, or whose outcome is wrong (splitting's refused one aside). */
  notCut?: number;
  status?: string;
  /** The scenarios' targets this run misses (those of its own figures: not the time ratios). */
  missed?: string[];
  /** Against the baseline of the same scenario, in %. */
  change?: { wallPct?: number; callsPct?: number; achievedPct?: number };
  error?: string;
}

export interface AblationResult {
  /** Who retries what and who limits what: docs/benchmarks.md, "Ablation". */
  layers: LayerName[];
  deadlineMs: number;
  cells: AblationCell[];
}

const workersOf = (workers: number): Pick<AblationCell, 'workers'> => (workers > 1 ? { workers } : {});

function cellOf(spec: MeasureSpec, layer: AblationCell['layer'], m: Measurement): AblationCell {
  const r = spec.faults.rateLimitPerSecond;
  const achieved = r ? achievedOverLimit(m.sims, r) : undefined;
  const calls = totalCalls(m.sims);
  const throttled = m.sims.wps.throttled + m.sims.authing.throttled;
  const notCut = m.check.leavers - m.check.correct;
  const missed = [
    ...(r && (achieved ?? 0) < MIN_ACHIEVED ? ['achieved ÷ R'] : []),
    ...(r && throttled > MAX_THROTTLED_SHARE * calls ? ['429s'] : []),
    // A run's call slots are per worker process.
    ...(m.sims.inFlight.peak > m.concurrency * m.workers ? ['in flight'] : []),
    ...(notCut > 0 ? ['leavers correct'] : []),
  ];
  return {
    scenario: spec.name,
    ...workersOf(m.workers),
    layer,
    wallMs: m.wallMs,
    calls,
    throttled,
    ...(achieved !== undefined ? { achievedOverLimit: achieved } : {}),
    inFlightPeak: m.sims.inFlight.peak,
    concurrency: m.concurrency,
    notCut,
    status: m.status,
    missed,
  };
}

const pct = (value: number | undefined, base: number | undefined): number | undefined =>
  value === undefined || base === undefined || base === 0 ? undefined : (value / base - 1) * 100;

export async function runAblation(
  context: ScenarioContext,
  scenarios: readonly string[],
  layerNames: readonly LayerName[],
): Promise<AblationResult> {
  const layers = LAYERS.filter((l) => layerNames.includes(l.name));
  const cells: AblationCell[] = [];
  const run = async (spec: MeasureSpec, layer: AblationCell['layer']): Promise<AblationCell> => {
    const workers = spec.workers ?? 1;
    // Unique per run: it names the request.
    const name = `${spec.name}-${layer}${workers > 1 ? `-${workers}-workers` : ''}`;
    const what = layer === 'baseline' ? 'every layer on' : `${layer} off`;
    context.say(`--- ablation: ${spec.name}, ${what}${workers > 1 ? `, ${workers} workers` : ''}`);
    try {
      return cellOf(spec, layer, await measure(context, { ...spec, name }));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      context.say(`${name} failed: ${message}`);
      console.error(context.stack.logTails());
      // A worker left behind by a failed run would compete with the next one.
      await context.stack.stopWorkers().catch(() => undefined);
      return { scenario: spec.name, ...workersOf(workers), layer, error: message };
    }
  };
  for (const spec of specsOf(scenarios, context.options, layerNames)) {
    // One baseline per count of worker processes, measured before the first run it is for.
    const baselines = new Map<number, AblationCell>();
    const baseline = async (workers: number): Promise<AblationCell> => {
      const known = baselines.get(workers);
      if (known) return known;
      const cell = await run({ ...spec, workers }, 'baseline');
      baselines.set(workers, cell);
      cells.push(cell);
      return cell;
    };
    await baseline(spec.workers ?? 1);
    for (const layer of layers.filter((l) => l.acts(spec))) {
      const workers = spec.workers ?? 1;
      const base = await baseline(workers);
      const cell = await run(layer.off({ ...spec, workers }), layer.name);
      if (cell.error === undefined && base.error === undefined) {
        cell.change = {
          wallPct: pct(cell.wallMs, base.wallMs),
          callsPct: pct(cell.calls, base.calls),
          achievedPct: pct(cell.achievedOverLimit, base.achievedOverLimit),
        };
      }
      cells.push(cell);
    }
  }
  return { layers: layers.map((l) => l.name), deadlineMs: DEADLINE_MS, cells };
}

/** The cells as a markdown table (docs/benchmarks.md, "Ablation"): one row per run. */
export function formatAblation(result: AblationResult): string {
  const signed = (p: number | undefined): string =>
    p === undefined ? '' : `${p >= 0 ? '+' : '−'}${Math.abs(p).toFixed(1)}%`;
  const count = (n: number | undefined): string => (n === undefined ? '' : formatValue(n, 'count'));
  const header = [
    'layer off',
    'scenario',
    'wall time',
    'Δ time',
    'calls',
    'Δ calls',
    'achieved ÷ R',
    'Δ rate',
    '429s',
    'in flight, most',
    'leavers not cut',
    'targets missed',
  ];
  const scenario = (c: AblationCell): string =>
    c.workers ? `${c.scenario}, ${c.workers} workers` : c.scenario;
  const rows = result.cells.map((c) =>
    c.error !== undefined
      ? [c.layer, scenario(c), `failed to run: ${c.error.split('\n')[0] ?? ''}`, ...Array<string>(9).fill('')]
      : [
          c.layer === 'baseline' ? '— (baseline)' : c.layer,
          scenario(c),
          c.wallMs === undefined ? '' : formatValue(c.wallMs, 'ms'),
          signed(c.change?.wallPct),
          count(c.calls),
          signed(c.change?.callsPct),
          c.achievedOverLimit === undefined ? '' : c.achievedOverLimit.toFixed(2),
          signed(c.change?.achievedPct),
          count(c.throttled),
          c.inFlightPeak === undefined
            ? ''
            : `${c.inFlightPeak} (of ${c.concurrency ?? '?'}${c.workers ? ` × ${c.workers}` : ''})`,
          count(c.notCut),
          c.missed?.join(', ') || 'none',
        ],
  );
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
