import type { Progress } from '../../workflows/messages';
import type { OutcomeCounts, System } from '../../workflows/outcome';

/** Renderings of a run's `progress` query: one line for `watch`, a block for `status`. Pure. */

const SYSTEM_NAMES: Record<System, string> = { wps: 'WPS 365', authing: 'Authing' };

export function formatCounts(counts: OutcomeCounts): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${status} ${n}`);
  return parts.length > 0 ? parts.join(', ') : 'nothing yet';
}

export function progressBar(done: number, total: number, width = 24): string {
  const share = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(share * 100)).padStart(3)}%`;
}

/** What the run is waiting for, when it waits. */
function waitingFor(p: Progress): string | undefined {
  switch (p.phase) {
    case 'validating':
      return 'validating the request';
    case 'receiving':
      return `receiving leavers: ${p.leaversReceived} of ${p.leavers}`;
    case 'scheduled':
      return `scheduled for ${p.nextWakeUp ?? p.effectiveAt ?? '?'}`;
    case 'awaiting_approval':
      return (
        `waiting for approval (${p.leavers} leavers, threshold ${p.approval.threshold}): ` +
        `offboard approve ${p.requestId} --by NAME`
      );
    case 'needs_attention':
      return p.hold
        ? `needs attention: ${SYSTEM_NAMES[p.hold.system]} ${p.hold.reason}; check them, then ` +
            `offboard continue ${p.requestId} --by NAME --reason TEXT, or offboard cancel ${p.requestId}`
        : 'needs attention';
    default:
      return undefined;
  }
}

/** One line: the phase, a bar over batches, and the counts per system. */
export function progressLine(p: Progress): string {
  const waiting = waitingFor(p);
  if (waiting) return `${p.phase}: ${waiting}`;
  const counts = (['wps', 'authing'] as const).map((s) => `${SYSTEM_NAMES[s]}: ${formatCounts(p.counts[s])}`);
  return (
    `${p.phase} ${progressBar(p.batchesDone, p.batchesTotal)} ${p.batchesDone}/${p.batchesTotal} batches, ` +
    `${p.leavers} leavers | ${counts.join(' | ')}`
  );
}

/** Several lines, for `status`. */
export function progressBlock(p: Progress): string[] {
  const lines = [
    `  phase      ${p.phase}${p.cancelReason !== undefined ? ` (cancel requested: ${p.cancelReason})` : ''}`,
    `  leavers    ${p.leavers}${p.leaversReceived < p.leavers ? ` (${p.leaversReceived} received so far)` : ''}`,
    `  batches    ${p.batchesDone} of ${p.batchesTotal} done`,
    `  WPS 365    ${formatCounts(p.counts.wps)}`,
    `  Authing    ${formatCounts(p.counts.authing)}`,
  ];
  if (p.effectiveAt !== undefined) lines.push(`  effective  ${p.effectiveAt}`);
  if (p.canary) {
    const gate = (s: System): string => {
      const g = p.canary?.[s];
      return `${SYSTEM_NAMES[s]} ${g?.state ?? '?'}${g?.reason !== undefined ? ` (${g.reason})` : ''}`;
    };
    lines.push(`  canary     ${gate('wps')}; ${gate('authing')}`);
  }
  if (p.hold) {
    lines.push(
      `  held       ${SYSTEM_NAMES[p.hold.system]}: ${p.hold.reason} (${p.hold.endpoint})`,
      `             ids not found: ${p.hold.userIds.join(', ')}`,
      `             vendor request ids: ${p.hold.vendorRequestIds.join(', ') || 'none given'}`,
      `             decide: offboard continue ${p.requestId} --by NAME --reason TEXT, or offboard cancel ${p.requestId}`,
    );
  }
  if (p.remainingLeavers !== undefined) {
    lines.push(
      `  remaining  ${p.remainingLeavers} leavers' access not cut` +
        (p.nextRetry !== undefined
          ? `; next automatic retry ${p.nextRetry}`
          : '; no automatic retry (not transient)'),
      `             deadline ${p.deadline ?? '?'}: then the run ends Failed`,
      `             decide: fix the cause, offboard retry ${p.requestId}; or offboard waive ${p.requestId} --by NAME --reason TEXT`,
    );
  }
  for (const w of p.waivers ?? [])
    lines.push(`  waived     ${w.leavers} leavers, by ${w.by} at ${w.at}: ${w.reason}`);
  for (const a of p.notFoundAccepted ?? []) {
    lines.push(`  accepted   ${SYSTEM_NAMES[a.system]} not_found, by ${a.by} at ${a.at}: ${a.reason}`);
  }
  if (p.approval.required) {
    lines.push(
      p.approval.approvedBy !== undefined
        ? `  approval   given by ${p.approval.approvedBy}${p.approval.approvedAt ? ` at ${p.approval.approvedAt}` : ''}`
        : `  approval   required (${p.leavers} leavers > threshold ${p.approval.threshold}); not given yet`,
    );
  }
  const waiting = waitingFor(p);
  if (waiting) lines.push(`  waiting    ${waiting}`);
  return lines;
}
