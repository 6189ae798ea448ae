import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadWebhookConfig } from '../../webhook/config';

const SECRET = 'a-webhook-secret-of-some-length';

describe('webhook configuration', () => {
  it('reads the defaults', () => {
    const config = loadWebhookConfig({ HR_WEBHOOK_SECRET: SECRET });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8787,
      maxBodyBytes: 10 * 1024 * 1024,
      toleranceSeconds: 300,
      taskQueue: 'offboarding',
      uiBaseUrl: 'http://localhost:8233',
      runOptions: {},
    });
    expect(config.secret.reveal()).toBe(SECRET);
    // The secret never prints.
    expect(JSON.stringify(config)).not.toContain(SECRET);
  });

  it('reads the secret from a file, without its final line break', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-config-'));
    try {
      const file = path.join(dir, 'secret');
      fs.writeFileSync(file, `${SECRET}\n`);
      expect(loadWebhookConfig({ HR_WEBHOOK_SECRET_FILE: file }).secret.reveal()).toBe(SECRET);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [{}, 'HR_WEBHOOK_SECRET (or HR_WEBHOOK_SECRET_FILE) is not set'],
    [
      { HR_WEBHOOK_SECRET: SECRET, HR_WEBHOOK_SECRET_FILE: '/x' },
      'set HR_WEBHOOK_SECRET or HR_WEBHOOK_SECRET_FILE, not both',
    ],
    [
      { HR_WEBHOOK_SECRET_FILE: '/nonexistent/secret' },
      'HR_WEBHOOK_SECRET_FILE names a file that cannot be read (ENOENT)',
    ],
    [{ HR_WEBHOOK_SECRET: 'short-secret' }, 'HR_WEBHOOK_SECRET must be at least 16 characters long'],
    [
      { HR_WEBHOOK_SECRET: SECRET, HR_WEBHOOK_PORT: '80a' },
      'HR_WEBHOOK_PORT must be a whole number from 0 to 65535, got "80a"',
    ],
    [
      { HR_WEBHOOK_SECRET: SECRET, HR_WEBHOOK_TOLERANCE_SECONDS: '0' },
      'HR_WEBHOOK_TOLERANCE_SECONDS must be a whole number',
    ],
    [
      { HR_WEBHOOK_SECRET: SECRET, OFFBOARDING_BATCH_SIZE: '100' },
      'OFFBOARDING_BATCH_SIZE must be a whole number, 1 to 50',
    ],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => loadWebhookConfig(env)).toThrow(message);
  });

  it('never shows a short secret in its error', () => {
    expect(() => loadWebhookConfig({ HR_WEBHOOK_SECRET: 'tiny-secret' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('tiny-secret') }) as Error,
    );
  });
});
