import { figure } from '../figures';
import { measure } from './measure';
import type { Scenario, ScenarioContext, ScenarioResult } from './types';

/**
 * 3. Scale: 100,000 leavers (100 chunk runs of 1,000). Does it complete, and stay within Temporal's
 * limits and a modest worker: the largest history of any run (the parent and every chunk), the
 * largest payload in any of them, the worker's peak resident memory.
 */

export const SCALE_LEAVERS = 100_000;
/** The target: "RSS under 512 MB", read strictly as 512 × 10^6 bytes (488.3 MiB), not 512 MiB. */
export const RSS_LIMIT_BYTES = 512_000_000;

export const scale: Scenario = {
  name: 'scale',
  title: '3. Scale',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options } = context;
    const leavers = Math.max(1, Math.round(SCALE_LEAVERS * options.scale));
    const faults = { latencyMs: options.latencyMs };
    const m = await measure(context, { name: 'scale', leavers, concurrency: options.concurrency, faults });
    const h = m.history;
    return {
      name: this.name,
      title: this.title,
      settings: { leavers, concurrency: options.concurrency, faults },
      figures: [
        figure('wallMs', 'wall time', m.wallMs, 'ms'),
        figure('completed', 'completed, every leaver correct', m.check.correct / m.check.leavers, 'share', {
          op: '>=',
          value: 1,
        }),
        figure('runs', 'runs (parent and chunks)', h.runs, 'count'),
        figure(
          'largestEvents',
          'largest history, events',
          h.largestEvents.value,
          'count',
          { op: '<=', value: 10_240 },
          h.largestEvents.workflowId,
        ),
        figure(
          'largestBytes',
          'largest history, bytes',
          h.largestBytes.value,
          'bytes',
          undefined,
          h.largestBytes.workflowId,
        ),
        figure(
          'largestPayload',
          'largest payload',
          h.largestPayload.value,
          'bytes',
          { op: '<=', value: 512 * 1024 },
          `${h.largestPayload.where ?? ''} in ${h.largestPayload.workflowId}`,
        ),
        figure('peakRss', 'worker peak RSS (512 MB = 488.3 MiB)', m.peakRssBytes, 'bytes', {
          op: '<=',
          value: RSS_LIMIT_BYTES,
        }),
      ],
      details: { run: m },
    };
  },
};
