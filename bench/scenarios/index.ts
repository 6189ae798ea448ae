import { faultOverhead } from './faults';
import { rateLimit } from './rate-limit';
import { scale } from './scale';
import { throughput } from './throughput';
import type { Scenario } from './types';

/** Every scenario, in the order they run (the fault scenario reuses the throughput run's time). */
export const SCENARIOS: readonly Scenario[] = [throughput, rateLimit, scale, faultOverhead];

/** Other names accepted by --scenarios. */
export const ALIASES: Record<string, string> = { 'fault-overhead': 'faults', ratelimit: 'rate-limit' };
