import { formatTarget, formatValue } from './figures';
import type { ScenarioResult } from './scenarios/types';

/** The results as a plain-text table: each figure next to its target and pass/miss. */
export function formatTable(results: readonly ScenarioResult[]): string {
  const rows: string[][] = [['scenario', 'figure', 'value', 'target', 'result']];
  for (const r of results) {
    if (r.error !== undefined) {
      rows.push([r.title, 'FAILED TO RUN', r.error.split('\n')[0] ?? '', '', 'error']);
      continue;
    }
    r.figures.forEach((f, i) => {
      rows.push([
        i === 0 ? r.title : '',
        f.label,
        formatValue(f.value, f.unit),
        formatTarget(f.target, f.unit),
        f.pass === undefined ? '' : f.pass ? 'pass' : 'MISS',
      ]);
    });
  }
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((row) => [...(row[col] ?? '')].length))) ?? [];
  const line = (row: string[]): string =>
    row
      .map((cell, col) => cell + ' '.repeat(Math.max(0, (widths[col] ?? 0) - [...cell].length)))
      .join('  ')
      .trimEnd();
  const [header, ...body] = rows;
  return [line(header ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
