import { createHash, createHmac } from 'node:crypto';

/**
 * The KSO-1 request signature (specs/wps-365.md §2), as a pure function:
 *   signature = hex(HMAC-SHA256(appKey, "KSO-1" + METHOD + REQUEST_URI + CONTENT_TYPE + DATE + BODY_HASH))
 * where BODY_HASH is hex(SHA-256(body)) for a non-empty body and the empty string for an empty one.
 */
export interface Kso1Input {
  method: string;
  /** Path and query exactly as sent, without scheme or host: a gateway's path prefix included. */
  requestUri: string;
  /** The exact Content-Type header value sent; '' when none is sent. */
  contentType: string;
  /** The exact X-Kso-Date header value (RFC 1123). */
  date: string;
  /** The exact body bytes sent. */
  body: Uint8Array;
  appId: string;
  appKey: string;
}

export function kso1BodyHash(body: Uint8Array): string {
  return body.length === 0 ? '' : createHash('sha256').update(body).digest('hex');
}

export function kso1Signature(input: Kso1Input): string {
  const message =
    'KSO-1' +
    input.method.toUpperCase() +
    input.requestUri +
    input.contentType +
    input.date +
    kso1BodyHash(input.body);
  return createHmac('sha256', input.appKey).update(message, 'utf8').digest('hex');
}

/** The `X-Kso-Authorization` header value. */
export function kso1Authorization(input: Kso1Input): string {
  return `KSO-1 ${input.appId}:${kso1Signature(input)}`;
}

/** RFC 1123 date as KSO-1 wants it, e.g. `Wed, 23 Jan 2013 06:43:08 GMT`. */
export function kso1Date(at: Date): string {
  return at.toUTCString();
}
