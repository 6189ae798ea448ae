import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The HR webhook's signature scheme, as Stripe and Slack sign theirs (docs/webhook.md): `v1=<hex
 * HMAC-SHA256(secret, timestamp + "." + raw body)>`. The timestamp is signed with the body, so a
 * captured request cannot be replayed after the tolerance window.
 */

export const SIGNATURE_VERSION = 'v1';

export function signatureOf(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** The `X-HR-Signature` header value for a body sent at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return `${SIGNATURE_VERSION}=${signatureOf(secret, timestamp, rawBody)}`;
}

export interface SignedRequest {
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
}

export type Verification = { ok: true; signature: string } | { ok: false; reason: string };

const TIMESTAMP = /^\d{1,12}$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/**
 * Checks a request's signature, then its freshness. Reasons name what is wrong, never what the
 * right value would have been.
 */
export function verifySignature(
  request: SignedRequest,
  secret: string,
  options: { nowMs: number; toleranceSeconds: number },
): Verification {
  const { timestamp, signature, rawBody } = request;
  if (timestamp === undefined || timestamp === '')
    return { ok: false, reason: 'the X-HR-Timestamp header is missing' };
  if (!TIMESTAMP.test(timestamp)) {
    return { ok: false, reason: 'X-HR-Timestamp must be a whole number of seconds since 1970 (unix time)' };
  }
  if (signature === undefined || signature === '')
    return { ok: false, reason: 'the X-HR-Signature header is missing' };
  const offered = signature
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${SIGNATURE_VERSION}=`))
    .map((part) => part.slice(SIGNATURE_VERSION.length + 1))
    .filter((hex) => HEX_SHA256.test(hex));
  if (offered.length === 0) {
    return {
      ok: false,
      reason: `X-HR-Signature must be ${SIGNATURE_VERSION}=<64 hex digits of HMAC-SHA256>`,
    };
  }
  const expected = Buffer.from(signatureOf(secret, timestamp, rawBody), 'hex');
  // Constant-time comparison, so that the time taken does not tell how much of a guess was right.
  const match = offered.find((hex) => timingSafeEqual(Buffer.from(hex, 'hex'), expected));
  if (match === undefined)
    return { ok: false, reason: 'the signature does not match the body and timestamp' };
  const ageSeconds = options.nowMs / 1000 - Number(timestamp);
  if (Math.abs(ageSeconds) > options.toleranceSeconds) {
    return {
      ok: false,
      reason:
        `X-HR-Timestamp is ${Math.round(Math.abs(ageSeconds))} s ${ageSeconds > 0 ? 'old' : 'in the future'}; ` +
        `at most ${options.toleranceSeconds} s are accepted (a replayed request, or a clock to fix)`,
    };
  }
  return { ok: true, signature: match.toLowerCase() };
}
