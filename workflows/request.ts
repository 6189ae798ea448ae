import { z } from 'zod';

/**
 * The offboarding request: the public contract shared by the CLI, the HR webhook and the workflow,
 * declared once with zod. The types are inferred from it, `validateRequest` (./validation.ts) runs
 * it, and docs/request.schema.json is generated from it (`npm run schema`). Deterministic and free
 * of Node built-ins, so that workflow code can run it.
 *
 * Every message names the rule broken, never the value refused (it may be personal data, megabytes
 * long, or rewrite a terminal line); `validateRequest` adds the field and the leaver.
 */

/** Every `userIdType` that Authing's resign-user-batch accepts (specs/authing.md §2). */
export const AUTHING_USER_ID_TYPES = [
  'user_id',
  'external_id',
  'phone',
  'email',
  'username',
  'identity',
  'sync_relation',
  'custom_field',
] as const;
export type AuthingUserIdType = (typeof AUTHING_USER_ID_TYPES)[number];

/**
 * The types a request may use. Not `custom_field`: a user record does not say which custom field
 * matched, so the resigned users could never be read back and verified (activities/authing/user-match.ts).
 */
export const ACCEPTED_AUTHING_USER_ID_TYPES = AUTHING_USER_ID_TYPES.filter(
  (type): type is Exclude<AuthingUserIdType, 'custom_field'> => type !== 'custom_field',
);

/** The most ids one vendor call may carry: Authing's documented limit, and the cap we use for WPS. */
export const MAX_IDS_PER_CALL = 50;

/** Most leavers in one request (a test lowers it). */
export const DEFAULT_VALIDATION_LIMITS = { maxLeavers: 100_000 };
export type ValidationLimits = typeof DEFAULT_VALIDATION_LIMITS;
const MAX_ID_LENGTH = 256;

// An ISO 8601 instant that names its offset, so that "18:00" is never read in the wrong zone.
const ISO_INSTANT_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;
const NOT_ISO = 'must be an ISO 8601 time with an offset, e.g. 2026-11-30T18:00:00+08:00';
const REQUEST_ID_RULE =
  'must be 1-128 characters of letters, digits, ".", "_", ":" or "-", starting with a letter or digit';
const ACCEPTED = ACCEPTED_AUTHING_USER_ID_TYPES.join(', ');
const MONTHS = 'January February March April May June July August September October November December'.split(
  ' ',
);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// zod reports every rule an id breaks; validateRequest shows the first.
const Id = z
  .string({ error: ({ input }) => `must be a string, got ${input === null ? 'null' : typeof input}` })
  .min(1, 'must not be empty')
  .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`)
  .regex(/^\S*$/u, 'must not contain whitespace')
  // Control and invisible format characters make ids that look equal but are not.
  .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'must not contain control or invisible characters')
  // Half of a UTF-16 pair (a JSON "\ud800" escape): no real id has one, and it prints as U+FFFD.
  .regex(/^\P{Cs}*$/u, 'must not contain a lone surrogate (broken Unicode)');

/** One leaver (unknown keys are refused: validateRequest names each). */
export const LeaverSchema = z
  .strictObject(
    {
      employeeId: Id.describe("HR's employee number, for reports only; never sent to a vendor"),
      wpsUserId: Id.describe('The WPS 365 user id (not an email or external id)'),
      authingUserId: Id.describe("The Authing user, identified by the request's authingUserIdType")
        // Authing's get-user-batch (the read-back that verifies a resign) takes its ids comma-separated.
        .regex(
          /^[^,]*$/,
          'must not contain a comma: Authing reads ids as a comma-separated list, so this user could not be verified',
        ),
    },
    { error: 'must be an object' },
  )
  .partial()
  .refine((leaver) => leaver.wpsUserId !== undefined || leaver.authingUserId !== undefined, {
    error: 'needs at least one of wpsUserId, authingUserId',
    when: ({ value }) => isRecord(value), // also beside a bad id
  })
  .meta({ anyOf: [{ required: ['wpsUserId'] }, { required: ['authingUserId'] }] });

/** The request as declared, with `limits` (the default ones: `OffboardingRequestSchema`). */
export const requestSchema = ({ maxLeavers }: ValidationLimits = DEFAULT_VALIDATION_LIMITS) =>
  z
    .strictObject(
      {
        requestId: z
          .string({ error: ({ input }) => (input === undefined ? 'is required' : REQUEST_ID_RULE) })
          .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, REQUEST_ID_RULE)
          .describe('Idempotency key: the workflow id is offboarding-<requestId>'),
        effectiveAt: z
          .string({ error: NOT_ISO })
          .regex(ISO_INSTANT_PATTERN, NOT_ISO)
          .transform((text, context) => {
            const ms = parseEffectiveAt(text);
            if (typeof ms === 'number') return ms;
            context.issues.push({ code: 'custom', message: ms, input: text });
            return z.NEVER;
          })
          .optional()
          .describe('When to act: an ISO 8601 time with its UTC offset, a real calendar time; absent: now'),
        authingUserIdType: z
          .enum(ACCEPTED_AUTHING_USER_ID_TYPES, {
            error: ({ input }) =>
              input === 'custom_field'
                ? "cannot be custom_field: Authing's user records do not say which custom field matched, so the " +
                  `resigned users could never be verified; use one of ${ACCEPTED} (external_id for an HR employee number)`
                : `must be one of ${ACCEPTED}`,
          })
          .default('user_id')
          .describe('What each authingUserId is'),
        leavers: z
          .array(LeaverSchema, { error: 'must be a non-empty array' })
          .min(1, 'must not be empty')
          // Checked before any leaver: zod parses no element of an array over its maximum.
          .max(maxLeavers, {
            error: ({ input }) =>
              `has ${(input as unknown[]).length} entries; at most ${maxLeavers} are accepted in one request`,
          })
          .describe(
            'Each id once per system (emails compared ignoring case, phone numbers ignoring punctuation), an employeeId on one leaver only',
          ),
      },
      { error: 'must be a JSON object' },
    )
    .superRefine(
      ({ leavers, authingUserIdType }, context) => {
        // Ids a rule refused are no duplicates; a refused id type compares as the default.
        const refused = new Set(context.issues.map((issue) => issue.path?.join('.')));
        const type = refused.has('authingUserIdType') ? 'user_id' : authingUserIdType;
        findDuplicates(leavers, 0, newSeenIds(type), refused, (issue) => context.addIssue(issue));
      },
      // Whatever else failed, but not when the list itself was refused.
      { when: ({ value, issues }) => isRecord(value) && !issues.some((i) => i.path?.join() === 'leavers') },
    )
    .transform(({ effectiveAt, ...request }): typeof request & { effectiveAtMs?: number } =>
      effectiveAt === undefined ? request : { ...request, effectiveAtMs: effectiveAt },
    )
    .meta({ title: 'Offboarding request', description: 'Explained in docs/webhook.md' });

export const OffboardingRequestSchema = requestSchema();
/** What a caller submits; validated by `validateRequest` before anything is touched. */
export type OffboardingRequest = z.input<typeof OffboardingRequestSchema>;
/** A validated request with its defaults filled in; `effectiveAtMs` in ms since the epoch, absent for "now". */
export type ValidRequest = z.output<typeof OffboardingRequestSchema>;
export type Leaver = z.output<typeof LeaverSchema>;

export function workflowIdFor(requestId: string): string {
  return `offboarding-${requestId}`;
}

/**
 * The form in which Authing compares an id of `type` (requested ids, record fields, and duplicates
 * in a request alike): an `email` lower-cased (Authing declares emails case-insensitive); a `phone`
 * without spaces, dashes, dots and parentheses, its country prefix neither added nor removed
 * (dropping `+86` would guess a country); anything else as given (Authing documents no folding). A
 * record Authing matched in another form carries none of the ids sent, which stops the batch with an
 * error: never `not_found`.
 */
export function authingIdKey(id: string, type: AuthingUserIdType): string {
  switch (type) {
    case 'email':
      return id.toLowerCase();
    case 'phone':
      return id.replace(/[\s\-.()]/g, '');
    default:
      return id;
  }
}

export const ID_FIELDS = ['employeeId', 'wpsUserId', 'authingUserId'] as const;

/**
 * Ids seen so far per system, and employee numbers, with the index of the leaver that had each;
 * Authing ids keyed as Authing compares them (`authingIdKey`: `A@x.com` and `a@x.com` are one email).
 */
export type SeenIds = Record<(typeof ID_FIELDS)[number], Map<string, number>> & {
  authingUserIdType: AuthingUserIdType;
};

export function newSeenIds(authingUserIdType: AuthingUserIdType = 'user_id'): SeenIds {
  return { employeeId: new Map(), wpsUserId: new Map(), authingUserId: new Map(), authingUserIdType };
}

export function seenKey(seen: SeenIds, field: (typeof ID_FIELDS)[number], id: string): string {
  return field === 'authingUserId' ? authingIdKey(id, seen.authingUserIdType) : id;
}

/**
 * Reports each id of `leavers` (at `offset` in the request) that an earlier leaver has, in this list
 * or in `seen` (left as it is), skipping those at a path in `refused`. Which of the two entries holds
 * the right ids is for HR to say, not for us to guess.
 */
export function findDuplicates(
  leavers: readonly unknown[],
  offset: number,
  seen: SeenIds,
  refused: ReadonlySet<string | undefined>,
  report: (issue: { code: 'custom'; path: [string, number, string]; message: string }) => void,
): void {
  const here = newSeenIds(seen.authingUserIdType);
  leavers.forEach((leaver, i) => {
    for (const field of ID_FIELDS) {
      const id = isRecord(leaver) ? leaver[field] : undefined;
      if (typeof id !== 'string' || refused.has(`leavers.${i}.${field}`)) continue;
      const key = seenKey(seen, field, id);
      const first = seen[field].get(key) ?? here[field].get(key);
      if (first === undefined) here[field].set(key, offset + i);
      else {
        const message = `duplicates leavers[${first}].${field} (${id})`;
        const why = field === 'employeeId' ? "; one employee's ids belong on one leaver" : '';
        report({ code: 'custom', path: ['leavers', i, field], message: message + why });
      }
    }
  });
}

/** Milliseconds since the epoch, or what is wrong with the value. */
export function parseEffectiveAt(value: unknown): number | string {
  const match = typeof value === 'string' ? ISO_INSTANT_PATTERN.exec(value) : null;
  if (!match) return NOT_ISO;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offsetHours = 0, offsetMinutes = 0] =
    [1, 2, 3, 4, 5, 6, 8, 9].map((group) => Number(match[group] ?? 0));
  const offset = (match[7] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  // Day 0 of the next month is the last of this one (setUTCFullYear: Date.UTC reads 0-99 as 19xx).
  const days = new Date(new Date(0).setUTCFullYear(year, month, 0)).getUTCDate();
  // Date.parse rolls fields over (2026-02-30 becomes 2 March, 24:00 the next day): each is checked first.
  const problems: Array<[boolean, string]> = [
    [month < 1 || month > 12, `there is no month ${month} (01-12)`],
    [
      day < 1 || day > days,
      `${MONTHS[month - 1]} ${String(year).padStart(4, '0')} has no day ${day} (it has ${days})`,
    ],
    [hour > 23, `the hour must be 00-23, got ${hour}${hour === 24 ? ' (write 00:00 of the next day)' : ''}`],
    [minute > 59, `the minute must be 00-59, got ${minute}`],
    [second > 59, `the second must be 00-59, got ${second}`],
    // Real zones span -12:00 to +14:00: an offset past them is a typo, not a place.
    [
      offsetMinutes > 59 || offset < -12 * 60 || offset > 14 * 60,
      'the UTC offset must be between -12:00 and +14:00, its minutes 00-59',
    ],
  ];
  const problem = problems.find(([broken]) => broken)?.[1];
  if (problem) return `is not a real time: ${problem}`;
  const ms = Date.parse(match[0]);
  return Number.isNaN(ms) ? 'is not a real time' : ms;
}
