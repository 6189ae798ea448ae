import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * Who may use the codec server. Whoever passes can decrypt any payload, so every request is checked
 * (except the CORS preflight, which carries no credentials by the browsers' rules, and /healthz).
 */

/** Decides whether a request may encode or decode. Must not throw for a bad credential: answer false. */
export type Authorizer = (req: IncomingMessage) => boolean | Promise<boolean>;

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header === undefined ? null : /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Accepts `Authorization: Bearer <token>` for any of `tokens` (several, so that a token can be rotated
 * without downtime). Compared in constant time: both sides are hashed first, so neither the length
 * nor a matching prefix shows in the timing, and every token is compared, without an early exit.
 * The `temporal` CLI sends one with `--codec-auth "Bearer <token>"`.
 */
export function bearerTokenAuthorizer(tokens: readonly string[]): Authorizer {
  if (tokens.length === 0) throw new Error('bearerTokenAuthorizer needs at least one token');
  const expected = tokens.map(digest);
  return (req) => {
    const presented = bearerToken(req);
    if (presented === undefined) return false;
    const actual = digest(presented);
    let ok = false;
    for (const candidate of expected) ok = timingSafeEqual(candidate, actual) || ok;
    return ok;
  };
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const plain = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}

function hostName(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  try {
    return new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * For a local stack only: accepts requests without credentials when they come from this machine and
 * are addressed to a loopback name. The Host check defeats DNS rebinding (a web page whose own name
 * resolves to 127.0.0.1 would otherwise be same-origin with this server and need no CORS).
 * The Web UI of `temporal server start-dev` has no login, hence no token to pass: this is how it
 * reaches the codec server in development.
 */
export function loopbackAuthorizer(): Authorizer {
  return (req) =>
    isLoopbackAddress(req.socket.remoteAddress) && LOOPBACK_NAMES.has(hostName(req.headers.host) ?? '');
}

/** Passes when any of the authorizers does (tried in order). */
export function anyOf(...authorizers: Authorizer[]): Authorizer {
  return async (req) => {
    for (const authorize of authorizers) if (await authorize(req)) return true;
    return false;
  };
}

/** True for a host to bind that is only reachable from this machine. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host.toLowerCase()) || isLoopbackAddress(host);
}
