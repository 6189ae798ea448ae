import type { AuthingClient } from '../../activities/authing/client';
import type { UserStatuses } from '../../activities/shared/contract';
import type { VendorName } from '../../activities/shared/errors';
import type { WpsClient } from '../../activities/wps/client';
import { ConfigError } from '../../config/env';
import { loadWorkerConfig, type WorkerConfig } from '../../worker/config';
import {
  ACCEPTED_AUTHING_USER_ID_TYPES,
  MAX_IDS_PER_CALL,
  type AuthingUserIdType,
} from '../../workflows/request';
import { validateRequest } from '../../workflows/validation';
import { stringOption, stringsOption } from './arguments';
import {
  clockFix,
  clockOffset,
  diagnose,
  MAX_CLOCK_OFFSET_MS,
  offsetText,
  VENDOR_LABEL,
  type ClockOffset,
  type ClockSample,
  type Diagnosis,
  type FailureFacts,
} from './check-diagnosis';
import type { Command } from './command';
import { EXIT } from './exit-codes';
import { usage } from './failure';

/**
 * `offboard check`: a read-only preflight of the worker's vendor configuration. It builds the clients
 * exactly as the worker does (worker/config.ts, createVendorClients), fetches each token, makes one
 * read per vendor and compares the vendors' clocks with this machine's. It never disables or resigns
 * anyone, and needs no Temporal server.
 */

export type CheckName = 'configuration' | 'token' | 'read' | 'answer' | 'clock';
export type CheckResult = 'pass' | 'fail' | 'skip';

export interface CheckRow {
  check: CheckName;
  vendor: VendorName | 'all';
  result: CheckResult;
  detail: string;
  fix?: string;
  error?: FailureFacts;
  /** `answer`: each id asked for, with its status, or null when the vendor does not know it. */
  users?: Record<string, string | null>;
  /** `clock`: server time minus this machine's (estimate, and the least it can be), and its Date header. */
  clock?: { offsetMs: number; leastMs: number; serverDate: string; source: ClockSample['source'] };
}

export interface CheckInput {
  wpsUsers: string[];
  authingUsers: string[];
  authingUserIdType: AuthingUserIdType;
}

const PROBE_TIMEOUT_MS = 10_000;

export const CHECK_HELP = `Usage: offboard check --wps-user ID --authing-user ID [--authing-user-id-type TYPE]

A read-only preflight of the vendor configuration, with the worker's own settings (WPS_BASE_URL,
WPS_APP_ID, WPS_APP_KEY[_FILE], AUTHING_BASE_URL, AUTHING_USERPOOL_ID, AUTHING_ACCESS_KEY_ID,
AUTHING_ACCESS_KEY_SECRET[_FILE]). For each vendor it fetches the token, reads the users you name
(WPS: one KSO-1 signed batch_read; Authing: one get-user-batch), checks the answer against the
connector's contract, and compares the vendor's Date header with this machine's clock (more than
5 minutes apart fails). It prints one line per check, and for each failure the fix: the variable,
the permission scope or the clock. It never disables or resigns anyone, and needs no Temporal server.
Run it before the first real request and after any credential change.

Options:
  --wps-user ID               a WPS 365 user id to read (repeatable, up to ${MAX_IDS_PER_CALL}); name users that exist
  --authing-user ID           an Authing user to read (repeatable, up to ${MAX_IDS_PER_CALL})
  --authing-user-id-type T    the type of the --authing-user ids (default user_id):
                              ${ACCEPTED_AUTHING_USER_ID_TYPES.join(', ')}

It cannot prove write permission without writing: a pass shows the app can read, not that it may
disable (kso.contact.readwrite) or resign. --timeout does not apply (the vendor clients' own limits do).

Exit codes: 0 every check passed, 6 a check failed, 2 usage error (nothing was sent).`;

function checkIds(ids: string[], flag: string, field: 'wpsUserId' | 'authingUserId'): string[] {
  if (ids.length === 0) {
    throw usage(
      `check needs ${flag} ID: a user that exists, to read (nothing is changed); see offboard check --help`,
    );
  }
  if (ids.length > MAX_IDS_PER_CALL)
    throw usage(`${flag}: at most ${MAX_IDS_PER_CALL} ids, got ${ids.length}`);
  // The rules a request's ids follow, so that what passes here is what a run sends.
  const result = validateRequest({ requestId: 'check', leavers: ids.map((id) => ({ [field]: id })) });
  const issue = result.ok ? undefined : result.issues[0];
  if (issue) {
    const index = Number(/^leavers\[(\d+)\]/.exec(issue.field)?.[1] ?? -1);
    throw usage(`${flag} ${JSON.stringify(ids[index] ?? '')}: ${issue.message}`);
  }
  return ids;
}

export function checkInputOf(values: Record<string, unknown>): CheckInput {
  const type = stringOption(values, 'authing-user-id-type') ?? 'user_id';
  if (!(ACCEPTED_AUTHING_USER_ID_TYPES as readonly string[]).includes(type)) {
    throw usage(
      `--authing-user-id-type must be one of ${ACCEPTED_AUTHING_USER_ID_TYPES.join(', ')}; got "${type}"` +
        (type === 'custom_field' ? ' (custom_field ids cannot be matched to the records read)' : ''),
    );
  }
  return {
    wpsUsers: checkIds(stringsOption(values, 'wps-user'), '--wps-user', 'wpsUserId'),
    authingUsers: checkIds(stringsOption(values, 'authing-user'), '--authing-user', 'authingUserId'),
    authingUserIdType: type as AuthingUserIdType,
  };
}

/**
 * A `Date` from an unauthenticated POST to the token endpoint: it carries no credential, so it is
 * answered (a refusal) even when signed calls are refused for the clock. Never cached, unlike a GET.
 */
async function probeDate(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<ClockSample | undefined> {
  const sentAt = Date.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    const answeredAt = Date.now();
    await response.arrayBuffer().catch(() => undefined);
    const serverDate = response.headers.get('date');
    return serverDate ? { serverDate, sentAt, answeredAt, source: 'probe' } : undefined;
  } catch {
    return undefined;
  }
}

/** What one vendor's steps gave, before it is judged (the clock of both is needed for that). */
interface VendorOutcome {
  vendor: VendorName;
  baseUrl: string;
  ids: string[];
  tokenError?: unknown;
  readError?: unknown;
  statuses?: UserStatuses<string>;
  clock?: ClockSample;
}

interface VendorSteps {
  vendor: VendorName;
  baseUrl: string;
  ids: string[];
  token(): Promise<unknown>;
  read(): Promise<UserStatuses<string>>;
  probe(): Promise<ClockSample | undefined>;
}

async function runSteps(steps: VendorSteps): Promise<VendorOutcome> {
  const outcome: VendorOutcome = { vendor: steps.vendor, baseUrl: steps.baseUrl, ids: steps.ids };
  try {
    await steps.token();
  } catch (err) {
    outcome.tokenError = err;
  }
  if (outcome.tokenError === undefined) {
    const sentAt = Date.now();
    try {
      outcome.statuses = await steps.read();
      const serverDate = outcome.statuses.serverDate;
      if (serverDate !== undefined)
        outcome.clock = { serverDate, sentAt, answeredAt: Date.now(), source: 'read' };
    } catch (err) {
      outcome.readError = err;
    }
  }
  // The read's own Date when it has one; otherwise (refused, not sent, no header) the probe's.
  outcome.clock ??= await steps.probe();
  return outcome;
}

const skipped = (check: CheckName, vendor: VendorName, why: string): CheckRow => ({
  check,
  vendor,
  result: 'skip',
  detail: why,
});

function failed(check: CheckName, vendor: VendorName, { detail, fix, facts }: Diagnosis): CheckRow {
  return { check, vendor, result: 'fail', detail, fix, error: facts };
}

function offsetOf(outcome: VendorOutcome): ClockOffset | undefined {
  return outcome.clock ? clockOffset(outcome.clock) : undefined;
}

function clockRow(outcome: VendorOutcome, other: VendorOutcome): CheckRow {
  const { vendor, clock } = outcome;
  const offset = offsetOf(outcome);
  if (!clock || !offset) {
    return skipped(
      'clock',
      vendor,
      `no answer carried a readable Date header${clock ? ` (got "${clock.serverDate}")` : ''}`,
    );
  }
  const from = clock.source === 'read' ? 'the read' : 'the token endpoint';
  const row: CheckRow = {
    check: 'clock',
    vendor,
    result: offset.leastMs > MAX_CLOCK_OFFSET_MS ? 'fail' : 'pass',
    detail: `${offsetText(offset, vendor)}; Date of ${from}: ${clock.serverDate}`,
    clock: {
      offsetMs: offset.offsetMs,
      leastMs: offset.leastMs,
      serverDate: clock.serverDate,
      source: clock.source,
    },
  };
  if (row.result === 'fail') row.fix = clockFix(vendor, offsetOf(other));
  return row;
}

function vendorRows(outcome: VendorOutcome, other: VendorOutcome): CheckRow[] {
  const { vendor } = outcome;
  const clock = offsetOf(outcome);
  const ctx = { vendor, baseUrl: outcome.baseUrl, ...(clock !== undefined ? { clock } : {}) };
  const rows: CheckRow[] = [];
  if (outcome.tokenError !== undefined) {
    rows.push(failed('token', vendor, diagnose(outcome.tokenError, { ...ctx, step: 'token' })));
    rows.push(skipped('read', vendor, 'needs the token'), skipped('answer', vendor, 'needs the read'));
  } else {
    rows.push({ check: 'token', vendor, result: 'pass', detail: 'issued' });
    const readName = vendor === 'wps' ? 'KSO-1 signed batch_read' : 'get-user-batch';
    const readPassed = (request: string | undefined): CheckRow => ({
      check: 'read',
      vendor,
      result: 'pass',
      detail: `${readName} answered${request !== undefined ? ` (request ${request})` : ''}`,
    });
    if (outcome.readError !== undefined) {
      const diagnosis = diagnose(outcome.readError, { ...ctx, step: 'read' });
      // Answered and accepted: the signature, token and permission were fine; the answer was not.
      if (diagnosis.contract)
        rows.push(readPassed(diagnosis.facts.vendorRequestId), failed('answer', vendor, diagnosis));
      else rows.push(failed('read', vendor, diagnosis), skipped('answer', vendor, 'needs the read'));
    } else {
      const statuses = outcome.statuses ?? new Map<string, string>();
      rows.push(readPassed(outcome.statuses?.vendorRequestId), answerRow(outcome, statuses));
    }
  }
  rows.push(clockRow(outcome, other));
  return rows;
}

function answerRow(outcome: VendorOutcome, statuses: ReadonlyMap<string, string>): CheckRow {
  const { vendor, ids } = outcome;
  const users = Object.fromEntries(ids.map((id) => [id, statuses.get(id) ?? null]));
  const missing = ids.filter((id) => !statuses.has(id));
  const seen = ids.filter((id) => statuses.has(id)).map((id) => `${id} ${statuses.get(id) ?? ''}`);
  if (missing.length === 0) {
    return {
      check: 'answer',
      vendor,
      result: 'pass',
      detail: `matches the contract; ${seen.join(', ')}`,
      users,
    };
  }
  const flag = vendor === 'wps' ? '--wps-user' : '--authing-user';
  const kind =
    vendor === 'wps'
      ? 'WPS user ids (not emails or employee numbers)'
      : 'ids of the --authing-user-id-type given';
  return {
    check: 'answer',
    vendor,
    result: 'fail',
    detail:
      `${VENDOR_LABEL[vendor]} returned no user for ${missing.join(', ')}` +
      (seen.length > 0 ? `; ${seen.join(', ')}` : ''),
    fix: `${flag} must name users that exist, as ${kind}; if they do exist, the answer does not carry them where the connector's contract expects: give the developers this result`,
    users,
  };
}

/** Every check, in order. Never throws for what the vendors answer: each problem is a failed line. */
export async function runChecks(
  env: Record<string, string | undefined>,
  input: CheckInput,
): Promise<CheckRow[]> {
  let config: WorkerConfig;
  let clients: { wps: WpsClient; authing: AuthingClient };
  try {
    config = loadWorkerConfig(env);
    // Loaded here, not at the top: the worker module brings in the Temporal worker, which other
    // commands need not pay for. The same factory as the worker's, so the same clients.
    const { createVendorClients } = await import('../../worker/worker');
    clients = createVendorClients(config);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const variable = /\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/.exec(message)?.[0];
    const rest = (['wps', 'authing'] as const).flatMap((vendor) =>
      (['token', 'read', 'answer', 'clock'] as const).map((check) =>
        skipped(check, vendor, 'needs the configuration'),
      ),
    );
    return [
      {
        check: 'configuration',
        vendor: 'all',
        result: 'fail',
        detail: message,
        fix:
          err instanceof ConfigError && variable !== undefined
            ? `set ${variable} in this environment as the worker has it (the check reads the worker's settings)`
            : `${/\bWPS\b/.test(message) ? 'WPS_BASE_URL' : /authing/i.test(message) ? 'AUTHING_BASE_URL' : 'the configuration'}: ${message}`,
        error: { kind: 'configuration' },
      },
      ...rest,
    ];
  }
  const [wps, authing] = await Promise.all([
    runSteps({
      vendor: 'wps',
      baseUrl: config.wps.baseUrl,
      ids: input.wpsUsers,
      token: () => clients.wps.tokens.get(),
      read: () => clients.wps.readUsers(input.wpsUsers),
      probe: () =>
        probeDate(
          `${config.wps.baseUrl}/oauth2/token`,
          { 'Content-Type': 'application/x-www-form-urlencoded' },
          'grant_type=client_credentials',
        ),
    }),
    runSteps({
      vendor: 'authing',
      baseUrl: config.authing.baseUrl,
      ids: input.authingUsers,
      token: () => clients.authing.tokens.get(),
      read: () => clients.authing.readUsers(input.authingUsers, input.authingUserIdType),
      probe: () =>
        probeDate(
          `${config.authing.baseUrl}/api/v3/get-management-token`,
          { 'Content-Type': 'application/json' },
          '{}',
        ),
    }),
  ]);
  return [
    {
      check: 'configuration',
      vendor: 'all',
      result: 'pass',
      detail: `WPS ${config.wps.baseUrl} (app ${config.wps.appId}), Authing ${config.authing.baseUrl} (pool ${config.authing.userPoolId})`,
    },
    ...vendorRows(wps, authing),
    ...vendorRows(authing, wps),
  ];
}

const RESULT_TEXT: Record<CheckResult, string> = { pass: 'pass', fail: 'FAIL', skip: 'skip' };

/** The table: check, vendor, result and what was seen; under a failure, its fix. */
export function checkTable(rows: readonly CheckRow[]): string {
  const vendorText = (row: CheckRow): string => (row.vendor === 'all' ? '-' : row.vendor);
  const header = ['check', 'vendor', 'result', 'detail'];
  const cells = rows.map((row) => [row.check, vendorText(row), RESULT_TEXT[row.result], row.detail]);
  const widths = [0, 1, 2].map((i) => Math.max(...[header, ...cells].map((c) => (c[i] ?? '').length)));
  const indent = ' '.repeat(widths.reduce((sum, w) => sum + w + 2, 0));
  const line = (c: string[]): string =>
    c
      .map((text, i) => (i < 3 ? text.padEnd(widths[i] ?? 0) : text))
      .join('  ')
      .trimEnd();
  const lines = [line(header)];
  rows.forEach((row, i) => {
    lines.push(line(cells[i] ?? []));
    if (row.fix !== undefined) lines.push(`${indent}fix: ${row.fix}`);
  });
  const failures = rows.filter((r) => r.result === 'fail').length;
  lines.push(
    '',
    failures === 0
      ? `all ${rows.length} checks passed; nothing was changed (read-only)`
      : `${failures} of ${rows.length} checks failed; nothing was changed (read-only)`,
  );
  return lines.join('\n');
}

export const checkCommand: Command = {
  name: 'check',
  summary: 'read-only preflight of the vendor settings: tokens, one read each, clocks',
  help: CHECK_HELP,
  options: {
    'wps-user': { type: 'string', multiple: true },
    'authing-user': { type: 'string', multiple: true },
    'authing-user-id-type': { type: 'string' },
  },
  maxPositionals: 0,
  async run(ctx, input) {
    const checkInput = checkInputOf(input.values);
    const rows = await runChecks(ctx.env, checkInput);
    const failures = rows.filter((r) => r.result === 'fail').length;
    ctx.out.result(checkTable(rows), { ok: failures === 0, failed: failures, readOnly: true, checks: rows });
    return failures === 0 ? EXIT.ok : EXIT.checkFailed;
  },
};
