import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { PayloadCodec } from '@temporalio/common';
import { PayloadDecryptionError } from './aes-gcm-codec';
import type { Authorizer } from './auth';
import { corsPolicy, DEFAULT_ALLOWED_HEADERS } from './cors';
import { payloadsFromJson, payloadsToJson, PayloadsJsonError } from './payload-json';

/**
 * Temporal's remote codec server protocol, so that the Web UI and the `temporal` CLI can show the
 * payloads encrypted at rest (endpoints and answers: docs/codec.md, "The codec server"). Only the
 * last path segment counts, as the protocol asks; the keyring is the same for every `X-Namespace`.
 * Nothing a payload holds, and no credential, is ever logged.
 */

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Decides who may encode and decode: see auth.ts (bearer tokens, loopback, or your own check). */
  authorize: Authorizer;
  /** Browser origins allowed to call, e.g. the Web UI's `http://localhost:8233`. Default: none. */
  allowedOrigins?: readonly string[];
  /** Request headers allowed in CORS. Default: Content-Type, X-Namespace, Authorization. */
  allowedHeaders?: readonly string[];
  /** Largest request body accepted, in bytes. Default 4 MiB (Temporal's default payload limit is 2 MiB). */
  maxBodyBytes?: number;
  /** Receives one line per refused or failed request (method, path, status, reason). Default: dropped. */
  log?: (line: string) => void;
}

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new HttpError(413, `request body exceeds ${maxBytes} bytes`);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      // Drain without keeping anything, so that the client gets to read the 413.
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      failed = true;
      reject(err);
    });
  });
}

function actionOf(pathname: string): 'encode' | 'decode' | undefined {
  const path = pathname.replace(/\/+$/, '');
  if (path.endsWith('/decode')) return 'decode';
  if (path.endsWith('/encode')) return 'encode';
  return undefined;
}

function send(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    // Decrypted personal data must not be kept by a browser or proxy cache.
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

/** The request handler, for mounting in a server of your own (https, a framework). */
export function createCodecRequestHandler(
  options: CodecServerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log = options.log ?? (() => undefined);
  const cors = corsPolicy(options.allowedOrigins ?? [], options.allowedHeaders ?? DEFAULT_ALLOWED_HEADERS);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    // Not `new URL(req.url, base)`: a UI endpoint configured with a trailing slash sends `//decode`,
    // which URL would read as a host name.
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';

    if (pathname === '/healthz') {
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'use GET', { Allow: 'GET, HEAD' });
      send(res, 200, 'ok\n', 'text/plain; charset=utf-8');
      return;
    }
    const action = actionOf(pathname);
    if (!action) throw new HttpError(404, 'not found: use POST /encode or POST /decode');
    if (method === 'OPTIONS') {
      cors.preflight(req, res);
      if (res.statusCode !== 204) log(`${method} ${pathname} ${res.statusCode} origin not allowed`);
      return;
    }
    if (method !== 'POST') throw new HttpError(405, 'use POST', { Allow: 'POST, OPTIONS' });
    if (cors.check(req) === 'refused') throw new HttpError(403, 'origin not allowed');
    cors.decorate(req, res);
    if (!(await options.authorize(req)))
      throw new HttpError(401, 'not authorised', { 'WWW-Authenticate': 'Bearer realm="temporal-codec"' });

    const raw = await readBody(req, maxBodyBytes);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new HttpError(400, 'the body is not JSON');
    }
    const payloads = payloadsFromJson(body);
    const result =
      action === 'decode' ? await options.codec.decode(payloads) : await options.codec.encode(payloads);
    send(res, 200, JSON.stringify(payloadsToJson(result)), 'application/json');
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      const method = req.method ?? '';
      const path = (req.url ?? '').split('?')[0];
      let status = 500;
      let message = 'internal error';
      let headers: Record<string, string> = {};
      if (err instanceof HttpError) ({ status, message, headers } = err);
      // Both say which payload or key id, never what a payload holds or any key.
      else if (err instanceof PayloadsJsonError || err instanceof PayloadDecryptionError) {
        status = 400;
        message = err.message;
      }
      log(
        `${method} ${path} ${status} ${message}` +
          (status === 500 && err instanceof Error ? ` (${err.name})` : ''),
      );
      if (res.headersSent) {
        res.destroy();
        return;
      }
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      send(res, status, `${message}\n`, 'text/plain; charset=utf-8');
    });
  };
}

/** An HTTP server (HTTPS with `tls`) speaking the remote codec protocol; call `listen` on it. */
export function createCodecServer(options: CodecServerOptions, tls?: https.ServerOptions): http.Server {
  const handler = createCodecRequestHandler(options);
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  // Bound slow or stalled clients; a decode round trip is milliseconds.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  return server;
}
