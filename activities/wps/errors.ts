import { parseRetryAfter, VendorError, type VendorFailureKind } from '../vendor/errors';

/**
 * How WPS 365 answers map onto the closed set of failure types (activities/vendor/errors.ts).
 * specs/wps-365.md §5: the vendor's code table is not published, so this is deliberately
 * conservative and every rule is listed here.
 *
 * | answer                                                   | kind             | retried? |
 * | -------------------------------------------------------- | ---------------- | -------- |
 * | no answer (network error, timeout): see vendor/http.ts   | `transient`      | yes      |
 * | HTTP 429 or 5xx (Retry-After → retryAfterMs)             | `transient`      | yes      |
 * | a signature code (`WPS_SIGNATURE_REJECTED_CODES`), or    | `signature`      | no       |
 * |   HTTP 400/401/403 whose msg mentions the signature      |                  |          |
 * | HTTP 401/403, a token-invalid code after the one retry,  | `credentials`    | no       |
 * |   or any failure of the token endpoint                   |                  |          |
 * | HTTP 2xx whose body has no numeric `code`                | `protocol`       | no       |
 * | any other non-zero `code` (HTTP 200 included)            | `invalidRequest` | no       |
 */

/** Codes a third-party client treats as "token invalid or expired" (specs/wps-365.md §5). */
export const WPS_TOKEN_INVALID_CODES: ReadonlySet<number> = new Set([400001001, 400001005, 400001006]);

/**
 * Codes treated as "KSO-1 signature rejected" whatever the message says. 400001002 is the code the
 * project's simulator uses for a bad signature (simulators/wps/server.ts `WPS_CODES.signatureInvalid`);
 * the real vendor's code is not published, so `WpsClientOptions.signatureRejectedCodes` can add more.
 */
export const WPS_SIGNATURE_REJECTED_CODES: ReadonlySet<number> = new Set([400001002]);

export const WPS_SIGNATURE_HINT = "; check WPS_APP_ID, WPS_APP_KEY and this machine's clock";
export const WPS_TOKEN_CREDENTIALS_HINT = '; check WPS_APP_ID and WPS_APP_KEY';
export const WPS_PERMISSION_HINT =
  "; check the app's permission kso.contact.readwrite and WPS_APP_ID / WPS_APP_KEY";

/** The parts of an HTTP answer the mapping reads (an AxiosResponse fits). */
export interface WpsAnswer {
  status: number;
  data: unknown;
  headers: unknown;
}

export interface WpsFailureOptions {
  /** The answer came from the token endpoint. */
  isTokenCall?: boolean;
  /** Codes meaning "signature rejected". Default `WPS_SIGNATURE_REJECTED_CODES`. */
  signatureRejectedCodes?: ReadonlySet<number>;
  /** For an HTTP-date Retry-After. */
  now?: number;
}

interface WpsEnvelope {
  code?: unknown;
  msg?: unknown;
}

export function envelopeOf(data: unknown): WpsEnvelope {
  return typeof data === 'object' && data !== null ? (data as WpsEnvelope) : {};
}

export function wpsHeader(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const value: unknown = (headers as Record<string, unknown>)[name.toLowerCase()];
  return typeof value === 'string' ? value : undefined;
}

export function wpsRequestId(headers: unknown): string | undefined {
  return wpsHeader(headers, 'x-request-id') ?? wpsHeader(headers, 'x-kso-request-id');
}

export function isTokenRejection(status: number, code: unknown): boolean {
  return status === 401 || (typeof code === 'number' && WPS_TOKEN_INVALID_CODES.has(code));
}

export function isSignatureRejection(
  status: number,
  code: unknown,
  msg: unknown,
  codes: ReadonlySet<number> = WPS_SIGNATURE_REJECTED_CODES,
): boolean {
  if (typeof code === 'number' && codes.has(code)) return true;
  return (
    (status === 400 || status === 401 || status === 403) &&
    typeof msg === 'string' &&
    /sign|kso-1|x-kso-date/i.test(msg)
  );
}

/**
 * Turns a failed answer into a `VendorError`. The message and details hold only the HTTP status,
 * the vendor's code and msg, the request id and Retry-After: never a header we sent.
 */
export function mapWpsFailure(
  answer: WpsAnswer,
  operation: string,
  options: WpsFailureOptions = {},
): VendorError {
  const body = envelopeOf(answer.data);
  const status = answer.status;
  const vendorCode =
    typeof body.code === 'number' || typeof body.code === 'string' ? String(body.code) : undefined;
  const vendorMessage = typeof body.msg === 'string' ? body.msg : undefined;
  let kind: VendorFailureKind;
  let hint = '';
  if (status === 429 || status >= 500) kind = 'transient';
  else if (isSignatureRejection(status, body.code, body.msg, options.signatureRejectedCodes)) {
    kind = 'signature';
    hint = WPS_SIGNATURE_HINT;
  } else if (options.isTokenCall) {
    kind = 'credentials';
    hint = WPS_TOKEN_CREDENTIALS_HINT;
  } else if (status === 401 || status === 403 || isTokenRejection(status, body.code)) {
    kind = 'credentials';
    hint = WPS_PERMISSION_HINT;
  } else if (status >= 200 && status < 300 && typeof body.code !== 'number') {
    kind = 'protocol';
  } else kind = 'invalidRequest';
  const retryAfterMs =
    kind === 'transient' ? parseRetryAfter(wpsHeader(answer.headers, 'retry-after'), options.now) : undefined;
  const vendorRequestId = wpsRequestId(answer.headers);
  const details = {
    vendor: 'wps' as const,
    kind,
    operation,
    httpStatus: status,
    ...(vendorCode !== undefined ? { vendorCode } : {}),
    ...(vendorMessage !== undefined ? { vendorMessage } : {}),
    ...(vendorRequestId !== undefined ? { vendorRequestId } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
  const parts = [
    `HTTP ${status}`,
    vendorCode && `code ${vendorCode}`,
    vendorMessage && `"${vendorMessage}"`,
    vendorRequestId && `request ${vendorRequestId}`,
    retryAfterMs !== undefined && `retry after ${retryAfterMs} ms`,
  ];
  return new VendorError(details, `wps ${operation} failed: ${parts.filter(Boolean).join(', ')}${hint}`);
}
