import {
  parseRetryAfter,
  VendorError,
  type VendorErrorDetails,
  type VendorFailureKind,
} from '../vendor/errors';

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
/** `apiCode` 2020: the key pair has no permission for the call. */
export const API_CODE_NO_PERMISSION = 2020;

const MAX_VENDOR_MESSAGE = 300;

/** The answer as seen by the connector: HTTP status, the Retry-After header and the parsed body. */
export interface AuthingAnswer {
  httpStatus: number;
  retryAfter?: string;
  body: AuthingEnvelope;
}

export function envelopeOf(data: unknown): AuthingEnvelope {
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as AuthingEnvelope) : {};
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
  return answer.httpStatus >= 200 && answer.httpStatus < 300 && numberOf(answer.body.statusCode) === 200;
}

/** True when the HTTP status or the body's statusCode is 401: the token should be renewed once. */
export function isUnauthorized(answer: AuthingAnswer): boolean {
  return answer.httpStatus === 401 || numberOf(answer.body.statusCode) === 401;
}

export interface FailureContext {
  operation: string;
  /** The call was the token request itself. */
  tokenCall?: boolean;
  /** A 401 came back although the token had just been renewed. */
  afterRefresh?: boolean;
  /** Strings that must never appear in an error (secret, tokens). */
  sensitive?: readonly string[];
  now?: number;
}

/** Builds the error for an Authing answer that is not a success. */
export function authingFailure(answer: AuthingAnswer, ctx: FailureContext, what?: string): VendorError {
  const { body, httpStatus } = answer;
  const statusCode = numberOf(body.statusCode);
  const apiCode = numberOf(body.apiCode);
  const httpOk = httpStatus >= 200 && httpStatus < 300;
  // The worse of the two says what happened: a 2xx with a failing body is the body's failure.
  const effective = httpOk ? (statusCode ?? httpStatus) : httpStatus;
  const retryAfterMs = parseRetryAfter(answer.retryAfter, ctx.now);

  let kind: VendorFailureKind;
  let hint: string;
  if (httpStatus === 429 || effective === 429) {
    kind = 'transient';
    hint = 'was throttled (rate limit); retry later';
  } else if (httpStatus >= 500 || effective >= 500) {
    kind = 'transient';
    hint = 'failed on the vendor side; retry later';
  } else if (apiCode === API_CODE_USERPOOL_NOT_FOUND) {
    kind = 'credentials';
    hint = 'user pool not found; check AUTHING_USERPOOL_ID (and AUTHING_BASE_URL for a private deployment)';
  } else if (ctx.tokenCall) {
    kind = 'credentials';
    hint = 'refused the management token; check AUTHING_ACCESS_KEY_ID and AUTHING_ACCESS_KEY_SECRET';
  } else if (effective === 401) {
    kind = 'credentials';
    hint = ctx.afterRefresh
      ? 'refused a freshly issued management token; check AUTHING_USERPOOL_ID, AUTHING_ACCESS_KEY_ID and AUTHING_ACCESS_KEY_SECRET'
      : 'refused the management token; check AUTHING_ACCESS_KEY_ID and AUTHING_ACCESS_KEY_SECRET';
  } else if (effective === 403 || apiCode === API_CODE_NO_PERMISSION) {
    kind = 'credentials';
    hint =
      "was forbidden; the key pair in AUTHING_ACCESS_KEY_ID lacks permission to manage this pool's users (AUTHING_USERPOOL_ID)";
  } else if (effective >= 400) {
    kind = 'invalidRequest';
    hint = 'was rejected; not retried';
  } else {
    kind = 'protocol';
    hint = 'answered something that is not a success; not retried';
  }
  return buildError(kind, answer, ctx, what ?? hint, retryAfterMs);
}

/** An answer with statusCode 200 whose data does not confirm the action: never a success. */
export function unconfirmed(answer: AuthingAnswer, ctx: FailureContext, what: string): VendorError {
  return buildError('protocol', answer, ctx, what, undefined);
}

function buildError(
  kind: VendorFailureKind,
  answer: AuthingAnswer,
  ctx: FailureContext,
  what: string,
  retryAfterMs: number | undefined,
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
