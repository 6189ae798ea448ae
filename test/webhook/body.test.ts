import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BodyTooLargeError, readBody } from '../../webhook/body';

/** readBody on a real server: whole bodies are read, and reading stops at the limit. */
describe('webhook body reader', () => {
  let server: http.Server;
  let url: string;
  const outcomes: Array<{ size?: number; error?: string }> = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      readBody(req, 1024).then(
        (body) => {
          outcomes.push({ size: body.length });
          res.end('ok');
        },
        (err: unknown) => {
          outcomes.push({ error: err instanceof BodyTooLargeError ? 'too large' : String(err) });
          res.writeHead(413, { Connection: 'close' }).end('too large');
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => (outcomes.length = 0));

  function post(body: Buffer, headers: Record<string, string> = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method: 'POST', headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      // The server may close while the rest is still being sent: the answer already arrived.
      req.on('error', (err) => (outcomes.length > 0 ? undefined : reject(err)));
      req.end(body);
    });
  }

  it('reads a body up to the limit exactly', async () => {
    expect(await post(Buffer.alloc(1024, 'a'))).toBe(200);
    expect(outcomes).toEqual([{ size: 1024 }]);
  });

  it('refuses a declared Content-Length over the limit before reading', async () => {
    expect(await post(Buffer.alloc(4096, 'a'))).toBe(413);
    expect(outcomes).toEqual([{ error: 'too large' }]);
  });

  it('stops a chunked body (no Content-Length) once it passes the limit', async () => {
    expect(await post(Buffer.alloc(64 * 1024, 'a'), { 'Transfer-Encoding': 'chunked' })).toBe(413);
    expect(outcomes).toEqual([{ error: 'too large' }]);
  });
});
