import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from '../../codec/aes-gcm-codec';
import { bearerTokenAuthorizer, loopbackAuthorizer, type Authorizer } from '../../codec/auth';
import { payloadsFromJson, payloadsToJson } from '../../codec/payload-json';
import { createCodecServer } from '../../codec/server';
import { idsFoundIn, keyringOf, recognisableRequest } from './helpers';
import { request, type Reply } from './http-client';

const TOKEN = 'codec-test-token-0123456789abcdef';
const UI_ORIGIN = 'http://localhost:8233';
const b64 = (text: string) => Buffer.from(text).toString('base64');

interface Running {
  url: string;
  server: http.Server;
  logs: string[];
}

async function start(authorize: Authorizer, maxBodyBytes?: number): Promise<Running> {
  const logs: string[] = [];
  const server = createCodecServer({
    codec: new AesGcmPayloadCodec(keyringOf('k1')),
    authorize,
    allowedOrigins: [UI_ORIGIN],
    log: (line) => logs.push(line),
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, logs };
}

function stop(running: Running | undefined): Promise<void> {
  if (!running) return Promise.resolve();
  return new Promise((resolve) => {
    running.server.close(() => resolve());
    running.server.closeAllConnections();
  });
}

const json = (body: unknown) => JSON.stringify(body);
const post = (url: string, body: string, headers: Record<string, string> = {}): Promise<Reply> =>
  request(url, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });
const authorised = { Authorization: `Bearer ${TOKEN}`, 'X-Namespace': 'default' };

describe('codec server over HTTP', () => {
  jest.setTimeout(20_000);
  let running: Running;
  beforeAll(async () => {
    running = await start(bearerTokenAuthorizer(['another-token-that-is-long-enough', TOKEN]));
  });
  afterAll(() => stop(running));

  it('encodes and decodes for an authorised caller (round trip), in proto3 JSON', async () => {
    const { request: leaveRequest, ids } = recognisableRequest();
    const plain = payloadsToJson([defaultPayloadConverter.toPayload(leaveRequest)]);

    const encoded = await post(`${running.url}/encode`, json(plain), authorised);
    expect(encoded.status).toBe(200);
    expect(encoded.headers['content-type']).toBe('application/json');
    expect(encoded.headers['cache-control']).toBe('no-store');
    const encodedBody = JSON.parse(encoded.body) as { payloads: Array<{ metadata: Record<string, string> }> };
    expect(encodedBody.payloads[0]?.metadata).toEqual({
      encoding: b64('binary/encrypted'),
      'encryption-key-id': b64('k1'),
    });
    const encrypted = payloadsFromJson(encodedBody);
    expect(idsFoundIn(encrypted[0]!.data!, ids)).toEqual([]);

    // Only the last path segment counts: the CLI's `{namespace}` templating works too.
    // A UI endpoint with a trailing slash sends `//decode`.
    expect((await post(`${running.url}//decode`, '{}', authorised)).status).toBe(200);
    const decoded = await post(`${running.url}/default/decode`, encoded.body, authorised);
    expect(decoded.status).toBe(200);
    expect(JSON.parse(decoded.body)).toEqual(plain);
    expect(defaultPayloadConverter.fromPayload(payloadsFromJson(JSON.parse(decoded.body))[0]!)).toEqual(
      leaveRequest,
    );
  });

  it('passes unencrypted payloads through and accepts an empty Payloads', async () => {
    const plain = payloadsToJson([
      defaultPayloadConverter.toPayload('hello'),
      defaultPayloadConverter.toPayload(null),
    ]);
    const decoded = await post(`${running.url}/decode`, json(plain), authorised);
    expect(JSON.parse(decoded.body)).toEqual(plain);
    expect(JSON.parse((await post(`${running.url}/decode`, '{}', authorised)).body)).toEqual({
      payloads: [],
    });
  });

  it('refuses a caller without the right bearer token (401)', async () => {
    const body = json(payloadsToJson([defaultPayloadConverter.toPayload('x')]));
    const attempts: Array<Record<string, string>> = [
      {},
      { Authorization: 'Bearer wrong-token-0123456789abcdef' },
      { Authorization: `Bearer ${TOKEN}x` },
      { Authorization: `Basic ${b64(`user:${TOKEN}`)}` },
      { Authorization: TOKEN },
    ];
    for (const headers of attempts) {
      const reply = await post(`${running.url}/decode`, body, headers);
      expect(reply.status).toBe(401);
      expect(reply.headers['www-authenticate']).toBe('Bearer realm="temporal-codec"');
      expect(reply.body).toBe('not authorised\n');
    }
    expect((await post(`${running.url}/encode`, body)).status).toBe(401);
  });

  it('answers the CORS preflight for the Web UI origin only', async () => {
    const preflight = (origin: string) =>
      request(`${running.url}/decode`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,x-namespace,authorization',
        },
      });
    const allowed = await preflight(UI_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    expect(allowed.headers['access-control-allow-headers']).toBe(
      'Content-Type, X-Namespace, Authorization, Authorization-Extras',
    );
    expect(allowed.headers['access-control-allow-methods']).toBe('POST, OPTIONS');
    expect(allowed.headers.vary).toBe('Origin');

    for (const origin of ['https://evil.example', 'http://localhost:8234', 'null']) {
      const refused = await preflight(origin);
      expect(refused.status).toBe(403);
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('echoes the allowed origin on actual requests and refuses other origins even with a token', async () => {
    const body = json(payloadsToJson([defaultPayloadConverter.toPayload('x')]));
    const fromUi = await post(`${running.url}/decode`, body, { ...authorised, Origin: UI_ORIGIN });
    expect(fromUi.status).toBe(200);
    expect(fromUi.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(fromUi.headers['access-control-allow-credentials']).toBe('true');

    // A 401 for the UI still carries CORS headers, so the browser can tell the operator why.
    const unauthorised = await post(`${running.url}/decode`, body, { Origin: UI_ORIGIN });
    expect(unauthorised.status).toBe(401);
    expect(unauthorised.headers['access-control-allow-origin']).toBe(UI_ORIGIN);

    const fromElsewhere = await post(`${running.url}/decode`, body, {
      ...authorised,
      Origin: 'https://evil.example',
    });
    expect(fromElsewhere.status).toBe(403);
    expect(fromElsewhere.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers 400 for malformed JSON, malformed payloads and undecryptable payloads', async () => {
    const cases: Array<[string, string]> = [
      ['{"payloads": [', 'the body is not JSON\n'],
      ['[]', 'the body must be a JSON object\n'],
      ['{"payloads": {}}', 'payloads must be an array\n'],
      ['{"payloads": [42]}', 'payloads[0] must be an object\n'],
      [
        '{"payloads": [{"metadata": {"encoding": "not base64!"}}]}',
        'payloads[0].metadata["encoding"] must be a base64 string\n',
      ],
      ['{"payloads": [{"data": 7}]}', 'payloads[0].data must be a base64 string\n'],
    ];
    for (const [body, message] of cases) {
      const reply = await post(`${running.url}/decode`, body, authorised);
      expect(reply.status).toBe(400);
      expect(reply.body).toBe(message);
    }

    // Encrypted under a key this server does not hold: the message names the key id, nothing else.
    const other = new AesGcmPayloadCodec(keyringOf('k-other'));
    const foreign = payloadsToJson(
      await other.encode([defaultPayloadConverter.toPayload({ employeeId: 'E-secret' })]),
    );
    const reply = await post(`${running.url}/decode`, json(foreign), authorised);
    expect(reply.status).toBe(400);
    expect(reply.body).toMatch(/^payload was encrypted with key id "k-other", which is not in the keyring/);
  });

  it('answers 405 for a wrong method, 404 for an unknown path, 200 on /healthz without credentials', async () => {
    const get = await request(`${running.url}/decode`, { headers: authorised });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST, OPTIONS');
    expect(
      (await request(`${running.url}/decode`, { method: 'PUT', body: '{}', headers: authorised })).status,
    ).toBe(405);
    expect((await post(`${running.url}/healthz`, '{}')).status).toBe(405);
    expect((await post(`${running.url}/transcode`, '{}', authorised)).status).toBe(404);
    const health = await request(`${running.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.body).toBe('ok\n');
  });

  // Reads the lines logged by the tests above (Jest runs a file's tests in order).
  it('never logs payload contents or credentials', () => {
    const all = running.logs.join('\n');
    expect(all).toMatch(/POST \/decode 401 not authorised/);
    expect(all).toMatch(/POST \/decode 400 payload was encrypted with key id "k-other"/);
    for (const secret of [TOKEN, 'E-secret', 'EMP-', 'evil-token', b64('"hello"')])
      expect(all).not.toContain(secret);
  });
});

describe('codec server body limit', () => {
  jest.setTimeout(20_000);
  let running: Running;
  beforeAll(async () => {
    running = await start(bearerTokenAuthorizer([TOKEN]), 64 * 1024);
  });
  afterAll(() => stop(running));

  const big = json({ payloads: [{ data: Buffer.alloc(100 * 1024, 1).toString('base64') }] });

  it('answers 413 for a body over the limit, declared or streamed', async () => {
    const declared = await post(`${running.url}/decode`, big, authorised);
    expect(declared.status).toBe(413);
    expect(declared.body).toBe(`request body exceeds ${64 * 1024} bytes\n`);
    const streamed = await request(`${running.url}/decode`, {
      method: 'POST',
      body: big,
      chunked: true,
      headers: { 'Content-Type': 'application/json', ...authorised },
    });
    expect(streamed.status).toBe(413);
  });

  it('still serves requests under the limit', async () => {
    const small = json(payloadsToJson([defaultPayloadConverter.toPayload('small')]));
    expect((await post(`${running.url}/encode`, small, authorised)).status).toBe(200);
  });
});

describe('codec server access hooks', () => {
  jest.setTimeout(20_000);
  const body = json(payloadsToJson([defaultPayloadConverter.toPayload('x')]));

  it('loopback access: no token from this machine, but only under a loopback Host name (no DNS rebinding)', async () => {
    const running = await start(loopbackAuthorizer());
    try {
      const port = new URL(running.url).port;
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])
        expect((await post(`${running.url}/decode`, body, { Host: host })).status).toBe(200);
      expect(
        (await post(`${running.url}/decode`, body, { Host: `rebound.evil.example:${port}` })).status,
      ).toBe(401);
    } finally {
      await stop(running);
    }
  });

  it('a custom authorize hook decides; one that throws gives 500 without details', async () => {
    const running = await start((req) => {
      if (req.headers['x-fail'] === 'yes') throw new Error(`hook broke with ${TOKEN}`);
      return req.headers['x-namespace'] === 'default';
    });
    try {
      expect((await post(`${running.url}/decode`, body, { 'X-Namespace': 'default' })).status).toBe(200);
      expect((await post(`${running.url}/decode`, body, { 'X-Namespace': 'other' })).status).toBe(401);
      const broken = await post(`${running.url}/decode`, body, { 'X-Fail': 'yes' });
      expect(broken.status).toBe(500);
      expect(broken.body).toBe('internal error\n');
      expect(running.logs.join('\n')).not.toContain(TOKEN);
    } finally {
      await stop(running);
    }
  });
});
