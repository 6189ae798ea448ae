import {
  parseRetryAfter,
  VendorError,
  type VendorErrorDetails,
  type VendorFailureKind,
} from '../shared/errors';
import { isSuccess } from '../shared/http';

/**
 * Authing's answers mapped onto the closed set of vendor failure types. Authing normally answers
 * HTTP 200 and puts the outcome in the body's `statusCode`; a rate limit is HTTP 429 (body
 * `statusCode` 429). Messages and details are built only from the vendor's status, codes, message
 * and request id, and every string known to be sensitive (the access key secret, issued tokens) is
 * cut out of the vendor's message in case the vendor ever echoes it.
 */

/** The body every Authing management-API call answers with. */
export interface AuthingEnvelope {
  statusCode?: unknown;
  apiCode?: unknown;
  message?: unknown;
  requestId?: unknown;
  data?: unknown;
}

/** `VendorErrorDetails` plus Authing's two codes, kept apart (the shared `vendorCode` is apiCode ?? statusCode). */
export interface AuthingErrorDetails extends VendorErrorDetails {
  vendor: 'authing';
  /** The body's `statusCode`, when the body had one. */
  statusCode?: number;
  /** The body's `apiCode`, when the body had one. */
  apiCode?: number;
}

/** `apiCode` 2224: the user pool in `x-authing-userpool-id` does not exist. */
export const API_CODE_USERPOOL_NOT_FOUND = 2224;
/**
 * `apiCode` 2020: not logged in, i.e. a missing or dead token (the SDKs, specs/authing.md
 * "Confirmed since"); not a permission error. Renewed once, like a 401.
 */
export const API_CODE_NOT_LOGGED_IN = 2020;
/** `apiCode` 2004: user not found. */
export const API_CODE_USER_NOT_FOUND = 2004;
/**
 * The `apiCode`s that mean "some of the ids sent were refused", so that splitting the batch can
 * isolate them (`refusesIds`). Configurable (`AUTHING_ID_REJECTED_API_CODES`): Authing documents no
 * such code for the batch calls, only 2004 user not found.
 */
export const DEFAULT_ID_REJECTED_API_CODES: readonly number[] = [API_CODE_USER_NOT_FOUND];

const MAX_VENDOR_MESSAGE = 300;

/** The answer as seen by the connector: HTTP status, the Retry-After header and the parsed body. */
export interface AuthingAnswer {
  httpStatus: number;
  retryAfter?: string;
  body: AuthingEnvelope;
}

function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

/** Replaces every sensitive string in `text` and bounds its length. */
export function redact(text: string, sensitive: readonly string[]): string {
  let out = text;
  for (const s of sensitive) {
    if (s.length >= 4) out = out.split(s).join('[redacted]');
  }
  return out.length > MAX_VENDOR_MESSAGE ? `${out.slice(0, MAX_VENDOR_MESSAGE)}…` : out;
}

/** True only for a 2xx answer whose body says `statusCode` 200. */
export function isOk(answer: AuthingAnswer): boolean {
  return isSuccess(answer.httpStatus) && numberOf(answer.body.statusCode) === 200;
}

/**
 * True when the HTTP status or the body's statusCode is 401, or the apiCode is 2020 (not logged in):
 * the token should be renewed once.
 */
export function isUnauthorized(answer: AuthingAnswer): boolean {
  return (
    answer.httpStatus === 401 ||
    numberOf(answer.body.statusCode) === 401 ||
    numberOf(answer.body.apiCode) === API_CODE_NOT_LOGGED_IN
  );
}

export interface FailureContext {
  operation: string;
  /** The call was the token request itself. */
  tokenCall?: boolean;
  /** A 401 (or apiCode 2020) came back although the token had just been renewed. */
  afterRefresh?: boolean;
  /** apiCodes that mean "some ids were refused" (`refusesIds`); default DEFAULT_ID_REJECTED_API_CODES. */
  idRejectedApiCodes?: readonly number[];
  /** Strings that must never appear in an error (secret, tokens). */
  sensitive?: readonly string[];
  now?: number;
}

/** Builds the error for an Authing answer that is not a success. */
export function authingFailure(answer: AuthingAnswer, ctx: FailureContext, what?: string): VendorError {
  const { body, httpStatus } = answer;
  const statusCode = numberOf(body.statusCode);
  const apiCode = numberOf(body.apiCode);
  // The worse of the two says what happened: a 2xx with a failing body is the body's failure.
  const effective = isSuccess(httpStatus) ? (statusCode ?? httpStatus) : httpStatus;
  const retryAfterMs = parseRetryAfter(answer.retryAfter, ctx.now);

  let kind: VendorFailureKind;
  let hint: string;
  let refusesIds = false;
  if (httpStatus === 429 || effective === 429) {
    kind = 'transient';
    hint = 'was throttled (rate limit); retry later';
  } else if (httpStatus >= 500 || effective >= 500 || httpStatus === 499 || effective === 499) {
    // 499 (the SDKs list it; a gateway's "client closed request"): the exchange was cut before the
    // service answered, so nothing says it refused or acted. Transient; a resign after it is
    // re-read before being sent again, as after a 5xx (call-retry.ts `mayHaveActed`).
    kind = 'transient';
    hint = 'failed on the vendor side; retry later';
  } else if (apiCode === API_CODE_USERPOOL_NOT_FOUND) {
    kind = 'credentials';
    hint = 'user pool not found; check AUTHING_USERPOOL_ID (and AUTHING_BASE_URL for a private deployment)';
  } else if (ctx.tokenCall) {
    kind = 'credentials';
    hint = 'refused the management token; check AUTHING_ACCESS_KEY_ID and AUTHING_ACCESS_KEY_SECRET';
  } else if (apiCode === API_CODE_NOT_LOGGED_IN) {
    kind = 'credentials';
    hint = ctx.afterRefresh
      ? 'answered apiCode 2020 (not logged in) to a freshly issued management token: the token is not accepted for this pool; check that AUTHING_USERPOOL_ID is the pool the key pair in AUTHING_ACCESS_KEY_ID belongs to (or administers)'
      : 'answered apiCode 2020 (not logged in): the management token was not accepted; check AUTHING_USERPOOL_ID, AUTHING_ACCESS_KEY_ID and AUTHING_ACCESS_KEY_SECRET';
  } else if (effective === 401) {
    kind = 'credentials';
    hint = ctx.afterRefresh
      ? 'refused a freshly issued management token; check AUTHING_USERPOOL_ID, AUTHING_ACCESS_KEY_ID and AUTHING_ACCESS_KEY_SECRET'
      : 'refused the management token; check AUTHING_ACCESS_KEY_ID and AUTHING_ACCESS_KEY_SECRET';
  } else if (effective === 403) {
    kind = 'credentials';
    hint =
      "was forbidden; the key pair in AUTHING_ACCESS_KEY_ID lacks permission to manage this pool's users (AUTHING_USERPOOL_ID)";
  } else if (effective >= 400) {
    kind = 'invalidRequest';
    // Only a configured apiCode says the refusal is about ids: only then may the batch be split.
    refusesIds =
      apiCode !== undefined && (ctx.idRejectedApiCodes ?? DEFAULT_ID_REJECTED_API_CODES).includes(apiCode);
    hint = refusesIds
      ? `was rejected; apiCode ${apiCode} refuses some of the ids sent (AUTHING_ID_REJECTED_API_CODES), so splitting the batch may isolate them`
      : 'was rejected; not retried';
  } else {
    kind = 'protocol';
    hint = 'answered something that is not a success; not retried';
  }
  return buildError(kind, answer, ctx, what ?? hint, retryAfterMs, refusesIds);
}

function buildError(
  kind: VendorFailureKind,
  answer: AuthingAnswer,
  ctx: FailureContext,
  what: string,
  retryAfterMs: number | undefined,
  refusesIds = false,
): VendorError {
  const { body, httpStatus } = answer;
  const sensitive = ctx.sensitive ?? [];
  const statusCode = numberOf(body.statusCode);
  const apiCode = numberOf(body.apiCode);
  const vendorMessage = typeof body.message === 'string' ? redact(body.message, sensitive) : undefined;
  const vendorRequestId =
    typeof body.requestId === 'string' ? redact(body.requestId, sensitive).slice(0, 128) : undefined;
  const vendorCode =
    apiCode !== undefined ? String(apiCode) : statusCode !== undefined ? String(statusCode) : undefined;
  const details: AuthingErrorDetails = {
    vendor: 'authing',
    kind,
    operation: ctx.operation,
    httpStatus,
    ...(statusCode !== undefined ? { statusCode } : {}),
    ...(apiCode !== undefined ? { apiCode } : {}),
    ...(vendorCode !== undefined ? { vendorCode } : {}),
    ...(vendorMessage !== undefined ? { vendorMessage } : {}),
    ...(vendorRequestId !== undefined ? { vendorRequestId } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(refusesIds ? { refusesIds } : {}),
  };
  const parts = [
    `HTTP ${httpStatus}`,
    statusCode !== undefined && `statusCode ${statusCode}`,
    apiCode !== undefined && `apiCode ${apiCode}`,
    vendorMessage && `"${vendorMessage}"`,
    vendorRequestId && `requestId ${vendorRequestId}`,
    retryAfterMs !== undefined && `retry after ${retryAfterMs} ms`,
  ].filter(Boolean);
  return new VendorError(details, `authing ${ctx.operation}: ${what} (${parts.join(', ')})`);
}

/** A refusal made before anything is sent (no token fetched, no request). */
export function refusedLocally(operation: string, what: string): VendorError {
  return new VendorError(
    { vendor: 'authing', kind: 'invalidRequest', operation },
    `authing ${operation}: ${what}; nothing was sent`,
  );
}
