import path from 'node:path';
import os from 'node:os';
import { PROJECT_ROOT } from '../scripts/lib/temporal-cli';
import { formatAblation, runAblation, type AblationResult } from './ablation';
import { parseArgs, UsageError, USAGE } from './args';
import { describeMachine, formatMachine } from './machine';
import { summarise, writeResults, type BenchResults } from './output';
import { SCENARIOS } from './scenarios';
import type { ScenarioContext, ScenarioResult } from './scenarios/types';
import { BenchStack } from './stack';
import { formatTable } from './table';

/**
 * `npm run bench`: starts its own Temporal dev server, simulators and worker, runs the scenarios of
 * issue 8 (throughput, rate limit, scale, fault overhead), prints a table of figures against their
 * targets and writes them as JSON to .data/bench/. See docs/benchmarks.md.
 */

const say = (line: string): void => console.log(`[bench] ${line}`);

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }

  const startedAt = new Date();
  const machine = describeMachine();
  say(`machine: ${formatMachine(machine)}`);
  say(
    `scenarios: ${args.scenarios.join(', ')}; scale ${args.options.scale}; concurrency ${args.options.concurrency}` +
      (args.ablation ? `; switched off in turn: ${args.ablation.join(', ')}` : ''),
  );

  const stack = new BenchStack(PROJECT_ROOT);
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    say(`${signal}: stopping every process the bench started...`);
    void stack.close(args.keep).finally(() => process.exit(130));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, onSignal);
  // A gRPC retry timer may still fire while the stack is being stopped; anything else is a bug, and
  // still must not leave processes behind.
  process.on('uncaughtException', (err) => {
    if (stack.closing) return;
    console.error(`[bench] failed: ${err.stack ?? err.message}`);
    void stack.close(args.keep).finally(() => process.exit(1));
  });

  const results: ScenarioResult[] = [];
  let ablation: AblationResult | undefined;
  try {
    await stack.start(say);
    const context: ScenarioContext = {
      stack,
      options: args.options,
      tag: startedAt.toISOString().replace(/\D/g, '').slice(0, 14),
      say,
    };
    if (args.ablation) ablation = await runAblation(context, args.scenarios, args.ablation);
    const scenarios = args.ablation ? [] : SCENARIOS.filter((s) => args.scenarios.includes(s.name));
    for (const scenario of scenarios) {
      say(`--- ${scenario.title}`);
      try {
        results.push(await scenario.run(context));
      } catch (err) {
        if (interrupted) break;
        const message = err instanceof Error ? err.message : String(err);
        say(`${scenario.name} failed: ${message}`);
        console.error(stack.logTails());
        results.push({
          name: scenario.name,
          title: scenario.title,
          settings: {},
          figures: [],
          details: {},
          error: message,
        });
        // A worker left behind by a failed run would compete with the next scenario.
        await stack.stopWorkers().catch(() => undefined);
      }
    }
  } finally {
    if (!interrupted) {
      if (args.keep) say(`keeping ${stack.dir}`);
      await stack.close(args.keep);
    }
  }
  if (interrupted) return 130;

  const output: BenchResults = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    argv: process.argv.slice(2),
    options: args.options,
    machine,
    loadAverageAfter: os.loadavg().map((n) => Math.round(n * 100) / 100),
    scenarios: results,
    ...(ablation ? { ablation } : {}),
    summary: summarise(results),
  };
  console.log('');
  console.log(`machine: ${formatMachine(machine)}`);
  console.log(
    `options: scale ${args.options.scale}, concurrency ${args.options.concurrency}, latency ${args.options.latencyMs} ms, workers ${args.options.workers}`,
  );
  const { passed, withTarget } = output.summary;
  const errors = output.summary.errors + (ablation?.cells.filter((c) => c.error !== undefined).length ?? 0);
  if (ablation) {
    console.log(formatAblation(ablation));
    if (errors > 0) console.log(`\n${errors} run(s) failed to run`);
  } else {
    console.log(formatTable(results));
    console.log(
      `\n${passed} of ${withTarget} targets met${errors > 0 ? `; ${errors} scenario(s) failed to run` : ''}`,
    );
  }
  for (const file of writeResults(output, path.join(PROJECT_ROOT, '.data', 'bench'), args.out)) {
    console.log(`results: ${path.relative(process.cwd(), file) || file}`);
  }
  return errors > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
