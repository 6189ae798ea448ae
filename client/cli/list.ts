import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
// Not re-exported from the package's index; the SDK decodes search attributes with it too.
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { optionalTsToDate } from '@temporalio/common/lib/time';
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

type RawExecution = temporal.api.workflow.v1.IWorkflowExecutionInfo;

/** The status as the SDK names it elsewhere in the CLI (`CANCELLED`), not as the proto spells it. */
function statusName(code: RawExecution['status']): string {
  const name = (temporal.api.enums.v1.WorkflowExecutionStatus[code ?? 0] ?? '').replace(
    'WORKFLOW_EXECUTION_STATUS_',
    '',
  );
  if (name === 'CANCELED') return 'CANCELLED';
  return name === '' ? 'UNKNOWN' : name;
}

/**
 * A run from its visibility record, read raw: only the search attributes (never encrypted) and the
 * execution's own fields. The SDK's `workflow.list` decodes every run's memo too, so one run whose
 * memo this client cannot decode (encrypted under a key it does not hold) would fail the whole list.
 */
function listed(raw: RawExecution, uiBaseUrl: string, namespace: string): ListedRun {
  const attributes = decodeTypedSearchAttributes(raw.searchAttributes?.indexedFields);
  const workflowId = raw.execution?.workflowId ?? '';
  return {
    requestId: attributes.get(REQUEST_ID) ?? null,
    workflowId,
    status: statusName(raw.status),
    phase: attributes.get(PHASE) ?? null,
    leavers: attributes.get(LEAVER_COUNT) ?? null,
    failedLeavers: attributes.get(FAILED_COUNT) ?? null,
    startTime: optionalTsToDate(raw.startTime)?.toISOString() ?? '',
    closeTime: optionalTsToDate(raw.closeTime)?.toISOString() ?? null,
    uiUrl: runUrl(uiBaseUrl, namespace, workflowId),
  };
}

/** Up to `limit` runs matching `query`, page by page. */
async function listRuns(
  client: Client,
  namespace: string,
  query: string,
  limit: number,
  uiBaseUrl: string,
): Promise<ListedRun[]> {
  const found: ListedRun[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({
      namespace,
      query,
      pageSize: Math.min(limit, 1000),
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    for (const raw of page.executions) {
      found.push(listed(raw, uiBaseUrl, namespace));
      if (found.length >= limit) return found;
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return found;
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
    const runs = await ctx.bounded((client, { namespace }) =>
      listRuns(client, namespace, query, limit, ctx.uiBaseUrl),
    );
    ctx.out.result(runs.length === 0 ? 'no runs match' : table(runs), { query, runs });
    return EXIT.ok;
  },
};
