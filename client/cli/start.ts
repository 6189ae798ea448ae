import { DEFAULT_APPROVAL_THRESHOLD, DEFAULT_NOT_FOUND_THRESHOLD } from '../../workflows/options';
import { MAX_IDS_PER_CALL } from '../../workflows/request';
import { planBatches, splitLeavers, summarisePlan, type Batch } from '../../workflows/plan';
import { ACCEPTED_AUTHING_USER_ID_TYPES } from '../../workflows/request';
import { startOffboarding, type StartedRun } from '../offboarding';
import { loadRequestFile, type LoadedRequest } from '../request-file';
import { runOptionsFrom } from '../run-options';
import type { RunOptions } from '../../workflows/options';
import { stringOption, flag } from './arguments';
import type { Command, CommandInput } from './command';
import type { CliContext } from './context';
import { EXIT } from './exit-codes';
import { usage } from './failure';
import { followRun } from './follow';

export const RUN_OPTIONS_HELP = `  --batch-size N             ids per vendor call, 1-50 (default: $OFFBOARDING_BATCH_SIZE, else 50)
  --concurrency N            batches in flight at once, 1-32 (default: $OFFBOARDING_CONCURRENCY, else 4)
  --approval-threshold N     more leavers than N wait for \`offboard approve\`
                             (default: $OFFBOARDING_APPROVAL_THRESHOLD, else ${DEFAULT_APPROVAL_THRESHOLD})
  --not-found-threshold S    a share 0-1: more of a system's ids unknown to the vendor than this stops
                             the run for an operator (default: $OFFBOARDING_NOT_FOUND_THRESHOLD, else ${DEFAULT_NOT_FOUND_THRESHOLD})
  --deadline-days N          leavers not cut are retried and wait for \`offboard retry\` or \`waive\` this
                             long, then the run ends Failed (default: $OFFBOARDING_DEADLINE_DAYS, else 3)
  --authing-wait-seconds N   a batch's Authing step goes ahead once its WPS step has failed this long
                             (default: $OFFBOARDING_AUTHING_WAIT_SECONDS, else 120)`;

export const RUN_OPTION_FLAGS = {
  'batch-size': { type: 'string' },
  concurrency: { type: 'string' },
  'approval-threshold': { type: 'string' },
  'not-found-threshold': { type: 'string' },
  'deadline-days': { type: 'string' },
  'authing-wait-seconds': { type: 'string' },
} as const;

export function runOptionsOf(ctx: CliContext, input: CommandInput): RunOptions {
  return runOptionsFrom(
    {
      batchSize: stringOption(input.values, 'batch-size'),
      concurrency: stringOption(input.values, 'concurrency'),
      approvalThreshold: stringOption(input.values, 'approval-threshold'),
      notFoundThreshold: stringOption(input.values, 'not-found-threshold'),
      deadlineDays: stringOption(input.values, 'deadline-days'),
      authingWaitSeconds: stringOption(input.values, 'authing-wait-seconds'),
    },
    ctx.env,
  );
}

/** How `start` reports a started (or existing) run; `what` says what it runs. */
export function reportStarted(ctx: CliContext, run: StartedRun, what: string): void {
  const text = run.existing
    ? `request ${run.requestId} was submitted before: this is its existing run ${run.workflowId}; nothing new started`
    : `started ${run.workflowId} for request ${run.requestId} (${what})`;
  ctx.out.result(`${text}\nWeb UI: ${run.uiUrl}`, {
    requestId: run.requestId,
    workflowId: run.workflowId,
    existing: run.existing,
    uiUrl: run.uiUrl,
  });
}

function batchLine(batch: Batch, lines: readonly number[] | undefined): string {
  const from = batch.first + 1;
  const to = batch.first + batch.leavers.length;
  const fileLines =
    lines !== undefined ? ` (lines ${lines[batch.first] ?? '?'}-${lines[to - 1] ?? '?'})` : '';
  return (
    `  batch ${batch.index + 1}: leavers ${from}-${to}${fileLines}, ` +
    `${batch.wpsUserIds.length} WPS ids, ${batch.authingUserIds.length} Authing ids`
  );
}

function dryRun(ctx: CliContext, loaded: LoadedRequest, runOptions: RunOptions): void {
  const { valid, request } = loaded;
  const batchSize = runOptions.batchSize ?? MAX_IDS_PER_CALL;
  const batches = planBatches(valid.leavers, batchSize);
  const plan = summarisePlan(batches, batchSize);
  const threshold = runOptions.approvalThreshold ?? DEFAULT_APPROVAL_THRESHOLD;
  const approvalRequired = valid.leavers.length > threshold;
  const parts = splitLeavers(request.leavers).length;
  const effectiveAt = request.effectiveAt ?? 'now';
  ctx.out.result(
    [
      `dry run: nothing was started`,
      `request ${valid.requestId}: ${plan.leavers} leavers, effective ${effectiveAt}, Authing ids of type ${valid.authingUserIdType}`,
      `plan: ${plan.batches} batch${plan.batches === 1 ? '' : 'es'} of at most ${plan.batchSize}; ` +
        `${plan.wpsUserIds} WPS ids, ${plan.authingUserIds} Authing ids` +
        (parts > 1 ? `; sent to the workflow in ${parts} parts` : ''),
      approvalRequired
        ? `approval: required (${plan.leavers} leavers > threshold ${threshold}); the run will wait for offboard approve`
        : `approval: not required (threshold ${threshold})`,
      ...batches.map((b) => batchLine(b, loaded.leaverLines)),
    ].join('\n'),
    {
      dryRun: true,
      requestId: valid.requestId,
      effectiveAt: request.effectiveAt ?? null,
      authingUserIdType: valid.authingUserIdType,
      plan,
      approval: { required: approvalRequired, threshold },
      parts,
      batches: batches.map((b) => ({
        index: b.index,
        first: b.first,
        leavers: b.leavers.length,
        wpsUserIds: b.wpsUserIds.length,
        authingUserIds: b.authingUserIds.length,
        ...(loaded.leaverLines
          ? { lines: [loaded.leaverLines[b.first], loaded.leaverLines[b.first + b.leavers.length - 1]] }
          : {}),
      })),
    },
  );
}

export const startCommand: Command = {
  name: 'start',
  summary: 'validate a JSON or CSV request and start its run (idempotent); --dry-run shows the plan',
  help: `Usage: offboard start <file.json|file.csv> [options]

Validates the request locally first (a bad file starts nothing and names the line and field), then
starts its run and prints the run's Web UI link. Starting is idempotent: the same request again
leads to the existing run; the same requestId with other leavers, time or id type is refused.

A JSON file is the whole request: {"requestId", "effectiveAt"?, "authingUserIdType"?, "leavers"}.
A CSV file holds the leavers only, under a header of employeeId, wpsUserId, authingUserId (any
order, any subset with wpsUserId or authingUserId); give the request's fields as flags.

Options:
  --dry-run                  validate and print the batch plan; start nothing (needs no server)
  --wait                     then follow the run like \`watch\` and exit with its outcome
  --request-id ID            CSV only, required: the request's id (its idempotency key)
  --effective-at TIME        CSV only: ISO 8601 with offset, e.g. 2026-11-30T18:00:00+08:00 (default now)
  --authing-user-id-type T   CSV only: ${ACCEPTED_AUTHING_USER_ID_TYPES.join(', ')}
                             (default user_id)
${RUN_OPTIONS_HELP}`,
  options: {
    'dry-run': { type: 'boolean' },
    wait: { type: 'boolean' },
    'request-id': { type: 'string' },
    'effective-at': { type: 'string' },
    'authing-user-id-type': { type: 'string' },
    ...RUN_OPTION_FLAGS,
  },
  maxPositionals: 1,
  async run(ctx, input) {
    const file = input.positionals[0];
    if (file === undefined) throw usage('start needs a request file (see offboard start --help)');
    const fields: Record<string, string> = {};
    const requestId = stringOption(input.values, 'request-id');
    const effectiveAt = stringOption(input.values, 'effective-at');
    const authingUserIdType = stringOption(input.values, 'authing-user-id-type');
    if (requestId !== undefined) fields.requestId = requestId;
    if (effectiveAt !== undefined) fields.effectiveAt = effectiveAt;
    if (authingUserIdType !== undefined) fields.authingUserIdType = authingUserIdType;
    // Everything local is checked before any connection is made.
    const loaded = loadRequestFile(file, fields);
    const runOptions = runOptionsOf(ctx, input);
    if (flag(input.values, 'dry-run')) {
      if (flag(input.values, 'wait'))
        throw usage('--dry-run starts nothing, so there is nothing to --wait for');
      dryRun(ctx, loaded, runOptions);
      return EXIT.ok;
    }
    const parts = splitLeavers(loaded.request.leavers).length;
    const run = await ctx.bounded(
      (client, { namespace }) =>
        startOffboarding(client, loaded.request, {
          taskQueue: ctx.taskQueue,
          namespace,
          uiBaseUrl: ctx.uiBaseUrl,
          runOptions,
        }),
      // Each further part is one more round trip.
      ctx.timeoutMs * parts,
    );
    reportStarted(ctx, run, `${loaded.valid.leavers.length} leavers`);
    if (!flag(input.values, 'wait')) return EXIT.ok;
    return followRun(ctx, run.requestId);
  },
};
