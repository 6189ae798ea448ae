import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Secret } from '../../activities/shared/secret';
import {
  createWebhookServer,
  EVENTS_PATH,
  UNREAD_BODY_DISCARD_BYTES,
  UNREAD_BODY_DISCARD_MS,
} from '../../webhook/server';
import { freePort } from '../../scripts/lib/ports';

/**
 * A sender whose body the webhook refuses before reading all of it (a 413 on the declared size or
 * past the limit while streaming, a 415 ...) gets that answer, never a broken pipe: a real
 * `http.request` that really writes megabytes, as an HR system would. (Everything is refused before
 * the signature is checked, so no Temporal server is needed.)
 */
describe('webhook: early answers to a sender still sending its body', () => {
  const LIMIT = 64 * 1024;
  const BODY_BYTES = 4 * 1024 * 1024;
  let server: http.Server;
  let connection: Connection;
  let port: number;
  const lines: string[] = [];

  beforeAll(async () => {
    connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, interceptors: [] });
    server = createWebhookServer({
      secret: new Secret('a-secret-0123456789'),
      client: new Client({ connection }),
      taskQueue: 'offboarding',
      namespace: 'default',
      maxBodyBytes: LIMIT,
      log: (line) => lines.push(line),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await connection.close().catch(() => undefined);
  });

  interface Outcome {
    /** What the client saw, in order: `continue`, `response <status>`, `end`, `error <code>`, `close`. */
    events: string[];
    status?: number;
    headers?: http.IncomingHttpHeaders;
    body: string;
    /** Bytes the client handed to its socket before the exchange ended. */
    written: number;
  }

  /**
   * POSTs `total` bytes in 64 KiB writes (waiting for the socket to drain, as a streaming sender
   * does), with a Content-Length unless `chunked`; with `expectContinue`, waits for `100 Continue`
   * before sending, and sends nothing if a final answer comes first.
   */
  function post(
    total: number,
    opts: { chunked?: boolean; expectContinue?: boolean; contentType?: string } = {},
  ): Promise<Outcome> {
    return new Promise((resolve) => {
      const outcome: Outcome = { events: [], body: '', written: 0 };
      const headers: http.OutgoingHttpHeaders = { 'Content-Type': opts.contentType ?? 'application/json' };
      if (!opts.chunked) headers['Content-Length'] = total;
      if (opts.expectContinue) headers.Expect = '100-continue';
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: EVENTS_PATH, headers, agent: false },
        (res) => {
          outcome.events.push(`response ${res.statusCode}`);
          outcome.status = res.statusCode;
          outcome.headers = res.headers;
          res.setEncoding('utf8');
          res.on('data', (text: string) => (outcome.body += text));
          res.on('end', () => {
            outcome.events.push('end');
            // Waiting for 100 Continue that will not come: nothing more to send.
            if (opts.expectContinue && !outcome.events.includes('continue')) req.destroy();
          });
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) =>
        outcome.events.push(`error ${err.code ?? err.message}`),
      );
      req.on('close', () => {
        outcome.events.push('close');
        resolve(outcome);
      });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const send = (): void => {
        while (outcome.written < total) {
          if (req.destroyed) return;
          const n = Math.min(chunk.length, total - outcome.written);
          outcome.written += n;
          if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
            req.once('drain', send);
            return;
          }
        }
        req.end();
      };
      if (opts.expectContinue) {
        req.on('continue', () => {
          outcome.events.push('continue');
          send();
        });
        req.flushHeaders();
      } else send();
    });
  }

  const tooLarge = {
    error: 'too_large',
    message: `the body is over the limit of ${LIMIT} bytes`,
    limitBytes: LIMIT,
  };

  it('a declared Content-Length over the limit, body really sent: 413 with its JSON, no broken pipe', async () => {
    for (let i = 0; i < 3; i++) {
      const outcome = await post(BODY_BYTES);
      expect(outcome.events).toEqual(['response 413', 'end', 'close']);
      expect(outcome.headers?.connection).toBe('close');
      expect(JSON.parse(outcome.body)).toEqual(tooLarge);
      // Node's client itself stops sending once it has a complete answer saying `Connection: close`.
      expect(outcome.written).toBeGreaterThan(LIMIT);
    }
  });

  it('a chunked body that passes the limit while streaming: 413 with its JSON, no broken pipe', async () => {
    const outcome = await post(BODY_BYTES, { chunked: true });
    expect(outcome.events).toEqual(['response 413', 'end', 'close']);
    expect(JSON.parse(outcome.body)).toEqual(tooLarge);
  });

  it('with Expect: 100-continue, a declared size over the limit is refused before the body is sent', async () => {
    const outcome = await post(BODY_BYTES, { expectContinue: true });
    expect(outcome.events.slice(0, 2)).toEqual(['response 413', 'end']);
    expect(outcome.events).not.toContain('continue');
    expect(outcome.events.filter((e) => e.startsWith('error'))).toEqual([]);
    expect(JSON.parse(outcome.body)).toEqual(tooLarge);
    expect(outcome.written).toBe(0);
  });

  it('with Expect: 100-continue, a body within the limit is asked for (and then judged)', async () => {
    const outcome = await post(1024, { expectContinue: true });
    expect(outcome.events).toEqual(['continue', 'response 401', 'end', 'close']);
    expect(outcome.written).toBe(1024);
  });

  it('any early refusal of a large body, e.g. a 415, reaches the sender the same way', async () => {
    const outcome = await post(BODY_BYTES, { contentType: 'text/plain' });
    expect(outcome.events).toEqual(['response 415', 'end', 'close']);
    expect(JSON.parse(outcome.body)).toMatchObject({ error: 'unsupported_media_type' });
  });

  it('docs/webhook.md gives the same bounds of what is read and dropped', () => {
    const doc = fs.readFileSync(path.join(__dirname, '../../docs/webhook.md'), 'utf8').replace(/\s+/g, ' ');
    expect(doc).toContain(
      `up to ${UNREAD_BODY_DISCARD_BYTES / 1024 / 1024} MiB more and for up to ${UNREAD_BODY_DISCARD_MS / 1000} s`,
    );
  });

  it('logs each refusal once', () => {
    expect(lines.filter((l) => / 413 too_large /.test(l))).toHaveLength(5);
  });
});
