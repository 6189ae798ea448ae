import type { FaultSettings } from '../../simulators/faults';
import type { Figure } from '../figures';
import type { BenchStack } from '../stack';

/** What every scenario is given, and what it gives back. */

export interface BenchOptions {
  /** Multiplies every scenario's leaver count. */
  scale: number;
  /** RunOptions.concurrency of the measured runs (the product's default is 4). */
  concurrency: number;
  /** Vendor calls per second the simulators allow in the rate-limit scenario (R). */
  rateLimit: number;
  /** A second throughput run at this concurrency for the speed-up target; 0 skips it. */
  speedupConcurrency: number;
  /** Leavers the naive script is timed on (scaled to the request); 0: all of them. */
  naiveSample: number;
  /** Simulated latency of every vendor call, ms. */
  latencyMs: number;
  runTimeoutMs: number;
  /** Worker processes on one task queue in the rate-limit scenario. */
  workers: number;
}

/** A fault-free throughput run that the fault scenario can compare itself with. */
export interface FaultFreeReference {
  leavers: number;
  concurrency: number;
  wallMs: number;
}

export interface ScenarioContext {
  stack: BenchStack;
  options: BenchOptions;
  /** Unique per bench invocation, so request ids never collide. */
  tag: string;
  say: (line: string) => void;
  faultFree?: FaultFreeReference;
}

export interface ScenarioResult {
  name: string;
  title: string;
  /** What the scenario ran with: leavers, concurrency, faults… */
  settings: Record<string, unknown>;
  figures: Figure[];
  /** Raw measurements behind the figures (simulator counters, history sizes…). */
  details: Record<string, unknown>;
  error?: string;
}

export interface Scenario {
  name: string;
  title: string;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}

export type Faults = Partial<FaultSettings>;
