import fs from 'node:fs';
import path from 'node:path';
import type { AblationResult } from './ablation';
import type { Machine } from './machine';
import type { BenchOptions, ScenarioResult } from './scenarios/types';

/** The results file: everything measured, for the record and for comparing runs. */
export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  argv: string[];
  options: BenchOptions;
  machine: Machine;
  /** Load averages when the bench finished. */
  loadAverageAfter: number[];
  scenarios: ScenarioResult[];
  /** `--ablate`: the runs with each layer off, instead of the scenarios' targets. */
  ablation?: AblationResult;
  summary: { figures: number; withTarget: number; passed: number; missed: number; errors: number };
}

export function summarise(scenarios: readonly ScenarioResult[]): BenchResults['summary'] {
  const figures = scenarios.flatMap((s) => s.figures);
  const targeted = figures.filter((f) => f.pass !== undefined);
  return {
    figures: figures.length,
    withTarget: targeted.length,
    passed: targeted.filter((f) => f.pass).length,
    missed: targeted.filter((f) => !f.pass).length,
    errors: scenarios.filter((s) => s.error !== undefined).length,
  };
}

/** Writes `file` (default `<dir>/results-<timestamp>.json`) and `<dir>/latest.json`; returns both paths. */
export function writeResults(results: BenchResults, dir: string, file?: string): string[] {
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  const target = path.resolve(file ?? path.join(dir, `results-${stamp}.json`));
  const latest = path.resolve(dir, 'latest.json');
  const json = `${JSON.stringify(results, null, 2)}\n`;
  for (const out of [target, latest]) {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, json);
  }
  return target === latest ? [latest] : [target, latest];
}
