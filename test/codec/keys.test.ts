import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { ConfigError } from '../../config/env';
import { main as generateKeyMain } from '../../codec/generate-key';
import {
  defaultKeyId,
  generateKeyLine,
  keyringFromEnv,
  parseKeyList,
  requireKeyring,
} from '../../codec/keys';
import { keyEntry } from './helpers';

/** The error `fn` throws, checked to be a ConfigError. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

/** Nothing of the error, however it is printed, shows the secret. */
function expectNoSecret(err: Error, secret: string): void {
  for (const shown of [err.message, String(err), err.stack ?? '', inspect(err), JSON.stringify(err)])
    expect(shown).not.toContain(secret);
}

describe('keyring from the environment', () => {
  const k1 = keyEntry('k1');
  const k2 = keyEntry('k2026-11');

  it('is off (undefined) when no keys are set, so the local stack runs unconfigured', () => {
    expect(keyringFromEnv({})).toBeUndefined();
    expect(keyringFromEnv({ PAYLOAD_CODEC_KEYS: '  ' })).toBeUndefined();
  });

  it('encrypts with the first listed key by default and can decrypt with every key', () => {
    const keyring = keyringFromEnv({ PAYLOAD_CODEC_KEYS: `${k1.entry}, ${k2.entry}` });
    expect(keyring?.currentKeyId).toBe('k1');
    expect(keyring?.keyIds).toEqual(['k1', 'k2026-11']);
    expect(keyring?.key('k2026-11')?.symmetricKeySize).toBe(32);
  });

  it('encrypts with PAYLOAD_CODEC_KEY_ID when set', () => {
    const keyring = keyringFromEnv({
      PAYLOAD_CODEC_KEYS: `${k1.entry},${k2.entry}`,
      PAYLOAD_CODEC_KEY_ID: 'k2026-11',
    });
    expect(keyring?.currentKeyId).toBe('k2026-11');
  });

  it('reads PAYLOAD_CODEC_KEYS_FILE (a docker secret), one entry a line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codec-keys-'));
    try {
      const file = path.join(dir, 'keys');
      fs.writeFileSync(file, `${k1.entry}\n${k2.entry}\n`);
      expect(keyringFromEnv({ PAYLOAD_CODEC_KEYS_FILE: file })?.keyIds).toEqual(['k1', 'k2026-11']);
      const both = configError(() =>
        keyringFromEnv({ PAYLOAD_CODEC_KEYS_FILE: file, PAYLOAD_CODEC_KEYS: k1.entry }),
      );
      expect(both.message).toBe('set PAYLOAD_CODEC_KEYS or PAYLOAD_CODEC_KEYS_FILE, not both');
      const missing = configError(() => keyringFromEnv({ PAYLOAD_CODEC_KEYS_FILE: path.join(dir, 'nope') }));
      expect(missing.message).toMatch(/^PAYLOAD_CODEC_KEYS_FILE names a file that cannot be read \(ENOENT\)/);
      fs.writeFileSync(file, 'k1:tooshort\n');
      expect(configError(() => keyringFromEnv({ PAYLOAD_CODEC_KEYS_FILE: file })).message).toMatch(
        /^PAYLOAD_CODEC_KEYS_FILE: entry 1 of 1/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the variable and the entry for every malformed setting, never the key material', () => {
    const short = Buffer.alloc(16, 7).toString('base64');
    const cases: Array<[Record<string, string>, RegExp, string]> = [
      [
        { PAYLOAD_CODEC_KEYS: k1.base64 },
        /^PAYLOAD_CODEC_KEYS: entry 1 of 1 is not keyId:base64key$/,
        k1.base64,
      ],
      [
        { PAYLOAD_CODEC_KEYS: `${k1.entry},bad*id:${k2.base64}` },
        /^PAYLOAD_CODEC_KEYS: entry 2 of 2 has an invalid key id/,
        k2.base64,
      ],
      [
        { PAYLOAD_CODEC_KEYS: `k1:${short}` },
        /^PAYLOAD_CODEC_KEYS: entry 1 of 1 \(key id "k1"\): the key is 16 bytes, it must be exactly 32/,
        short,
      ],
      [
        { PAYLOAD_CODEC_KEYS: `k1:${k1.base64}!!` },
        /^PAYLOAD_CODEC_KEYS: .*the key is not base64$/,
        k1.base64,
      ],
      [{ PAYLOAD_CODEC_KEYS: `${k1.entry},${k1.entry}` }, /key id "k1" is listed twice/, k1.base64],
      [
        { PAYLOAD_CODEC_KEYS: k1.entry, PAYLOAD_CODEC_KEY_ID: 'k9' },
        /^PAYLOAD_CODEC_KEY_ID is "k9", which is not one of the ids in PAYLOAD_CODEC_KEYS \(k1\)$/,
        k1.base64,
      ],
      [{ PAYLOAD_CODEC_KEY_ID: 'k1' }, /^PAYLOAD_CODEC_KEY_ID is set but PAYLOAD_CODEC_KEYS/, k1.base64],
      // A key pasted without its id: the key itself must not be echoed as a "bad id".
      [{ PAYLOAD_CODEC_KEYS: `${k1.base64}:${k2.base64}` }, /invalid key id/, k1.base64],
    ];
    for (const [env, message, secret] of cases) {
      const err = configError(() => keyringFromEnv(env));
      expect(err.message).toMatch(message);
      expectNoSecret(err, secret);
    }
  });

  it('requireKeyring refuses to run without keys, naming both variables', () => {
    expect(configError(() => requireKeyring({})).message).toBe(
      'PAYLOAD_CODEC_KEYS (or PAYLOAD_CODEC_KEYS_FILE) is not set, and payload encryption is required here',
    );
    expect(requireKeyring({ PAYLOAD_CODEC_KEYS: k1.entry }).currentKeyId).toBe('k1');
  });

  it('shows no key material when printed or serialised', () => {
    const keyring = requireKeyring({ PAYLOAD_CODEC_KEYS: `${k1.entry},${k2.entry}` });
    const raw = Buffer.from(k1.base64, 'base64').toString('hex');
    for (const shown of [inspect(keyring, { depth: 10 }), JSON.stringify(keyring)]) {
      expect(shown).not.toContain(k1.base64);
      expect(shown).not.toContain(raw);
    }
    expect(JSON.parse(JSON.stringify(keyring))).toEqual({ currentKeyId: 'k1', keyIds: ['k1', 'k2026-11'] });
  });
});

describe('key generation', () => {
  it('prints a fresh keyId:base64 line that the keyring accepts', () => {
    const line = generateKeyLine('k2027-01');
    expect(line).toMatch(/^k2027-01:[A-Za-z0-9+/]{43}=$/);
    expect(generateKeyLine('k2027-01')).not.toBe(line);
    expect([...parseKeyList(line, 'PAYLOAD_CODEC_KEYS').keys()]).toEqual(['k2027-01']);
  });

  it('names keys by month by default', () => {
    expect(defaultKeyId(new Date('2026-11-30T18:00:00Z'))).toBe('k2026-11');
    expect(generateKeyLine()).toMatch(/^k\d{4}-\d{2}:/);
  });

  it('as a command: prints to stdout, refuses a bad id with exit code 2', () => {
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(generateKeyMain(['kx'], {})).toBe(0);
      expect(String(out.mock.calls[0]?.[0])).toMatch(/^kx:[A-Za-z0-9+/]{43}=\n$/);
      expect(generateKeyMain(['no spaces'], {})).toBe(2);
      expect(String(err.mock.calls[0]?.[0])).toMatch(/^generate-key: key id must match/);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});

describe('key generation next to configured keys (a rotation)', () => {
  const k1 = keyEntry('k1');
  const month = keyEntry('k2026-11');

  /** generate-key as a command: its exit code and what it wrote to stdout and stderr. */
  function runGenerateKey(argv: string[], env: Record<string, string>) {
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = generateKeyMain(argv, env);
      return {
        code,
        stdout: out.mock.calls.map((c) => String(c[0])).join(''),
        stderr: err.mock.calls.map((c) => String(c[0])).join(''),
      };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  }

  function withKeyFile<T>(content: string, fn: (file: string) => T): T {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codec-generate-'));
    try {
      const file = path.join(dir, 'payload-codec-keys');
      fs.writeFileSync(file, content);
      return fn(file);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it('refuses (exit 2) an id already in PAYLOAD_CODEC_KEYS, printing no key', () => {
    const result = runGenerateKey(['k2026-11'], { PAYLOAD_CODEC_KEYS: `${k1.entry},${month.entry}` });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^generate-key: key id "k2026-11" is already in PAYLOAD_CODEC_KEYS; .*listed twice.*another id/,
    );
    for (const secret of [k1.base64, month.base64]) expect(result.stderr).not.toContain(secret);
  });

  it('refuses the default id, the month, when the key file already has it (the first key of deploy/prepare.sh)', () => {
    jest.useFakeTimers({ now: new Date('2026-11-30T18:00:00Z') });
    try {
      withKeyFile(`${month.entry}\n`, (file) => {
        const result = runGenerateKey([], { PAYLOAD_CODEC_KEYS_FILE: file });
        expect(result.code).toBe(2);
        expect(result.stdout).toBe('');
        expect(result.stderr).toMatch(/key id "k2026-11" is already in PAYLOAD_CODEC_KEYS_FILE/);
        expect(result.stderr).not.toContain(month.base64);
      });
    } finally {
      jest.useRealTimers();
    }
  });

  it('prints a new id’s line, which appended to the file gives a keyring that loads', () => {
    withKeyFile(`${month.entry}\n`, (file) => {
      const result = runGenerateKey(['k202611301015'], { PAYLOAD_CODEC_KEYS_FILE: file });
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^k202611301015:[A-Za-z0-9+/]{43}=\n$/);
      fs.appendFileSync(file, result.stdout);
      const keyring = keyringFromEnv({
        PAYLOAD_CODEC_KEYS_FILE: file,
        PAYLOAD_CODEC_KEY_ID: 'k202611301015',
      });
      expect(keyring?.keyIds).toEqual(['k2026-11', 'k202611301015']);
    });
  });

  it('refuses (exit 2) when the configured key file cannot be read', () => {
    const result = runGenerateKey(['k3'], { PAYLOAD_CODEC_KEYS_FILE: '/nonexistent/payload-codec-keys' });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^generate-key: PAYLOAD_CODEC_KEYS_FILE names a file that cannot be read/);
  });
});
