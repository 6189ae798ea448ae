import type { CompleteResult } from '../workflows/result';
import type { SystemOutcome } from '../workflows/outcome';

/** Human-readable renderings of a run's result, for the CLI and the local stack. */

function cell(outcome: SystemOutcome): string {
  if (outcome.status !== 'failed') return outcome.status;
  return `failed (${outcome.code ?? '?'}${outcome.vendorRequestId ? `, request ${outcome.vendorRequestId}` : ''})`;
}

export function formatResult(result: CompleteResult): string {
  const rows = result.outcomes.map((o) => [
    o.employeeId ?? '-',
    o.wpsUserId ?? '-',
    cell(o.wps),
    o.authingUserId ?? '-',
    cell(o.authing),
  ]);
  const header = ['employee', 'WPS user', 'WPS outcome', 'Authing user', 'Authing outcome'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const totals = (['wps', 'authing'] as const).map((system) => {
    const counts = Object.entries(result.totals[system])
      .filter(([, n]) => n > 0)
      .map(([status, n]) => `${status} ${n}`)
      .join(', ');
    return `  ${system === 'wps' ? 'WPS 365' : 'Authing'}: ${counts || 'nothing'}`;
  });
  return [
    `request ${result.requestId}: ${result.status} (${result.outcomes.length} leavers, ${result.failedLeavers} failed)`,
    line(header),
    ...rows.map(line),
    'totals:',
    ...totals,
  ].join('\n');
}
