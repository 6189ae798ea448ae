import { createHmac } from 'node:crypto';
import { signatureHeader, signatureOf, verifySignature } from '../../webhook/signature';

const SECRET = 'whsec-test-0123456789abcdef';
const NOW_MS = 1_790_000_000_000;
const NOW = String(NOW_MS / 1000);
const BODY = Buffer.from('{"requestId":"hr-1","leavers":[{"wpsUserId":"w1"}]}');
const options = { nowMs: NOW_MS, toleranceSeconds: 300 };

describe('webhook signature (v1 = HMAC-SHA256 over timestamp "." body)', () => {
  it('is the HMAC-SHA256 of "<timestamp>.<raw body>" in hex', () => {
    const expected = createHmac('sha256', SECRET).update(`${NOW}.${BODY.toString()}`).digest('hex');
    expect(signatureOf(SECRET, NOW, BODY)).toBe(expected);
    expect(signatureHeader(SECRET, NOW, BODY)).toBe(`v1=${expected}`);
  });

  it('accepts a correct signature within the tolerance, either way of now', () => {
    for (const t of [NOW_MS / 1000, NOW_MS / 1000 - 300, NOW_MS / 1000 + 300]) {
      const ts = String(t);
      const verdict = verifySignature(
        { timestamp: ts, signature: signatureHeader(SECRET, ts, BODY), rawBody: BODY },
        SECRET,
        options,
      );
      expect(verdict.ok).toBe(true);
    }
  });

  it('accepts any one matching v1 value of several (secret rotation), upper-case hex too', () => {
    const good = signatureOf(SECRET, NOW, BODY).toUpperCase();
    const other = signatureOf('another-secret-value', NOW, BODY);
    const verdict = verifySignature(
      { timestamp: NOW, signature: `v0=abc, v1=${other}, v1=${good}`, rawBody: BODY },
      SECRET,
      options,
    );
    expect(verdict).toEqual({ ok: true, signature: good.toLowerCase() });
  });

  it.each([
    ['a tampered body', { rawBody: Buffer.from(BODY.toString().replace('w1', 'w2')) }, /does not match/],
    ['a changed timestamp', { timestamp: String(NOW_MS / 1000 - 1) }, /does not match/],
    ['another secret', { signature: signatureHeader('not-the-secret-at-all', NOW, BODY) }, /does not match/],
    ['a missing signature', { signature: undefined }, /X-HR-Signature header is missing/],
    ['a missing timestamp', { timestamp: undefined }, /X-HR-Timestamp header is missing/],
    ['a timestamp in milliseconds or ISO form', { timestamp: '2026-01-01T00:00:00Z' }, /unix time/],
    ['a signature without its version', { signature: signatureOf(SECRET, NOW, BODY) }, /v1=<64 hex digits/],
    [
      'a truncated signature',
      { signature: `v1=${signatureOf(SECRET, NOW, BODY).slice(0, 63)}` },
      /v1=<64 hex/,
    ],
  ])('refuses %s', (_, change, reason) => {
    const request = {
      timestamp: NOW,
      signature: signatureHeader(SECRET, NOW, BODY),
      rawBody: BODY,
      ...change,
    };
    const verdict = verifySignature(request, SECRET, options);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toMatch(reason);
  });

  it('refuses a correctly signed request outside the tolerance (a replay), saying how old it is', () => {
    const old = String(NOW_MS / 1000 - 301);
    const verdict = verifySignature(
      { timestamp: old, signature: signatureHeader(SECRET, old, BODY), rawBody: BODY },
      SECRET,
      options,
    );
    expect(verdict).toEqual({
      ok: false,
      reason:
        'X-HR-Timestamp is 301 s old; at most 300 s are accepted (a replayed request, or a clock to fix)',
    });
    const future = String(NOW_MS / 1000 + 3600);
    const ahead = verifySignature(
      { timestamp: future, signature: signatureHeader(SECRET, future, BODY), rawBody: BODY },
      SECRET,
      options,
    );
    expect(!ahead.ok && ahead.reason).toMatch(/3600 s in the future/);
  });

  it('never puts the secret or the expected signature in a reason', () => {
    const expected = signatureOf(SECRET, NOW, BODY);
    const verdict = verifySignature(
      { timestamp: NOW, signature: `v1=${'0'.repeat(64)}`, rawBody: BODY },
      SECRET,
      options,
    );
    expect(JSON.stringify(verdict)).not.toContain(SECRET);
    expect(JSON.stringify(verdict)).not.toContain(expected);
  });
});
