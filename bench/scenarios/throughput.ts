import { figure, type Figure } from '../figures';
import { benchRequest } from '../leavers';
import { runNaive } from '../naive';
import { runSequential } from '../sequential';
import { measure, timingFigures, totalCalls, type Measurement, type MeasureSpec } from './measure';
import type { BenchOptions, Scenario, ScenarioContext, ScenarioResult } from './types';

/**
 * 1. Throughput: 10,000 leavers (200 batches per system), every vendor call 50 ms, no faults.
 * Measured against the ideal for the concurrency (calls × latency ÷ concurrency), against the naive
 * script (one signed call per leaver and system, one at a time: the target's "sequential script"),
 * and, for information, against a loop making our own batched calls one at a time (what concurrency
 * alone buys: at most about c×).
 */

export const THROUGHPUT_LEAVERS = 10_000;

/** The run this scenario measures (the fault scenario's and the ablation's too). */
export function throughputSpec(options: BenchOptions): MeasureSpec {
  return {
    name: 'throughput',
    leavers: Math.max(1, Math.round(THROUGHPUT_LEAVERS * options.scale)),
    concurrency: options.concurrency,
    faults: { latencyMs: options.latencyMs },
  };
}

export function idealMs(m: Measurement, latencyMs: number): number {
  return (totalCalls(m.sims) * latencyMs) / m.concurrency;
}

function runFigures(
  prefix: string,
  label: string,
  m: Measurement,
  latencyMs: number,
  naiveMs: number,
  sequentialMs: number,
): Figure[] {
  const ideal = idealMs(m, latencyMs);
  return [
    figure(`${prefix}wallMs`, `wall time${label}`, m.wallMs, 'ms'),
    figure(`${prefix}calls`, `vendor calls${label}`, totalCalls(m.sims), 'count'),
    figure(
      `${prefix}idealMs`,
      `ideal time${label} (calls × ${latencyMs} ms ÷ ${m.concurrency})`,
      ideal,
      'ms',
    ),
    figure(`${prefix}measuredOverIdeal`, `measured ÷ ideal${label}`, m.wallMs / ideal, 'ratio', {
      op: '<=',
      value: 1.3,
    }),
    figure(`${prefix}speedup`, `speed-up over the naive script${label}`, naiveMs / m.wallMs, 'ratio', {
      op: '>=',
      value: 10,
    }),
    figure(
      `${prefix}speedupOverBatchedLoop`,
      `speed-up over our batched calls one at a time${label}`,
      sequentialMs / m.wallMs,
      'ratio',
    ),
    ...timingFigures(prefix, label, m, latencyMs),
    figure(
      `${prefix}correct`,
      `leavers with a correct outcome${label}`,
      m.check.correct / m.check.leavers,
      'share',
      {
        op: '>=',
        value: 1,
      },
    ),
  ];
}

export const throughput: Scenario = {
  name: 'throughput',
  title: '1. Throughput (no faults)',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options, stack, say } = context;
    const spec = throughputSpec(options);
    const { leavers, faults } = spec;
    const main = await measure(context, spec);
    context.faultFree = { leavers, concurrency: options.concurrency, wallMs: main.wallMs };

    const high = options.speedupConcurrency;
    const second =
      high > 0 && high !== options.concurrency
        ? await measure(context, { name: `throughput-c${high}`, leavers, concurrency: high, faults })
        : undefined;

    if (!stack.sims) throw new Error('the bench stack is not started');
    await stack.sims.reset(leavers, faults);
    say(`throughput: the sequential loop over ${leavers.toLocaleString('en-US')} leavers`);
    const sequential = await runSequential(
      { wpsUrl: stack.sims.wpsUrl, authingUrl: stack.sims.authingUrl, credentials: stack.credentials },
      benchRequest('sequential', leavers),
    );
    say(`throughput: sequential loop done in ${(sequential.wallMs / 1000).toFixed(2)} s`);
    await stack.sims.reset(leavers, faults);
    const naive = await runNaive(
      { wpsUrl: stack.sims.wpsUrl, authingUrl: stack.sims.authingUrl, credentials: stack.credentials },
      benchRequest('naive', leavers),
      options.naiveSample,
    );
    say(
      `throughput: naive script over ${naive.sampled} leavers in ${(naive.sampleMs / 1000).toFixed(2)} s; ` +
        `${(naive.estimatedMs / 1000).toFixed(1)} s for all ${leavers.toLocaleString('en-US')}`,
    );

    const figures = [
      ...runFigures('', '', main, options.latencyMs, naive.estimatedMs, sequential.wallMs),
      figure(
        'naiveMs',
        naive.sampled < leavers
          ? `naive script wall time (timed on ${naive.sampled} leavers, scaled to ${leavers})`
          : 'naive script wall time',
        naive.estimatedMs,
        'ms',
      ),
      figure('sequentialMs', 'our batched calls one at a time, wall time', sequential.wallMs, 'ms'),
      ...(second
        ? runFigures(
            `c${high}.`,
            ` at concurrency ${high}`,
            second,
            options.latencyMs,
            naive.estimatedMs,
            sequential.wallMs,
          )
        : []),
    ];
    return {
      name: this.name,
      title: this.title,
      settings: {
        leavers,
        batches: Math.ceil(leavers / 50),
        concurrency: options.concurrency,
        ...(second ? { speedupConcurrency: high } : {}),
        faults,
      },
      figures,
      details: {
        run: main,
        ...(second ? { highConcurrencyRun: second } : {}),
        sequential,
        naive,
      },
    };
  },
};
