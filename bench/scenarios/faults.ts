import { figure } from '../figures';
import { throughputSpec } from './throughput';
import { measure, timingFigures, type MeasureSpec } from './measure';
import type { BenchOptions, Scenario, ScenarioContext, ScenarioResult } from './types';

/**
 * 4. Fault overhead: the throughput request with 20% of vendor calls answered 5xx and 5% answered
 * 429 (Retry-After 1 s). Its time is compared with the same request fault-free (the throughput
 * scenario's run when it ran with the same settings, else a fault-free run of its own), and every
 * leaver's final outcome is checked against the simulators' directories.
 */

export const SERVER_ERROR_RATE = 0.2;
export const THROTTLE_RATE = 0.05;

/** The run this scenario measures with faults (the ablation's too). */
export function faultsSpec(options: BenchOptions): MeasureSpec {
  const spec = throughputSpec(options);
  return {
    ...spec,
    name: 'faults',
    faults: {
      ...spec.faults,
      serverErrorRate: SERVER_ERROR_RATE,
      throttleRate: THROTTLE_RATE,
      retryAfterSeconds: 1,
    },
  };
}

export const faultOverhead: Scenario = {
  name: 'faults',
  title: '4. Fault overhead',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options } = context;
    const spec = faultsSpec(options);
    const { leavers, concurrency, faults } = spec;
    let faultFreeMs: number;
    let faultFreeFrom: string;
    const reference = context.faultFree;
    if (reference && reference.leavers === leavers && reference.concurrency === concurrency) {
      faultFreeMs = reference.wallMs;
      faultFreeFrom = 'the throughput scenario';
    } else {
      faultFreeMs = (await measure(context, { ...throughputSpec(options), name: 'faults-reference' })).wallMs;
      faultFreeFrom = 'a fault-free run of this scenario';
    }
    const m = await measure(context, spec);
    return {
      name: this.name,
      title: this.title,
      settings: { leavers, concurrency, faults, faultFreeFrom },
      figures: [
        figure('wallMs', 'wall time with faults', m.wallMs, 'ms'),
        figure('faultFreeMs', 'wall time fault-free', faultFreeMs, 'ms', undefined, faultFreeFrom),
        figure('overhead', 'with faults ÷ fault-free', m.wallMs / faultFreeMs, 'ratio', {
          op: '<=',
          value: 2,
        }),
        figure(
          'serverErrors',
          '5xx answered',
          m.sims.wps.serverErrors + m.sims.authing.serverErrors,
          'count',
        ),
        figure('throttled', '429s answered', m.sims.wps.throttled + m.sims.authing.throttled, 'count'),
        ...timingFigures('', '', m, options.latencyMs),
        figure(
          'correct',
          'leavers with a correct final outcome',
          m.check.correct / m.check.leavers,
          'share',
          {
            op: '>=',
            value: 1,
          },
          m.check.examples.length > 0 ? m.check.examples.join('; ') : undefined,
        ),
      ],
      details: { run: m },
    };
  },
};
