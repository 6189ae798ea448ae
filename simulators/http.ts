import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Small HTTP helpers shared by both vendor simulators (no framework: they must stay transparent). */

export class BodyTooLargeError extends Error {}

export async function readBody(req: http.IncomingMessage, limitBytes = 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limitBytes) throw new BodyTooLargeError(`body over ${limitBytes} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': bytes.length,
    ...headers,
  });
  res.end(bytes);
}

export function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** A running simulator: its base URL and a way to stop it. */
export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `handle`, each request's body read first; a body over the limit is answered 413 and any
 * other failure 500, with the JSON `errorBody` makes for the vendor played.
 */
export async function serve(
  handle: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => Promise<void>,
  errorBody: (status: number, message: string) => unknown,
  port: number,
  host: string,
): Promise<Listening> {
  const server = http.createServer((req, res) => {
    readBody(req)
      .then((body) => handle(req, res, body))
      .catch((err: unknown) => {
        if (err instanceof BodyTooLargeError) sendJson(res, 413, errorBody(413, err.message));
        else sendJson(res, 500, errorBody(500, 'simulator error'));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Issues opaque tokens that expire; revocation makes a live token invalid at once. */
export class TokenIssuer {
  private readonly tokens = new Map<string, number>();
  private counter = 0;

  constructor(
    private readonly prefix: string,
    private readonly ttlSeconds: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  issue(): { token: string; expiresIn: number } {
    this.counter += 1;
    const token = `${this.prefix}-${this.counter}-${Math.random().toString(36).slice(2, 12)}`;
    const expiresIn = this.ttlSeconds();
    this.tokens.set(token, this.now() + expiresIn * 1000);
    return { token, expiresIn };
  }

  isValid(token: string | undefined): boolean {
    if (token === undefined) return false;
    const expiry = this.tokens.get(token);
    return expiry !== undefined && this.now() < expiry;
  }

  revokeAll(): void {
    this.tokens.clear();
  }

  get issued(): number {
    return this.counter;
  }
}
