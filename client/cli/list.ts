import type { WorkflowExecutionInfo } from '@temporalio/client';
import { FAILED_COUNT, LEAVER_COUNT, PHASE, REQUEST_ID } from '../../workflows/search-attributes';
import { runUrl } from '../offboarding';
import { stringOption, flag } from './arguments';
import type { Command } from './command';
import { EXIT } from './exit-codes';
import { usage } from './failure';
import { listQuery } from './list-query';
import { PHASES } from '../../workflows/messages';

interface ListedRun {
  requestId: string | null;
  workflowId: string;
  status: string;
  phase: string | null;
  leavers: number | null;
  failedLeavers: number | null;
  startTime: string;
  closeTime: string | null;
  uiUrl: string;
}

function listed(info: WorkflowExecutionInfo, uiBaseUrl: string, namespace: string): ListedRun {
  const attributes = info.typedSearchAttributes;
  return {
    requestId: attributes.get(REQUEST_ID) ?? null,
    workflowId: info.workflowId,
    status: info.status.name,
    phase: attributes.get(PHASE) ?? null,
    leavers: attributes.get(LEAVER_COUNT) ?? null,
    failedLeavers: attributes.get(FAILED_COUNT) ?? null,
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString() ?? null,
    uiUrl: runUrl(uiBaseUrl, namespace, info.workflowId),
  };
}

function table(runs: ListedRun[]): string {
  const header = ['requestId', 'phase', 'leavers', 'failed', 'started'];
  const rows = runs.map((r) => [
    r.requestId ?? r.workflowId,
    r.phase ?? r.status.toLowerCase(),
    String(r.leavers ?? '-'),
    String(r.failedLeavers ?? '-'),
    r.startTime,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows]
    .map((cells) =>
      cells
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export const listCommand: Command = {
  name: 'list',
  summary: 'runs, filtered by phase, failures and start date',
  help: `Usage: offboard list [--phase PHASE] [--failed] [--since WHEN] [--until WHEN] [--limit N]

Lists offboarding runs from Temporal's visibility store (the search attributes OffboardingPhase,
OffboardingFailedCount, OffboardingLeaverCount, OffboardingRequestId): open runs first, then
the most recently closed (the server's order). Visibility
lags a run's state by about a second.

Options:
  --phase PHASE   ${PHASES.join(', ')}
  --failed        only runs with at least one failed leaver
  --since WHEN    started at or after: a date (2026-11-30, midnight UTC) or a time with an offset
  --until WHEN    started before: a time, or a date (that whole day, UTC, included)
  --limit N       at most N runs (default 50)`,
  options: {
    phase: { type: 'string' },
    failed: { type: 'boolean' },
    since: { type: 'string' },
    until: { type: 'string' },
    limit: { type: 'string' },
  },
  maxPositionals: 0,
  async run(ctx, input) {
    const query = listQuery({
      phase: stringOption(input.values, 'phase'),
      failed: flag(input.values, 'failed'),
      since: stringOption(input.values, 'since'),
      until: stringOption(input.values, 'until'),
    });
    const rawLimit = stringOption(input.values, 'limit') ?? '50';
    const limit = Number(rawLimit);
    if (!/^\d+$/.test(rawLimit) || limit < 1)
      throw usage(`--limit must be a whole number above 0; got "${rawLimit}"`);
    const runs = await ctx.bounded(async (client, { namespace }) => {
      const found: ListedRun[] = [];
      for await (const info of client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
        found.push(listed(info, ctx.uiBaseUrl, namespace));
        if (found.length >= limit) break;
      }
      return found;
    });
    ctx.out.result(runs.length === 0 ? 'no runs match' : table(runs), { query, runs });
    return EXIT.ok;
  },
};
