/**
 * The offboarding request: the public contract shared by the CLI, the HR webhook and the workflow.
 * Pure types and constants only, so that workflow code and the client can both import it.
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

export interface Leaver {
  /** HR's employee number, for reports only; never sent to a vendor. */
  employeeId?: string;
  /** The WPS 365 user id (not an email or external id). */
  wpsUserId?: string;
  /** The Authing user, identified by the request's `authingUserIdType`. */
  authingUserId?: string;
}

/** What a caller submits; validated by `validateRequest` before anything is touched. */
export interface OffboardingRequest {
  /** Idempotency key: the workflow id is derived from it. */
  requestId: string;
  /** ISO 8601 instant with an offset; absent means "now". */
  effectiveAt?: string;
  /** Defaults to `user_id`; one of `ACCEPTED_AUTHING_USER_ID_TYPES`. */
  authingUserIdType?: AuthingUserIdType;
  leavers: Leaver[];
}

/** A validated request with its defaults filled in. */
export interface ValidRequest {
  requestId: string;
  /** Milliseconds since the epoch, or undefined for "as soon as possible". */
  effectiveAtMs?: number;
  authingUserIdType: AuthingUserIdType;
  leavers: Leaver[];
}

/** The most ids one vendor call may carry: Authing's documented limit, and the cap we use for WPS. */
export const MAX_IDS_PER_CALL = 50;

export function workflowIdFor(requestId: string): string {
  return `offboarding-${requestId}`;
}

/**
 * The form in which Authing compares an id of `type` (requested ids, record fields, and duplicates
 * in a request alike):
 * - `email`: lower-cased; Authing's user model declares emails case-insensitive.
 * - `phone`: spaces, dashes, dots and parentheses removed, a leading `+` kept. A country prefix is
 *   neither added nor removed: `+8613800000001` and `13800000001` stay different. Dropping `+86`
 *   would guess a country (11 digits starting with 1 are also a North American number with its
 *   country code). If Authing matched one form to a user stored in the other, that record comes back
 *   carrying none of the ids sent, which stops the batch with an error: never `not_found`.
 * - anything else: as given (Authing documents no folding for them; a record that differs comes
 *   back matching nothing sent and stops the batch the same way).
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
