import {
  ACCEPTED_AUTHING_USER_ID_TYPES,
  authingIdKey,
  type AuthingUserIdType,
  type Leaver,
  type OffboardingRequest,
  type ValidRequest,
} from './request';

/**
 * Request validation, in one place for the client (before anything starts) and the workflow
 * (before anything is touched). Pure: no I/O, no clock.
 */

export interface ValidationLimits {
  /** Most leavers in one request. Default 100,000. */
  maxLeavers: number;
  /** Longest id accepted, in characters. Default 256. */
  maxIdLength: number;
}

export const DEFAULT_VALIDATION_LIMITS: ValidationLimits = { maxLeavers: 100_000, maxIdLength: 256 };

export interface ValidationIssue {
  /** A path into the request, e.g. `leavers[3].wpsUserId`. */
  field: string;
  message: string;
}

export type ValidationResult = { ok: true; request: ValidRequest } | { ok: false; issues: ValidationIssue[] };

/** Thrown by `assertValidRequest`; its message lists every issue, one per line. */
export class InvalidRequestError extends Error {
  constructor(public readonly issues: ValidationIssue[]) {
    super(
      `invalid offboarding request (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  ${i.field}: ${i.message}`).join('\n'),
    );
    this.name = 'InvalidRequestError';
  }
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
// An ISO 8601 instant that names its offset, so that "18:00" is never read in the wrong zone.
const ISO_INSTANT_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
// Stop collecting after this many so a hostile 100,000-line file gives a readable error.
const MAX_ISSUES = 50;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// An employeeId names its leaver in messages only when it is itself valid: an invalid one may be
// megabytes long or hold characters that rewrite a terminal line (NUL, RTL overrides).
function describeLeaver(index: number, leaver: Record<string, unknown>, limits: ValidationLimits): string {
  const valid = checkId(leaver.employeeId, limits) === undefined;
  const employee = valid ? ` (employee ${leaver.employeeId as string})` : '';
  return `leavers[${index}]${employee}`;
}

/** Text from the input as a message shows it (an unknown key): at most 64 characters, invisible ones escaped. */
export function shownKey(key: string): string {
  const cut = key.length > 64 ? `${key.slice(0, 64)}…` : key;
  return cut.replace(
    /[\s\p{Cc}\p{Cf}\p{Cs}]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function checkId(value: unknown, limits: ValidationLimits): string | undefined {
  if (typeof value !== 'string') return `must be a string, got ${value === null ? 'null' : typeof value}`;
  if (value.length === 0) return 'must not be empty';
  if (value.length > limits.maxIdLength) return `must be at most ${limits.maxIdLength} characters`;
  if (/\s/u.test(value)) return 'must not contain whitespace';
  // Control and invisible format characters make ids that look equal but are not.
  if (/[\p{Cc}\p{Cf}]/u.test(value)) return 'must not contain control or invisible characters';
  // Half of a UTF-16 pair (a JSON "\ud800" escape): no real id has one, and it prints as U+FFFD.
  if (/\p{Cs}/u.test(value)) return 'must not contain a lone surrogate (broken Unicode)';
  return undefined;
}

// Authing's get-user-batch (the read-back that verifies a resign) takes its ids comma-separated.
function checkAuthingId(value: string): string | undefined {
  return value.includes(',')
    ? 'must not contain a comma: Authing reads ids as a comma-separated list, so this user could not be verified'
    : undefined;
}

/**
 * Ids seen so far per system, and employee numbers, with the index of the leaver that had each:
 * duplicates are refused.
 */
export interface SeenIds {
  employeeId: Map<string, number>;
  wpsUserId: Map<string, number>;
  /** Keyed as Authing compares them (`authingIdKey`): `A@x.com` and `a@x.com` are one email. */
  authingUserId: Map<string, number>;
  authingUserIdType: AuthingUserIdType;
}

const SEEN_FIELDS = ['employeeId', 'wpsUserId', 'authingUserId'] as const;

export function newSeenIds(authingUserIdType: AuthingUserIdType = 'user_id'): SeenIds {
  return { employeeId: new Map(), wpsUserId: new Map(), authingUserId: new Map(), authingUserIdType };
}

function seenKey(seen: SeenIds, field: (typeof SEEN_FIELDS)[number], id: string): string {
  return field === 'authingUserId' ? authingIdKey(id, seen.authingUserIdType) : id;
}

/**
 * Checks leavers that sit at `offset` in the request (a part of a large request starts past 0),
 * reporting through `add`; ids are added to `seen`. Returns the leavers that passed.
 */
function checkLeavers(
  leavers: readonly unknown[],
  offset: number,
  seen: SeenIds,
  add: (field: string, message: string) => void,
  limits: ValidationLimits,
): Leaver[] {
  const valid: Leaver[] = [];
  leavers.forEach((raw: unknown, i) => {
    const index = offset + i;
    if (!isRecord(raw)) {
      add(`leavers[${index}]`, 'must be an object');
      return;
    }
    const who = describeLeaver(index, raw, limits);
    for (const key of Object.keys(raw)) {
      if (key !== 'employeeId' && key !== 'wpsUserId' && key !== 'authingUserId')
        add(`${who}.${shownKey(key)}`, 'is not a known field');
    }
    if (raw.wpsUserId === undefined && raw.authingUserId === undefined) {
      add(who, 'needs at least one of wpsUserId, authingUserId');
      return;
    }
    const leaver: Leaver = {};
    let ok = true;
    for (const field of SEEN_FIELDS) {
      const value = raw[field];
      if (value === undefined) continue;
      const problem =
        checkId(value, limits) ?? (field === 'authingUserId' ? checkAuthingId(value as string) : undefined);
      if (problem) {
        add(`${who}.${field}`, problem);
        ok = false;
        continue;
      }
      const id = value as string;
      const first = seen[field].get(seenKey(seen, field, id));
      if (first !== undefined) {
        // Which of the two entries holds the right ids is for HR to say, not for us to guess.
        const why = field === 'employeeId' ? "; one employee's ids belong on one leaver" : '';
        add(`${who}.${field}`, `duplicates leavers[${first}].${field} (${id})${why}`);
        ok = false;
        continue;
      }
      seen[field].set(seenKey(seen, field, id), index);
      leaver[field] = id;
    }
    if (ok) valid.push(leaver);
  });
  return valid;
}

export type PartValidation = { ok: true; leavers: Leaver[] } | { ok: false; issues: ValidationIssue[] };

/**
 * Validates a further part of a large request: its leavers sit at `offset`, and their ids must not
 * repeat any id of the parts before (`seen`, which is NOT changed: the caller adds the ids once the
 * part is accepted, by validating again with a copy or by `rememberIds`).
 */
export function validateLeaverPart(
  leavers: unknown,
  offset: number,
  seen: SeenIds,
  limits: ValidationLimits = DEFAULT_VALIDATION_LIMITS,
): PartValidation {
  const issues: ValidationIssue[] = [];
  const add = (field: string, message: string): void => {
    if (issues.length < MAX_ISSUES) issues.push({ field, message });
  };
  if (!Array.isArray(leavers) || leavers.length === 0) {
    return { ok: false, issues: [{ field: 'leavers', message: 'must be a non-empty array' }] };
  }
  // Checked against a scratch copy of only the ids this part could clash on, so `seen` stays as it was.
  const scratch = newSeenIds(seen.authingUserIdType);
  for (const raw of leavers as unknown[]) {
    if (!isRecord(raw)) continue;
    for (const field of SEEN_FIELDS) {
      const id = raw[field];
      if (typeof id !== 'string') continue;
      const key = seenKey(seen, field, id);
      const at = seen[field].get(key);
      if (at !== undefined) scratch[field].set(key, at);
    }
  }
  const valid = checkLeavers(leavers as unknown[], offset, scratch, add, limits);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, leavers: valid };
}

/** Adds an accepted part's ids to `seen`. */
export function rememberIds(leavers: readonly Leaver[], offset: number, seen: SeenIds): void {
  leavers.forEach((leaver, i) => {
    for (const field of SEEN_FIELDS) {
      const id = leaver[field];
      if (id !== undefined) seen[field].set(seenKey(seen, field, id), offset + i);
    }
  });
}

/** The validation issues as one line, for an error message. */
export function describeIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.field}: ${i.message}`).join('; ');
}

/** Milliseconds since the epoch, or what is wrong with the value. */
export function parseEffectiveAt(value: unknown): number | string {
  const match = typeof value === 'string' ? ISO_INSTANT_PATTERN.exec(value) : null;
  if (!match) return 'must be an ISO 8601 time with an offset, e.g. 2026-11-30T18:00:00+08:00';
  // Date.parse rolls fields over (2026-02-30 becomes 2 March, 24:00 the next day): each is checked first.
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offsetHours = 0, offsetMinutes = 0] =
    [1, 2, 3, 4, 5, 6, 8, 9].map((group) => Number(match[group] ?? 0));
  const problem =
    calendarProblem(year, month, day, hour, minute, second) ??
    offsetProblem(match[7] === '-' ? -1 : 1, offsetHours, offsetMinutes);
  if (problem) return `is not a real time: ${problem}`;
  const ms = Date.parse(match[0]);
  // And the instant must read back as the fields written, in the offset written.
  const local = new Date(ms + (match[7] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000);
  const readBack = [
    local.getUTCFullYear(),
    local.getUTCMonth() + 1,
    local.getUTCDate(),
    local.getUTCHours(),
    local.getUTCMinutes(),
    local.getUTCSeconds(),
  ];
  const written = [year, month, day, hour, minute, second];
  return Number.isNaN(ms) || readBack.some((field, i) => field !== written[i]) ? 'is not a real time' : ms;
}

function calendarProblem(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): string | undefined {
  if (month < 1 || month > 12) return `there is no month ${month} (01-12)`;
  // Day 0 of the next month is the last of this one (setUTCFullYear: Date.UTC reads 0-99 as 19xx).
  const last = new Date(0);
  last.setUTCFullYear(year, month, 0);
  const days = last.getUTCDate();
  if (day < 1 || day > days)
    return `${MONTHS[month - 1] ?? ''} ${String(year).padStart(4, '0')} has no day ${day} (it has ${days})`;
  if (hour > 23)
    return `the hour must be 00-23, got ${hour}${hour === 24 ? ' (write 00:00 of the next day)' : ''}`;
  if (minute > 59) return `the minute must be 00-59, got ${minute}`;
  if (second > 59) return `the second must be 00-59, got ${second}`;
  return undefined;
}

// Real zones span -12:00 to +14:00: an offset past them is a typo, not a place.
function offsetProblem(sign: number, hours: number, minutes: number): string | undefined {
  const total = sign * (hours * 60 + minutes);
  if (minutes > 59 || total < -12 * 60 || total > 14 * 60)
    return 'the UTC offset must be between -12:00 and +14:00, its minutes 00-59';
  return undefined;
}

export function validateRequest(
  input: unknown,
  limits: ValidationLimits = DEFAULT_VALIDATION_LIMITS,
): ValidationResult {
  const issues: ValidationIssue[] = [];
  const add = (field: string, message: string): void => {
    if (issues.length < MAX_ISSUES) issues.push({ field, message });
  };

  if (!isRecord(input)) {
    return { ok: false, issues: [{ field: '(request)', message: 'must be a JSON object' }] };
  }
  const known = new Set(['requestId', 'effectiveAt', 'authingUserIdType', 'leavers']);
  for (const key of Object.keys(input)) {
    if (!known.has(key)) add(shownKey(key), 'is not a known field');
  }

  const { requestId, effectiveAt, authingUserIdType, leavers } = input;
  if (requestId === undefined) add('requestId', 'is required');
  else if (typeof requestId !== 'string' || !REQUEST_ID_PATTERN.test(requestId))
    add(
      'requestId',
      'must be 1-128 characters of letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
    );

  let effectiveAtMs: number | undefined;
  if (effectiveAt !== undefined) {
    const parsed = parseEffectiveAt(effectiveAt);
    if (typeof parsed === 'string') add('effectiveAt', parsed);
    else effectiveAtMs = parsed;
  }

  let idType: AuthingUserIdType = 'user_id';
  if (authingUserIdType === 'custom_field') {
    add(
      'authingUserIdType',
      "cannot be custom_field: Authing's user records do not say which custom field matched, so the " +
        `resigned users could never be verified; use one of ${ACCEPTED_AUTHING_USER_ID_TYPES.join(', ')} ` +
        '(external_id for an HR employee number)',
    );
  } else if (authingUserIdType !== undefined) {
    if (!(ACCEPTED_AUTHING_USER_ID_TYPES as readonly unknown[]).includes(authingUserIdType)) {
      add('authingUserIdType', `must be one of ${ACCEPTED_AUTHING_USER_ID_TYPES.join(', ')}`);
    } else idType = authingUserIdType as AuthingUserIdType;
  }

  let valid: Leaver[] = [];
  if (!Array.isArray(leavers)) {
    add('leavers', 'must be a non-empty array');
  } else if (leavers.length === 0) {
    add('leavers', 'must not be empty');
  } else if (leavers.length > limits.maxLeavers) {
    add('leavers', `has ${leavers.length} entries; at most ${limits.maxLeavers} are accepted in one request`);
  } else {
    valid = checkLeavers(leavers, 0, newSeenIds(idType), add, limits);
  }
  if (issues.length > 0) return { ok: false, issues };
  const request: ValidRequest = {
    requestId: requestId as string,
    authingUserIdType: idType,
    leavers: valid,
  };
  if (effectiveAtMs !== undefined) request.effectiveAtMs = effectiveAtMs;
  return { ok: true, request };
}

export function assertValidRequest(input: unknown, limits?: ValidationLimits): ValidRequest {
  const result = validateRequest(input, limits);
  if (!result.ok) throw new InvalidRequestError(result.issues);
  return result.request;
}

/** Re-exported for callers that build requests in code. */
export type { OffboardingRequest };
