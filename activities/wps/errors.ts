import { contractContext, contractViolation } from '../shared/contract';
import {
  parseRetryAfter,
  VendorError,
  type VendorErrorDetails,
  type VendorFailureKind,
} from '../shared/errors';
import { headerValue, isSuccess } from '../shared/http';

/**
 * How WPS 365 failures map onto the closed set of failure types (activities/shared/errors.ts).
 * specs/wps-365.md §5/§6: the vendor's code table is not published, so only the HTTP status and
 * configured codes decide; the message text never does (it may be in any language). First match wins:
 *
 * | answer                                                          | kind             | retried? |
 * | --------------------------------------------------------------- | ---------------- | -------- |
 * | no answer (network error, timeout): see shared/http.ts          | `transient`      | yes      |
 * | HTTP 429 or 5xx (Retry-After → retryAfterMs)                    | `transient`      | yes      |
 * | a throttling code (`429` + six digits, or configured), or a     | `transient`      | yes      |
 * |   server code (`5` + eight digits), whatever the HTTP status    |                  |          |
 * | HTTP 2xx without a non-zero numeric `code` (nor OAuth `error`)  | `protocol`       | no       |
 * | a signature code (`WPS_SIGNATURE_REJECTED_CODES` + configured)  | `signature`      | no       |
 * | `403000001` (the app lacks a permission scope)                  | `credentials`    | no       |
 * | HTTP 3xx or 404 (WPS_BASE_URL wrong, e.g. a gateway's prefix)   | `invalidRequest` | no       |
 * | any other failure of the token endpoint                         | `credentials`    | no       |
 * | HTTP 401/403, or a token-invalid code after the one retry       | `credentials`    | no       |
 * | any other non-zero `code` (HTTP 200 included)                   | `invalidRequest` | no       |
 *
 * An `invalidRequest` whose code is an id-refusal code (`WPS_ID_REJECTED_CODES`, or configured) has
 * `refusesIds: true`: only such a batch is split to isolate the offending ids.
 */

/** Codes a third-party client treats as "token invalid or expired" (specs/wps-365.md §5). */
export const WPS_TOKEN_INVALID_CODES: ReadonlySet<number> = new Set([400001001, 400001005, 400001006]);

/**
 * Codes treated as "KSO-1 signature rejected". 400001002 is the project's simulator's code
 * (simulators/wps/server.ts `WPS_CODES.signatureInvalid`); the vendor's is not published, so
 * `WpsClientOptions.signatureRejectedCodes` (`WPS_SIGNATURE_REJECTED_CODES`) adds more.
 */
export const WPS_SIGNATURE_REJECTED_CODES: ReadonlySet<number> = new Set([400001002]);

/**
 * Codes meaning "the vendor refused some of the ids sent" (a batch may be split to find them). These
 * are the simulator's codes for unknown ids, invalid ids and already disabled users: the vendor's are
 * not published. `WpsClientOptions.idRejectedCodes` (`WPS_ID_REJECTED_CODES`) replaces them.
 */
export const WPS_ID_REJECTED_CODES: ReadonlySet<number> = new Set([400000002, 400000001, 400000003]);

/** "No permission for this API": the app lacks a permission scope (seen in public clients, §6). */
export const WPS_SCOPE_MISSING_CODE = 403000001;

export const WPS_SIGNATURE_HINT = "; check WPS_APP_ID, WPS_APP_KEY and this machine's clock";
export const WPS_TOKEN_CREDENTIALS_HINT = '; check WPS_APP_ID and WPS_APP_KEY';
export const WPS_PERMISSION_HINT =
  "; check the app's permission kso.contact.readwrite and WPS_APP_ID / WPS_APP_KEY";
export const WPS_BASE_URL_HINT =
  "; check WPS_BASE_URL: it must be the API's root, including a gateway's path prefix (e.g. https://host/openapi)";

/** The permission scope an operation needs, as the vendor's console names it. */
export function wpsScopeHint(operation: string): string {
  const scope =
    operation === 'batch_read' ? 'kso.contact.read (or kso.contact.readwrite)' : 'kso.contact.readwrite';
  return `; the app lacks the permission scope ${scope} needed for ${operation}: grant it to the app in the WPS 365 developer console (and have it approved), then retry`;
}

/** Longest vendor text (msg, detail, more) kept in an error. */
export const WPS_VENDOR_TEXT_MAX = 500;

/** A WPS failure's details: the common ones plus the reply's optional `detail` and `more` (§6). */
export interface WpsErrorDetails extends VendorErrorDetails {
  vendorDetail?: string;
  vendorMore?: string;
}

/** The parts of an HTTP answer the mapping reads (an AxiosResponse fits). */
export interface WpsAnswer {
  status: number;
  data: unknown;
  headers: unknown;
}

/** Which vendor codes mean what: configurable, since the vendor's code table is not published. */
export interface WpsCodeRules {
  /** Codes meaning "signature rejected". Default `WPS_SIGNATURE_REJECTED_CODES`. */
  signatureRejectedCodes?: ReadonlySet<number>;
  /** Throttling codes besides `429` + six digits. Default none. */
  throttledCodes?: ReadonlySet<number>;
  /** Codes meaning "some ids were refused". Default `WPS_ID_REJECTED_CODES`. */
  idRejectedCodes?: ReadonlySet<number>;
}

export interface WpsFailureOptions extends WpsCodeRules {
  /** The answer came from the token endpoint. */
  isTokenCall?: boolean;
  /** For an HTTP-date Retry-After. */
  now?: number;
  /** Strings that must never appear in an error (app key, token), replaced if the vendor echoes them. */
  secrets?: readonly string[];
}

interface WpsFailureBody {
  code?: unknown;
  msg?: unknown;
  detail?: unknown;
  more?: unknown;
  error?: unknown;
  error_description?: unknown;
}

export function envelopeOf(data: unknown): WpsFailureBody {
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as WpsFailureBody) : {};
}

/** The vendor's request id header, if any (§6: none is documented), at most 200 characters. */
export function wpsRequestId(headers: unknown): string | undefined {
  return (headerValue(headers, 'x-request-id') ?? headerValue(headers, 'x-kso-request-id'))?.slice(0, 200);
}

/** The vendor code as a number; only a JSON number counts (a string is not the documented shape). */
export function numericCode(code: unknown): number | undefined {
  return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
}

export function isTokenRejection(status: number, code: unknown): boolean {
  const n = numericCode(code);
  return status === 401 || (n !== undefined && WPS_TOKEN_INVALID_CODES.has(n));
}

/** Only the configured codes decide: message text is never read (it may be Chinese, or reworded). */
export function isSignatureRejection(
  code: unknown,
  codes: ReadonlySet<number> = WPS_SIGNATURE_REJECTED_CODES,
): boolean {
  const n = numericCode(code);
  return n !== undefined && codes.has(n);
}

/** §6: codes are the HTTP status followed by six digits, so `429xxxxxx` is a rate limit. */
export function isThrottledCode(code: unknown, extra: ReadonlySet<number> = new Set()): boolean {
  const n = numericCode(code);
  return n !== undefined && (/^429\d{6}$/.test(String(n)) || extra.has(n));
}

/** §6: `5xxxxxxxx` is a server-side failure, transient like an HTTP 5xx. */
export function isServerErrorCode(code: unknown): boolean {
  const n = numericCode(code);
  return n !== undefined && /^5\d{8}$/.test(String(n));
}

/**
 * Vendor text fit for an error: JSON when not a string, echoed secrets replaced, control and
 * invisible characters blanked, at most `WPS_VENDOR_TEXT_MAX` characters. Undefined when absent.
 */
export function vendorText(value: unknown, secrets: readonly string[] = []): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      // A parsed JSON value always serialises; anything else is named by its type only.
      text = JSON.stringify(value) ?? typeof value;
    } catch {
      text = typeof value;
    }
  }
  for (const secret of secrets) if (secret !== '') text = text.split(secret).join('[secret]');
  // eslint-disable-next-line no-control-regex
  text = text.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/g, ' ');
  return text.length > WPS_VENDOR_TEXT_MAX ? `${text.slice(0, WPS_VENDOR_TEXT_MAX)}…` : text;
}

/**
 * Turns a failed answer into a `VendorError`. The message and details hold only the HTTP status,
 * the vendor's code, msg, detail and more (bounded), the request id and Retry-After: never a header
 * we sent, and never a secret the vendor might echo.
 */
export function mapWpsFailure(
  answer: WpsAnswer,
  operation: string,
  options: WpsFailureOptions = {},
): VendorError {
  const body = envelopeOf(answer.data);
  const status = answer.status;
  const secrets = options.secrets ?? [];
  const code = numericCode(body.code);
  const oauthError = typeof body.error === 'string' && body.error !== '' ? body.error : undefined;
  const vendorRequestId = wpsRequestId(answer.headers);

  // A 2xx that is neither a success nor a failure we can read: nothing about it can be trusted.
  if (isSuccess(status) && (code === undefined || code === 0) && !oauthError) {
    return contractViolation(
      contractContext('wps', operation, status, vendorRequestId),
      'code',
      code === 0 ? 'code 0 but not the success answer' : 'expected a numeric code',
      answer.data,
    );
  }

  let kind: VendorFailureKind;
  let hint = '';
  if (status === 429 || status >= 500) kind = 'transient';
  else if (isThrottledCode(code, options.throttledCodes) || isServerErrorCode(code)) kind = 'transient';
  else if (isSignatureRejection(code, options.signatureRejectedCodes)) {
    kind = 'signature';
    hint = WPS_SIGNATURE_HINT;
  } else if (code === WPS_SCOPE_MISSING_CODE) {
    kind = 'credentials';
    hint = wpsScopeHint(operation);
  } else if (status === 404 || (status >= 300 && status < 400)) {
    kind = 'invalidRequest';
    hint = WPS_BASE_URL_HINT;
  } else if (options.isTokenCall) {
    kind = 'credentials';
    hint = WPS_TOKEN_CREDENTIALS_HINT;
  } else if (status === 401 || status === 403 || isTokenRejection(status, code)) {
    kind = 'credentials';
    hint = WPS_PERMISSION_HINT;
  } else kind = 'invalidRequest';

  const idRejected = options.idRejectedCodes ?? WPS_ID_REJECTED_CODES;
  const refusesIds =
    kind === 'invalidRequest' && !options.isTokenCall && code !== undefined && idRejected.has(code);
  // A throttle inside HTTP 200 is a throttle: the vendor did nothing (activities/shared/call-retry.ts).
  const throttled = status === 429 || isThrottledCode(code, options.throttledCodes);
  const retryAfterMs =
    kind === 'transient'
      ? parseRetryAfter(headerValue(answer.headers, 'retry-after'), options.now)
      : undefined;
  // OAuth-style token failures ({error, error_description}) fill the same two fields.
  const hasCode = typeof body.code === 'number' || typeof body.code === 'string';
  const vendorCode = vendorText(hasCode ? String(body.code) : oauthError, secrets);
  const vendorMessage = vendorText(typeof body.msg === 'string' ? body.msg : body.error_description, secrets);
  const vendorDetail = vendorText(body.detail, secrets);
  const vendorMore = vendorText(body.more, secrets);
  const details: WpsErrorDetails = {
    vendor: 'wps',
    kind,
    operation,
    httpStatus: status,
    ...(vendorCode !== undefined ? { vendorCode } : {}),
    ...(vendorMessage !== undefined ? { vendorMessage } : {}),
    ...(vendorDetail !== undefined ? { vendorDetail } : {}),
    ...(vendorMore !== undefined ? { vendorMore } : {}),
    ...(vendorRequestId !== undefined ? { vendorRequestId } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(refusesIds ? { refusesIds } : {}),
    ...(throttled ? { throttled } : {}),
  };
  const parts = [
    `HTTP ${status}`,
    vendorCode && `${hasCode ? 'code' : 'error'} ${vendorCode}`,
    vendorMessage && `"${vendorMessage}"`,
    vendorDetail && `detail "${vendorDetail}"`,
    vendorMore && `more ${vendorMore}`,
    vendorRequestId && `request ${vendorRequestId}`,
    retryAfterMs !== undefined && `retry after ${retryAfterMs} ms`,
  ];
  return new VendorError(details, `wps ${operation} failed: ${parts.filter(Boolean).join(', ')}${hint}`);
}
