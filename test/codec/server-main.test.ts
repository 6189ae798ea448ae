import { EventEmitter } from 'node:events';
import { ConfigError } from '../../config/env';
import { codecServerConfigFromEnv, DEFAULT_CORS_ORIGINS } from '../../codec/server-config';
import { main, startCodecServer } from '../../codec/server-main';
import { keyEntry } from './helpers';
import { request } from './http-client';

const TOKEN = 'server-main-token-0123456789';

describe('codec server configuration', () => {
  const k1 = keyEntry('k1');
  const base = { PAYLOAD_CODEC_KEYS: k1.entry, CODEC_SERVER_TOKEN: TOKEN };

  function configError(env: Record<string, string>): string {
    try {
      codecServerConfigFromEnv(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      expect(message).not.toContain(k1.base64);
      expect(message).not.toContain(TOKEN);
      return message;
    }
    throw new Error('expected a ConfigError');
  }

  it('has safe defaults: loopback, port 8888, the dev Web UI origin', () => {
    const config = codecServerConfigFromEnv(base);
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8888,
      allowedOrigins: DEFAULT_CORS_ORIGINS,
      tokens: [TOKEN],
      allowUnauthenticatedLoopback: false,
    });
    expect(config.allowedOrigins).toContain('http://localhost:8233');
    expect(config.keyring.currentKeyId).toBe('k1');
  });

  it('reads every setting', () => {
    const config = codecServerConfigFromEnv({
      ...base,
      CODEC_SERVER_TOKEN: `${TOKEN},${TOKEN}-next`,
      CODEC_SERVER_HOST: '0.0.0.0',
      CODEC_SERVER_PORT: '9999',
      CODEC_CORS_ORIGINS: 'https://temporal.example.com/, http://localhost:8080',
      CODEC_SERVER_MAX_BODY_BYTES: '1024',
      CODEC_SERVER_TLS_CERT_FILE: '/run/secrets/cert',
      CODEC_SERVER_TLS_KEY_FILE: '/run/secrets/key',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9999,
      allowedOrigins: ['https://temporal.example.com', 'http://localhost:8080'],
      tokens: [TOKEN, `${TOKEN}-next`],
      maxBodyBytes: 1024,
      tls: { certFile: '/run/secrets/cert', keyFile: '/run/secrets/key' },
    });
  });

  it('fails fast, naming the variable and never the secret', () => {
    expect(configError({ PAYLOAD_CODEC_KEYS: k1.entry })).toMatch(
      /^CODEC_SERVER_TOKEN \(or CODEC_SERVER_TOKEN_FILE\) is not set/,
    );
    expect(configError({ CODEC_SERVER_TOKEN: TOKEN })).toMatch(
      /^PAYLOAD_CODEC_KEYS \(or PAYLOAD_CODEC_KEYS_FILE\)/,
    );
    expect(configError({ ...base, CODEC_SERVER_TOKEN: `${TOKEN},short` })).toBe(
      'CODEC_SERVER_TOKEN: token 2 of 2 is shorter than 16 characters',
    );
    expect(configError({ ...base, CODEC_SERVER_PORT: '70000' })).toBe(
      'CODEC_SERVER_PORT must be a whole number from 0 to 65535, got "70000"',
    );
    expect(configError({ ...base, CODEC_CORS_ORIGINS: '*' })).toMatch(
      /^CODEC_CORS_ORIGINS: "\*" is not allowed/,
    );
    expect(configError({ ...base, CODEC_CORS_ORIGINS: 'http://localhost:8233/ui' })).toMatch(
      /^CODEC_CORS_ORIGINS: "http:\/\/localhost:8233\/ui" is not an origin/,
    );
    expect(configError({ ...base, CODEC_SERVER_TLS_CERT_FILE: '/c' })).toBe(
      'set both CODEC_SERVER_TLS_CERT_FILE and CODEC_SERVER_TLS_KEY_FILE, or neither',
    );
    expect(configError({ ...base, CODEC_SERVER_MAX_BODY_BYTES: '0' })).toMatch(
      /^CODEC_SERVER_MAX_BODY_BYTES must be/,
    );
    expect(
      configError({
        PAYLOAD_CODEC_KEYS: k1.entry,
        CODEC_SERVER_ALLOW_UNAUTHENTICATED_LOOPBACK: 'true',
        CODEC_SERVER_HOST: '0.0.0.0',
      }),
    ).toMatch(
      /^CODEC_SERVER_ALLOW_UNAUTHENTICATED_LOOPBACK=true needs CODEC_SERVER_HOST to be a loopback address/,
    );
  });

  it('allows a tokenless local stack only when asked, and only on loopback', () => {
    const config = codecServerConfigFromEnv({
      PAYLOAD_CODEC_KEYS: k1.entry,
      CODEC_SERVER_ALLOW_UNAUTHENTICATED_LOOPBACK: 'true',
    });
    expect(config.tokens).toEqual([]);
    expect(config.allowUnauthenticatedLoopback).toBe(true);
  });
});

describe('codec server process', () => {
  jest.setTimeout(20_000);
  const k1 = keyEntry('k1');

  it('serves with tokens and, when allowed, tokenless loopback callers', async () => {
    const config = codecServerConfigFromEnv({
      PAYLOAD_CODEC_KEYS: k1.entry,
      CODEC_SERVER_TOKEN: TOKEN,
      CODEC_SERVER_ALLOW_UNAUTHENTICATED_LOOPBACK: 'true',
      CODEC_SERVER_PORT: '0',
    });
    const running = await startCodecServer(config);
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const body = JSON.stringify({ payloads: [] });
      const headers = { 'Content-Type': 'application/json' };
      expect((await request(`${running.url}/decode`, { method: 'POST', body, headers })).status).toBe(200);
      const port = new URL(running.url).port;
      const rebound = { ...headers, Host: `evil.example:${port}` };
      expect(
        (await request(`${running.url}/decode`, { method: 'POST', body, headers: rebound })).status,
      ).toBe(401);
      const withToken = { ...rebound, Authorization: `Bearer ${TOKEN}` };
      expect(
        (await request(`${running.url}/decode`, { method: 'POST', body, headers: withToken })).status,
      ).toBe(200);
    } finally {
      await running.close();
    }
  });

  it('main: starts, logs where it listens without secrets, stops on SIGTERM', async () => {
    const signals = new EventEmitter();
    const logs: string[] = [];
    const exit = main(
      { PAYLOAD_CODEC_KEYS: k1.entry, CODEC_SERVER_TOKEN: TOKEN, CODEC_SERVER_PORT: '0' },
      signals,
      (line) => logs.push(line),
    );
    const deadline = Date.now() + 10_000;
    while (!logs.some((line) => line.startsWith('listening on ')) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const listening = logs.find((line) => line.startsWith('listening on ')) ?? '';
    const url = /listening on (http:\/\/[^;]+);/.exec(listening)?.[1] ?? '';
    expect((await request(`${url}/healthz`)).status).toBe(200);

    signals.emit('SIGTERM');
    await expect(exit).resolves.toBe(0);
    expect(logs).toContain('SIGTERM: stopping');
    expect(logs.join('\n')).not.toContain(TOKEN);
    expect(logs.join('\n')).not.toContain(k1.base64);
    await expect(request(`${url}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('main: a configuration error is reported by variable name, exit code 1', async () => {
    const logs: string[] = [];
    await expect(
      main({ CODEC_SERVER_TOKEN: TOKEN }, new EventEmitter(), (line) => logs.push(line)),
    ).resolves.toBe(1);
    expect(logs).toEqual([
      'cannot start: PAYLOAD_CODEC_KEYS (or PAYLOAD_CODEC_KEYS_FILE) is not set, and payload encryption is required here',
    ]);
  });
});
