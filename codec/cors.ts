import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * CORS for the codec server, which the Web UI calls from the operator's browser. A request from an
 * unlisted origin is refused outright (the browser would hide the answer, but the codec should not
 * even run); one without an Origin header (the CLI, curl) is no CORS matter and goes on to
 * authentication. Credentials are allowed (a UI with TEMPORAL_CODEC_INCLUDE_CREDENTIALS or
 * TEMPORAL_CODEC_PASS_ACCESS_TOKEN), which is why origins are echoed one by one and `*` is refused.
 */

/**
 * Request headers the Web UI and the CLI send. With TEMPORAL_CODEC_PASS_ACCESS_TOKEN the UI (2.42)
 * sends `Authorization: Bearer <access token>` and, when it has one, the OIDC id token as
 * `Authorization-Extras`; a preflight that left either out would block every decode.
 */
export const DEFAULT_ALLOWED_HEADERS = [
  'Content-Type',
  'X-Namespace',
  'Authorization',
  'Authorization-Extras',
] as const;

/** `scheme://host[:port]` in lower case without a trailing slash, or undefined if it is not an origin. */
export function normaliseOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== ''))
    return undefined;
  return url.origin;
}

export interface CorsPolicy {
  /** 'none': no Origin header; 'allowed': a listed origin; 'refused': any other. */
  check(req: IncomingMessage): 'none' | 'allowed' | 'refused';
  /** Adds the CORS headers of an actual (non-preflight) response for an allowed origin. */
  decorate(req: IncomingMessage, res: ServerResponse): void;
  /** Answers a preflight: 204 with the CORS headers for an allowed origin, 403 otherwise. */
  preflight(req: IncomingMessage, res: ServerResponse): void;
}

export function corsPolicy(
  allowedOrigins: readonly string[],
  allowedHeaders: readonly string[] = DEFAULT_ALLOWED_HEADERS,
): CorsPolicy {
  const allowed = new Set<string>();
  for (const origin of allowedOrigins) {
    const normal = normaliseOrigin(origin);
    // Configuration is checked where it is read (server-config.ts); this is the library's guard.
    if (!normal) throw new Error(`not a browser origin (scheme://host[:port]): ${origin}`);
    allowed.add(normal);
  }

  const originOf = (req: IncomingMessage): string | undefined => {
    const origin = req.headers.origin;
    return origin === undefined ? undefined : (normaliseOrigin(origin) ?? origin);
  };

  const check: CorsPolicy['check'] = (req) => {
    const origin = originOf(req);
    if (origin === undefined) return 'none';
    return allowed.has(origin) ? 'allowed' : 'refused';
  };

  const decorate: CorsPolicy['decorate'] = (req, res) => {
    res.setHeader('Vary', 'Origin');
    const origin = originOf(req);
    if (origin === undefined || !allowed.has(origin)) return;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
  };

  const preflight: CorsPolicy['preflight'] = (req, res) => {
    if (check(req) !== 'allowed') {
      res.setHeader('Vary', 'Origin');
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' }).end('origin not allowed\n');
      return;
    }
    decorate(req, res);
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', allowedHeaders.join(', '));
    res.setHeader('Access-Control-Max-Age', '600');
    // Chrome's Private Network Access: a UI served from a public origin calling a codec server on a
    // private address asks first; a listed origin may.
    if (req.headers['access-control-request-private-network'] === 'true')
      res.setHeader('Access-Control-Allow-Private-Network', 'true');
    res.writeHead(204).end();
  };

  return { check, decorate, preflight };
}
