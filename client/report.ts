import type { LeaverOutcome, SystemOutcome } from '../workflows/outcome';
import type { CompleteResult, OffboardingResult } from '../workflows/result';
import { toCsv } from './csv';

/** Human-readable renderings of a run's result, for the CLI and the local stack. */

function cell(outcome: SystemOutcome): string {
  if (outcome.status !== 'failed') return outcome.status;
  return `failed${outcome.waived ? ', waived' : ''} (${outcome.code ?? '?'}${outcome.vendorRequestId ? `, request ${outcome.vendorRequestId}` : ''})`;
}

/** One line: `request X: completed (6 leavers, 0 failed)`. */
export function formatHeadline(result: OffboardingResult): string {
  const notFound = result.totals.wps.not_found + result.totals.authing.not_found;
  const extra = [
    notFound > 0
      ? `${notFound} ${notFound === 1 ? 'id' : 'ids'} not found (listed apart: not done)`
      : undefined,
    ...(result.notFoundAccepted ?? []).map(
      (a) => `${a.system === 'wps' ? 'WPS 365' : 'Authing'} not_found accepted by ${a.by}: ${a.reason}`,
    ),
    ...(result.waivers ?? []).map((w) => `${w.leavers} waived by ${w.by}: ${w.reason}`),
    result.cancelReason !== undefined ? `cancelled: ${result.cancelReason}` : undefined,
    result.approvedBy !== undefined ? `approved by ${result.approvedBy}` : undefined,
  ].filter((s) => s !== undefined);
  return (
    `request ${result.requestId}: ${result.status} (${result.leavers} leavers, ${result.failedLeavers} failed)` +
    (extra.length > 0 ? `; ${extra.join('; ')}` : '')
  );
}

/** `totals:` and a line per system with its non-zero counts. */
export function formatTotals(result: OffboardingResult): string {
  const totals = (['wps', 'authing'] as const).map((system) => {
    const counts = Object.entries(result.totals[system])
      .filter(([, n]) => n > 0)
      .map(([status, n]) => `${status} ${n}`)
      .join(', ');
    return `  ${system === 'wps' ? 'WPS 365' : 'Authing'}: ${counts || 'nothing'}`;
  });
  return ['totals:', ...totals].join('\n');
}

/** The headline and the totals, without a line per leaver (a run can have 100,000 of them). */
export function formatSummary(result: OffboardingResult): string {
  return `${formatHeadline(result)}\n${formatTotals(result)}`;
}

/**
 * The headline, a table with a row per leaver, and the totals. A result without its outcomes (a
 * large run keeps them in its chunk runs; `resultOf` joins them) shows the totals only.
 */
export function formatResult(result: CompleteResult): string {
  if (!result.outcomes) {
    return `${formatSummary(result)}\n(per-leaver outcomes: offboard result ${result.requestId})`;
  }
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
  return [
    formatHeadline(result),
    line(header),
    ...rows.map(line),
    formatTotals(result),
    ...formatNotFound(result.outcomes),
  ].join('\n');
}

/**
 * The ids a vendor did not know, apart from the table: nobody may read them as done. Each may be a
 * wrong id in the request (the person may still have access under another).
 */
export function formatNotFound(outcomes: readonly LeaverOutcome[]): string[] {
  const rows = outcomes.flatMap((o) =>
    (['wps', 'authing'] as const).flatMap((system) => {
      const id = system === 'wps' ? o.wpsUserId : o.authingUserId;
      return o[system].status === 'not_found'
        ? [
            `  ${o.employeeId ?? '-'}  ${system === 'wps' ? 'WPS 365' : 'Authing'} ${id ?? '-'}` +
              (o[system].vendorRequestId !== undefined ? ` (request ${o[system].vendorRequestId})` : ''),
          ]
        : [];
    }),
  );
  return rows.length > 0
    ? ['not found (not done: check these ids; the person may still have access under another id):', ...rows]
    : [];
}

export const RESULT_CSV_COLUMNS = [
  'employeeId',
  'wpsUserId',
  'wpsOutcome',
  'wpsCode',
  'wpsMessage',
  'wpsVendorRequestId',
  'authingUserId',
  'authingOutcome',
  'authingCode',
  'authingMessage',
  'authingVendorRequestId',
] as const;

/** Every leaver's outcome as CSV, one line each, for a spreadsheet or an HR system's import. */
export function resultCsv(outcomes: readonly LeaverOutcome[]): string {
  const system = (o: SystemOutcome): string[] => [
    o.waived ? 'failed, waived' : o.status,
    o.code ?? '',
    o.message ?? '',
    o.vendorRequestId ?? '',
  ];
  return toCsv([
    RESULT_CSV_COLUMNS,
    ...outcomes.map((o) => [
      o.employeeId ?? '',
      o.wpsUserId ?? '',
      ...system(o.wps),
      o.authingUserId ?? '',
      ...system(o.authing),
    ]),
  ]);
}
