import { VendorError, type VendorName } from '../../activities/shared/errors';

/**
 * What `offboard check` makes of what it saw: the clock offset from a `Date` header, and for each
 * failed step the setting, permission or clock to fix. Pure, so each case is testable alone.
 */

/** Beyond this the clock check fails. Why 5 minutes: see docs/cli.md (`check`). */
export const MAX_CLOCK_OFFSET_MS = 5 * 60_000;
/** A refused signature names the clock first beyond this (the vendor's window is not published). */
export const SUSPECT_CLOCK_OFFSET_MS = 30_000;

export const VENDOR_LABEL: Record<VendorName, string> = { wps: 'WPS 365', authing: 'Authing' };

/** A `Date` header and the local times between which it was made. */
export interface ClockSample {
  serverDate: string;
  sentAt: number;
  answeredAt: number;
  /** `read`: the signed read's answer; `probe`: an unauthenticated request to the token endpoint. */
  source: 'read' | 'probe';
}

export interface ClockOffset {
  /**
   * Server time minus local time, best estimate (the middle of what is possible), 0 when they may
   * agree; positive: the server is ahead (this machine behind).
   */
  offsetMs: number;
  /** The least the offset can be, in absolute value: what a pass or fail is decided on. */
  leastMs: number;
  /** The interval the true offset lies in. */
  lowMs: number;
  highMs: number;
}

/**
 * The offset, bounded: the server's time was in [Date, Date + 1 s) (a Date header has whole
 * seconds) at some local time in [sentAt, answeredAt]. Undefined for an unreadable date.
 */
export function clockOffset(sample: ClockSample): ClockOffset | undefined {
  const server = Date.parse(sample.serverDate);
  if (Number.isNaN(server)) return undefined;
  const lowMs = server - sample.answeredAt;
  const highMs = server + 999 - sample.sentAt;
  const agree = lowMs <= 0 && highMs >= 0;
  return {
    offsetMs: agree ? 0 : Math.round((lowMs + highMs) / 2),
    leastMs: agree ? 0 : Math.min(Math.abs(lowMs), Math.abs(highMs)),
    lowMs,
    highMs,
  };
}

/** "1 h 2 min", "3 min 5 s", "45 s". */
export function durationText(ms: number): string {
  const total = Math.round(Math.abs(ms) / 1000);
  const h = Math.floor(total / 3600);
  const min = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${min} min`;
  if (min > 0) return `${min} min ${s} s`;
  return `${s} s`;
}

/** "this machine is 1 h 0 min behind WPS 365". */
export function offsetText(offset: ClockOffset, vendor: VendorName): string {
  if (offset.offsetMs === 0) {
    const within = Math.max(1, Math.ceil(Math.max(-offset.lowMs, offset.highMs) / 1000));
    return `this machine agrees with ${VENDOR_LABEL[vendor]} (within ${within} s)`;
  }
  const direction = offset.offsetMs > 0 ? 'behind' : 'ahead of';
  return `this machine is ${durationText(offset.offsetMs)} ${direction} ${VENDOR_LABEL[vendor]}`;
}

/** What the failure was, for scripts: the error's details without anything sensitive (they hold none). */
export interface FailureFacts {
  kind: string;
  operation?: string;
  httpStatus?: number;
  vendorCode?: string;
  vendorMessage?: string;
  vendorRequestId?: string;
  field?: string;
}

export interface Diagnosis {
  /** What was seen, in one line. */
  detail: string;
  fix: string;
  /** The vendor answered and the answer broke its contract: the call itself was accepted. */
  contract: boolean;
  facts: FailureFacts;
}

export interface DiagnosisContext {
  vendor: VendorName;
  step: 'token' | 'read';
  /** The configured base URL, to name it in the fix. */
  baseUrl: string;
  /** From the clock check, when a Date was seen. */
  clock?: ClockOffset;
}

function factsOf(err: VendorError): FailureFacts {
  const d = err.details;
  return {
    kind: d.kind,
    operation: d.operation,
    ...(d.httpStatus !== undefined ? { httpStatus: d.httpStatus } : {}),
    ...(d.vendorCode !== undefined ? { vendorCode: d.vendorCode } : {}),
    ...(d.vendorMessage !== undefined ? { vendorMessage: d.vendorMessage } : {}),
    ...(d.vendorRequestId !== undefined ? { vendorRequestId: d.vendorRequestId } : {}),
    ...(d.field !== undefined ? { field: d.field } : {}),
  };
}

/** One line from the error's details, not its message: the message's own hint may name another fix. */
function detailOf(err: VendorError): string {
  const d = err.details;
  if (d.kind === 'protocol') {
    const where = d.field !== undefined ? ` at ${d.field}` : '';
    const request = d.vendorRequestId !== undefined ? ` (request ${d.vendorRequestId})` : '';
    return `${d.operation}: the answer breaks its contract${where}${request}`;
  }
  if (d.httpStatus === undefined) return err.message;
  const parts = [
    `HTTP ${d.httpStatus}`,
    d.vendorCode !== undefined && `code ${d.vendorCode}`,
    d.vendorMessage !== undefined && `"${d.vendorMessage}"`,
    d.vendorRequestId !== undefined && `request ${d.vendorRequestId}`,
  ].filter(Boolean);
  return `${d.operation}: ${parts.join(', ')}`;
}

const isRedirectOrMissing = (status: number | undefined): boolean =>
  status !== undefined && ((status >= 300 && status < 400) || status === 404 || status === 405);

function baseUrlFix(name: string, ctx: DiagnosisContext, status: number | undefined): string {
  return (
    `${name}: ${ctx.baseUrl} does not serve the ${VENDOR_LABEL[ctx.vendor]} API` +
    (status !== undefined ? ` (HTTP ${status})` : '') +
    `; set it to the API's root, with a gateway's path prefix if the deployment has one (e.g. https://host/openapi)`
  );
}

function unreachableFix(name: string, ctx: DiagnosisContext, code: string | undefined): string {
  return (
    `${name}: nothing answered at ${ctx.baseUrl}${code !== undefined ? ` (${code})` : ''}; ` +
    'check its scheme, host and port, and that this machine can reach it (DNS, firewall, proxy)'
  );
}

function unavailableFix(ctx: DiagnosisContext, status: number): string {
  return `${VENDOR_LABEL[ctx.vendor]} is unavailable or throttling (HTTP ${status}): retry in a few minutes`;
}

function contractFix(name: string, ctx: DiagnosisContext, facts: FailureFacts): string {
  const evidence = [
    facts.field && `field ${facts.field}`,
    facts.vendorRequestId && `request ${facts.vendorRequestId}`,
  ]
    .filter(Boolean)
    .join(', ');
  return (
    `${name} must be the ${VENDOR_LABEL[ctx.vendor]} API the connector was written for (not a web page or another version); ` +
    `if it is, the vendor changed its answers: start no run, and give the developers this result` +
    (evidence !== '' ? ` (${evidence})` : '')
  );
}

function clockFirst(ctx: DiagnosisContext): string | undefined {
  if (ctx.clock === undefined || ctx.clock.leastMs <= SUSPECT_CLOCK_OFFSET_MS) return undefined;
  return (
    `this machine's clock: ${offsetText(ctx.clock, ctx.vendor)}, and KSO-1 signatures are dated; ` +
    'sync it (NTP: timedatectl set-ntp true, or chrony), then run the check again'
  );
}

/** The fix for what both vendors' failures share: no answer, or an answer that breaks the contract. */
function sharedFix(err: VendorError, ctx: DiagnosisContext): string | undefined {
  const { kind, httpStatus: status, vendorCode } = err.details;
  const name = ctx.vendor === 'wps' ? 'WPS_BASE_URL' : 'AUTHING_BASE_URL';
  if (kind === 'transient')
    return status === undefined ? unreachableFix(name, ctx, vendorCode) : unavailableFix(ctx, status);
  return kind === 'protocol' ? contractFix(name, ctx, factsOf(err)) : undefined;
}

function wpsFix(err: VendorError, ctx: DiagnosisContext): string {
  const d = err.details;
  const status = d.httpStatus;
  if (d.kind === 'signature') {
    return (
      clockFirst(ctx) ??
      'WPS_APP_KEY (it signs every call; WPS_APP_KEY_FILE if set) and WPS_APP_ID, from the app in the WPS 365 developer console' +
        (ctx.clock === undefined ? ", and this machine's clock (no Date header to compare)" : '') +
        '; a proxy that rewrites the path breaks the signature too (WPS_BASE_URL)'
    );
  }
  if (isRedirectOrMissing(status)) return baseUrlFix('WPS_BASE_URL', ctx, status);
  if (ctx.step === 'token') {
    return 'WPS_APP_ID and WPS_APP_KEY (or the file in WPS_APP_KEY_FILE): the token endpoint refused them; copy both from the app in the WPS 365 developer console';
  }
  if (d.kind === 'credentials' && status === 401) {
    return 'WPS_APP_ID: the API refused the token it had just issued; check that the app is enabled and authorized in this tenant';
  }
  if (d.kind === 'credentials') {
    return (
      'permission: grant the WPS app the scope kso.contact.readwrite (the read needs kso.contact.read at least, ' +
      'batch_disable needs readwrite) in the WPS 365 developer console, have the tenant admin approve it, then run the check again'
    );
  }
  return 'WPS refused the read: --wps-user must name WPS user ids (not emails or employee numbers)';
}

function authingFix(err: VendorError, ctx: DiagnosisContext): string {
  const d = err.details as VendorError['details'] & { statusCode?: number; apiCode?: number };
  const status = d.httpStatus;
  if (d.apiCode === 2224) {
    return "AUTHING_USERPOOL_ID: Authing knows no such user pool; copy the pool's id from the console (and AUTHING_BASE_URL for a private deployment)";
  }
  // Authing answers HTTP 200 with its status in the body; a 404 without apiCode is no endpoint there.
  if (isRedirectOrMissing(status) || (d.statusCode === 404 && d.apiCode === undefined)) {
    return baseUrlFix('AUTHING_BASE_URL', ctx, status === 200 ? undefined : status);
  }
  if (ctx.step === 'token') {
    return "AUTHING_ACCESS_KEY_ID and AUTHING_ACCESS_KEY_SECRET (or the file in AUTHING_ACCESS_KEY_SECRET_FILE): Authing refused them; use the pool's key pair or a collaborator admin's, from the console";
  }
  if (d.kind === 'credentials' && (d.statusCode === 401 || status === 401)) {
    return 'AUTHING_USERPOOL_ID and AUTHING_ACCESS_KEY_ID must belong together: Authing refused, for this pool, the token it had just issued for that key';
  }
  if (d.kind === 'credentials') {
    return (
      "permission: the key pair in AUTHING_ACCESS_KEY_ID may not read this pool's users: use the pool's own key pair, " +
      'or give the collaborator admin the permission to manage users (resigning needs it) in pool AUTHING_USERPOOL_ID'
    );
  }
  return 'Authing refused the read: check the ids given with --authing-user and their --authing-user-id-type';
}

/** The fix for a failed token fetch or read. Anything but a `VendorError` is shown as it is. */
export function diagnose(err: unknown, ctx: DiagnosisContext): Diagnosis {
  if (!(err instanceof VendorError)) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      detail: message,
      fix: 'unexpected: run the check again; if it persists, give the developers this result',
      contract: false,
      facts: { kind: 'internal' },
    };
  }
  return {
    detail: detailOf(err),
    fix: sharedFix(err, ctx) ?? (ctx.vendor === 'wps' ? wpsFix : authingFix)(err, ctx),
    contract: err.details.kind === 'protocol' && ctx.step === 'read',
    facts: factsOf(err),
  };
}

/** The fix for a clock beyond `MAX_CLOCK_OFFSET_MS`; `other` is the other vendor's offset, if seen. */
export function clockFix(vendor: VendorName, other: ClockOffset | undefined): string {
  const otherVendor: VendorName = vendor === 'wps' ? 'authing' : 'wps';
  const why =
    vendor === 'wps'
      ? 'KSO-1 signatures are dated and WPS refuses dates far from its clock'
      : 'WPS signs its calls with this clock, and results are timed by it';
  const theirs =
    other !== undefined && other.leastMs <= MAX_CLOCK_OFFSET_MS
      ? ` (${VENDOR_LABEL[otherVendor]} agrees with this machine: ${VENDOR_LABEL[vendor]}'s clock, or a gateway in front of it, may be the one off)`
      : '';
  return `this machine's clock: sync it (NTP: timedatectl set-ntp true, or chrony), then run the check again; ${why}${theirs}`;
}
