import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { CALL_PACER_DEFAULT_MARGIN, CallPacer } from '../../activities/shared/call-pacer';
import { ConfigError } from '../../config/env';
import { loadWorkerConfig } from '../../worker/config';
import { createVendorClients } from '../../worker/worker';

const SECRET = 'sk-super-secret-value-123';
const complete = {
  WPS_BASE_URL: 'https://openapi.wps.cn/',
  WPS_APP_ID: 'AK1',
  WPS_APP_KEY: SECRET,
  AUTHING_BASE_URL: 'https://api.authing.cn',
  AUTHING_USERPOOL_ID: 'pool',
  AUTHING_ACCESS_KEY_ID: 'pool',
  AUTHING_ACCESS_KEY_SECRET: SECRET,
};

function errorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadWorkerConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('worker configuration', () => {
  it('reads a complete environment with defaults', () => {
    const config = loadWorkerConfig(complete);
    expect(config.taskQueue).toBe('offboarding');
    expect(config.wps.baseUrl).toBe('https://openapi.wps.cn');
    expect(config.wps.appKey.reveal()).toBe(SECRET);
  });

  it.each(['WPS_BASE_URL', 'WPS_APP_ID', 'AUTHING_BASE_URL', 'AUTHING_USERPOOL_ID', 'AUTHING_ACCESS_KEY_ID'])(
    'names a missing %s',
    (name) => {
      expect(errorOf({ ...complete, [name]: undefined }).message).toBe(`${name} is not set`);
    },
  );

  it.each(['WPS_APP_KEY', 'AUTHING_ACCESS_KEY_SECRET'])(
    'names a missing secret %s and its _FILE form',
    (name) => {
      expect(errorOf({ ...complete, [name]: undefined }).message).toBe(
        `${name} (or ${name}_FILE) is not set`,
      );
    },
  );

  it('names a malformed URL', () => {
    expect(errorOf({ ...complete, AUTHING_BASE_URL: 'api.authing.cn' }).message).toBe(
      'AUTHING_BASE_URL must be an http(s) URL, got "api.authing.cn"',
    );
  });

  it('reads a secret from a file, and never shows one in an error, a log or JSON', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    const file = path.join(dir, 'wps-key');
    fs.writeFileSync(file, `${SECRET}\n`);
    const config = loadWorkerConfig({ ...complete, WPS_APP_KEY: undefined, WPS_APP_KEY_FILE: file });
    expect(config.wps.appKey.reveal()).toBe(SECRET);
    for (const shown of [
      JSON.stringify(config),
      inspect(config, { depth: 9 }),
      String(config.wps.appKey),
      `${config.authing.accessKeySecret.toString()}`,
    ]) {
      expect(shown).not.toContain(SECRET);
    }
    expect(errorOf({ ...complete, WPS_APP_KEY_FILE: file }).message).toBe(
      'set WPS_APP_KEY or WPS_APP_KEY_FILE, not both',
    );
    const missing = errorOf({
      ...complete,
      WPS_APP_KEY: undefined,
      WPS_APP_KEY_FILE: path.join(dir, 'nope'),
    });
    expect(missing.message).toMatch(/^WPS_APP_KEY_FILE names a file that cannot be read \(ENOENT\)/);
    fs.rmSync(dir, { recursive: true });
  });

  it('rejects a bad number', () => {
    expect(errorOf({ ...complete, WORKER_MAX_CONCURRENT_ACTIVITIES: '0' }).message).toBe(
      'WORKER_MAX_CONCURRENT_ACTIVITIES must be a whole number of at least 1, got "0"',
    );
  });

  describe('call pacing (WPS_CALLS_PER_SECOND, AUTHING_CALLS_PER_SECOND)', () => {
    it('is off when unset or empty', () => {
      expect(loadWorkerConfig(complete).callsPerSecond).toEqual({});
      expect(
        loadWorkerConfig({ ...complete, WPS_CALLS_PER_SECOND: '', AUTHING_CALLS_PER_SECOND: '' })
          .callsPerSecond,
      ).toEqual({});
    });

    it('reads each vendor on its own, fractions included', () => {
      const config = loadWorkerConfig({
        ...complete,
        WPS_CALLS_PER_SECOND: '15',
        AUTHING_CALLS_PER_SECOND: '2.5',
      });
      expect(config.callsPerSecond).toEqual({ wps: 15, authing: 2.5 });
      expect(loadWorkerConfig({ ...complete, AUTHING_CALLS_PER_SECOND: '7' }).callsPerSecond).toEqual({
        authing: 7,
      });
    });

    it('refuses the removed task-queue rate instead of ignoring it, naming what to set instead', () => {
      expect(
        errorOf({ ...complete, WPS_ACTIVITIES_PER_SECOND: '5', AUTHING_ACTIVITIES_PER_SECOND: '5' }).message,
      ).toBe(
        "WPS_ACTIVITIES_PER_SECOND is no longer read (the task-queue rate never bound): unset it, and set WPS_CALLS_PER_SECOND to the vendor's limit ÷ worker replicas; " +
          "AUTHING_ACTIVITIES_PER_SECOND is no longer read (the task-queue rate never bound): unset it, and set AUTHING_CALLS_PER_SECOND to the vendor's limit ÷ worker replicas",
      );
    });

    it.each([
      ['WPS_CALLS_PER_SECOND', '0'],
      ['WPS_CALLS_PER_SECOND', '-3'],
      ['AUTHING_CALLS_PER_SECOND', 'ten'],
      ['AUTHING_CALLS_PER_SECOND', 'Infinity'],
      ['WPS_CALLS_PER_SECOND', '5/s'],
    ])('names %s when it is %p', (name, value) => {
      expect(errorOf({ ...complete, [name]: value }).message).toBe(
        `${name} must be a number above 0, got "${value}"`,
      );
    });

    it("reaches each vendor client's pacer, and none when unset", () => {
      const paced = createVendorClients(
        loadWorkerConfig({ ...complete, WPS_CALLS_PER_SECOND: '20', AUTHING_CALLS_PER_SECOND: '4' }),
      );
      expect(paced.wps.pacer).toBeInstanceOf(CallPacer);
      // 1/rate, plus the pacer's default margin (activities/shared/call-pacer.ts).
      expect((paced.wps.pacer as CallPacer).intervalMs).toBeCloseTo(50 * (1 + CALL_PACER_DEFAULT_MARGIN), 9);
      expect((paced.authing.pacer as CallPacer).intervalMs).toBeCloseTo(
        250 * (1 + CALL_PACER_DEFAULT_MARGIN),
        9,
      );
      expect(paced.wps.pacer).not.toBe(paced.authing.pacer);

      const unpaced = createVendorClients(loadWorkerConfig({ ...complete, WPS_CALLS_PER_SECOND: '20' }));
      expect(unpaced.wps.pacer).toBeInstanceOf(CallPacer);
      expect(unpaced.authing.pacer).toBeUndefined();
    });
  });

  describe('run notifications (OFFBOARD_NOTIFY_URL, OFFBOARD_NOTIFY_SECRET)', () => {
    const NOTIFY_SECRET = 'notify-secret-value-456';
    const URL = 'https://relay.example/offboarding/';

    it('are off when the URL is unset or empty, whatever else is set', () => {
      expect('notify' in loadWorkerConfig(complete)).toBe(false);
      expect(
        'notify' in
          loadWorkerConfig({ ...complete, OFFBOARD_NOTIFY_URL: ' ', OFFBOARD_NOTIFY_SECRET: NOTIFY_SECRET }),
      ).toBe(false);
    });

    it('read the URL as given, the secret, and the Web UI base of the links (default as for the CLI)', () => {
      const config = loadWorkerConfig({
        ...complete,
        OFFBOARD_NOTIFY_URL: URL,
        OFFBOARD_NOTIFY_SECRET: NOTIFY_SECRET,
      });
      expect(config.notify?.url).toBe(URL);
      expect(config.notify?.secret.reveal()).toBe(NOTIFY_SECRET);
      expect(config.notify?.uiBaseUrl).toBe('http://localhost:8233');
      expect(JSON.stringify(config) + inspect(config, { depth: 9 })).not.toContain(NOTIFY_SECRET);
      expect(
        loadWorkerConfig({
          ...complete,
          OFFBOARD_NOTIFY_URL: URL,
          OFFBOARD_NOTIFY_SECRET: NOTIFY_SECRET,
          TEMPORAL_UI_URL: 'https://temporal.example.com/',
        }).notify?.uiBaseUrl,
      ).toBe('https://temporal.example.com');
    });

    it('refuse a URL without a secret (fail closed), naming both variables', () => {
      expect(errorOf({ ...complete, OFFBOARD_NOTIFY_URL: URL }).message).toBe(
        'OFFBOARD_NOTIFY_URL is set but OFFBOARD_NOTIFY_SECRET (or OFFBOARD_NOTIFY_SECRET_FILE) is not: ' +
          'notifications are always signed; set the secret, or unset the URL to turn notifications off',
      );
    });

    it('read the secret from a file, not both, as every secret', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-notify-'));
      const file = path.join(dir, 'notify');
      fs.writeFileSync(file, `${NOTIFY_SECRET}\n`);
      const withUrl = { ...complete, OFFBOARD_NOTIFY_URL: URL };
      expect(
        loadWorkerConfig({ ...withUrl, OFFBOARD_NOTIFY_SECRET_FILE: file }).notify?.secret.reveal(),
      ).toBe(NOTIFY_SECRET);
      expect(
        errorOf({ ...withUrl, OFFBOARD_NOTIFY_SECRET_FILE: file, OFFBOARD_NOTIFY_SECRET: NOTIFY_SECRET })
          .message,
      ).toBe('set OFFBOARD_NOTIFY_SECRET or OFFBOARD_NOTIFY_SECRET_FILE, not both');
      expect(errorOf({ ...withUrl, OFFBOARD_NOTIFY_SECRET_FILE: path.join(dir, 'nope') }).message).toMatch(
        /^OFFBOARD_NOTIFY_SECRET_FILE names a file that cannot be read \(ENOENT\)/,
      );
      fs.rmSync(dir, { recursive: true });
    });

    it('refuse a URL that is not http(s) without quoting it (it may hold a token), and a bad TEMPORAL_UI_URL', () => {
      const secretUrl = 'hooks.example/services/T0/B0/token-in-the-path';
      const message = errorOf({
        ...complete,
        OFFBOARD_NOTIFY_URL: secretUrl,
        OFFBOARD_NOTIFY_SECRET: NOTIFY_SECRET,
      }).message;
      expect(message).toBe('OFFBOARD_NOTIFY_URL must be an http(s) URL');
      expect(
        errorOf({
          ...complete,
          OFFBOARD_NOTIFY_URL: URL,
          OFFBOARD_NOTIFY_SECRET: NOTIFY_SECRET,
          TEMPORAL_UI_URL: 'localhost:8233',
        }).message,
      ).toBe('TEMPORAL_UI_URL must be an http(s) URL, got "localhost:8233"');
    });
  });
});
