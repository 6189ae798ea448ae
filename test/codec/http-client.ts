import http from 'node:http';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A bare HTTP request (node:http, not fetch: tests must set headers such as Origin and Host freely
 * and send chunked bodies), on a fresh connection each time (no keep-alive pool to outlive a server). Bounded: a server that does not answer fails the test, not the suite.
 */
export function request(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    chunked?: boolean;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...options.headers };
    if (options.body !== undefined && !options.chunked)
      headers['Content-Length'] = Buffer.byteLength(options.body);
    const req = http.request(
      url,
      { method: options.method ?? 'GET', headers, timeout: 10_000, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within 10 s`)));
    req.on('error', reject);
    if (options.body !== undefined) {
      if (options.chunked) {
        // Several writes without a length: the server only learns the size as it reads.
        const body = Buffer.from(options.body);
        for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
      } else {
        req.write(options.body);
      }
    }
    req.end();
  });
}
