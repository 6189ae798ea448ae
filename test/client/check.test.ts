import { checkTable, type CheckRow } from '../../client/cli/check';
import {
  clockFix,
  clockOffset,
  diagnose,
  durationText,
  offsetText,
  type DiagnosisContext,
} from '../../client/cli/check-diagnosis';
import { VendorError, type VendorErrorDetails } from '../../activities/shared/errors';

const at = Date.parse('2026-12-01T10:00:00Z');
const date = (ms: number): string => new Date(ms).toUTCString();

describe('offboard check: the clock offset from a Date header', () => {
  it('is 0 when the server may agree: a whole-second Date inside the round trip', () => {
    const offset = clockOffset({
      serverDate: date(at),
      sentAt: at + 200,
      answeredAt: at + 400,
      source: 'read',
    });
    expect(offset).toMatchObject({ offsetMs: 0, leastMs: 0 });
    expect(offsetText(offset!, 'wps')).toBe('this machine agrees with WPS 365 (within 1 s)');
  });

  it('is bounded by the round trip and the Date’s lost milliseconds', () => {
    // The server said 11:00:00 while this machine was between 10:00:00.000 and 10:00:00.500.
    const offset = clockOffset({
      serverDate: date(at + 3_600_000),
      sentAt: at,
      answeredAt: at + 500,
      source: 'probe',
    });
    expect(offset?.lowMs).toBe(3_599_500);
    expect(offset?.highMs).toBe(3_600_999);
    expect(offset?.leastMs).toBe(3_599_500);
    expect(offsetText(offset!, 'wps')).toBe('this machine is 1 h 0 min behind WPS 365');
    const behind = clockOffset({
      serverDate: date(at - 90_000),
      sentAt: at,
      answeredAt: at + 100,
      source: 'probe',
    });
    expect(offsetText(behind!, 'authing')).toBe('this machine is 1 min 30 s ahead of Authing');
  });

  it('is undefined for a Date it cannot read', () => {
    expect(
      clockOffset({ serverDate: 'yesterday-ish', sentAt: at, answeredAt: at, source: 'read' }),
    ).toBeUndefined();
  });

  it('writes durations for people', () => {
    expect(durationText(45_400)).toBe('45 s');
    expect(durationText(-185_000)).toBe('3 min 5 s');
    expect(durationText(3_720_000)).toBe('1 h 2 min');
  });

  it('says the vendor may be the one off when the other vendor agrees with this machine', () => {
    const agrees = clockOffset({ serverDate: date(at), sentAt: at, answeredAt: at + 10, source: 'read' });
    expect(clockFix('wps', agrees)).toContain('Authing agrees with this machine');
    expect(clockFix('wps', undefined)).not.toContain('agrees');
  });
});

describe('offboard check: the fix for each failure', () => {
  const wps = (step: 'token' | 'read', extra: Partial<DiagnosisContext> = {}): DiagnosisContext => ({
    vendor: 'wps',
    step,
    baseUrl: 'https://openapi.example.test',
    ...extra,
  });
  const authing = (step: 'token' | 'read'): DiagnosisContext => ({
    vendor: 'authing',
    step,
    baseUrl: 'https://authing.example.test',
  });
  const error = (details: Partial<VendorErrorDetails> & Record<string, unknown>): VendorError =>
    new VendorError(
      { vendor: 'wps', kind: 'invalidRequest', operation: 'batch_read', ...details },
      'message',
    );

  it.each<[string, VendorError, DiagnosisContext, RegExp]>([
    [
      'a refused connection',
      error({ kind: 'transient', vendorCode: 'ECONNREFUSED' }),
      wps('token'),
      /^WPS_BASE_URL: nothing answered/,
    ],
    [
      'a 503',
      error({ kind: 'transient', httpStatus: 503 }),
      wps('read'),
      /unavailable or throttling \(HTTP 503\)/,
    ],
    [
      'a redirect (a web page, not the API)',
      error({ kind: 'credentials', httpStatus: 302 }),
      wps('token'),
      /^WPS_BASE_URL: .* \(HTTP 302\)/,
    ],
    [
      'a refused token',
      error({ kind: 'credentials', httpStatus: 401 }),
      wps('token'),
      /^WPS_APP_ID and WPS_APP_KEY/,
    ],
    [
      'a missing scope',
      error({ kind: 'credentials', httpStatus: 403, vendorCode: '403000001' }),
      wps('read'),
      /kso\.contact\.readwrite/,
    ],
    [
      'a signature refused with no Date to compare',
      error({ kind: 'signature', httpStatus: 403 }),
      wps('read'),
      /^WPS_APP_KEY .*this machine's clock \(no Date header to compare\)/,
    ],
    [
      'a signature refused while the clocks agree',
      error({ kind: 'signature', httpStatus: 403 }),
      wps('read', { clock: { offsetMs: 0, leastMs: 0, lowMs: -300, highMs: 700 } }),
      /^WPS_APP_KEY \(it signs every call/,
    ],
    [
      'a contract broken at the token',
      error({ kind: 'protocol', field: 'access_token' }),
      wps('token'),
      /^WPS_BASE_URL must be/,
    ],
  ])('WPS: %s', (_, err, ctx, fix) => {
    expect(diagnose(err, ctx).fix).toMatch(fix);
  });

  const authingError = (details: Record<string, unknown>): VendorError =>
    new VendorError(
      { vendor: 'authing', kind: 'credentials', operation: 'get-user-batch', httpStatus: 200, ...details },
      'message',
    );

  it.each<[string, VendorError, DiagnosisContext, RegExp]>([
    [
      'an unknown pool',
      authingError({ statusCode: 404, apiCode: 2224 }),
      authing('read'),
      /^AUTHING_USERPOOL_ID: /,
    ],
    [
      'no endpoint (statusCode 404 in a 200)',
      authingError({ kind: 'invalidRequest', statusCode: 404 }),
      authing('token'),
      /^AUTHING_BASE_URL: /,
    ],
    [
      'a refused key pair',
      authingError({ statusCode: 401, apiCode: 1300 }),
      authing('token'),
      /AUTHING_ACCESS_KEY_SECRET/,
    ],
    ['a forbidden read', authingError({ statusCode: 403 }), authing('read'), /^permission: /],
    [
      'a fresh token refused for the pool',
      authingError({ statusCode: 401 }),
      authing('read'),
      /^AUTHING_USERPOOL_ID and AUTHING_ACCESS_KEY_ID/,
    ],
  ])('Authing: %s', (_, err, ctx, fix) => {
    expect(diagnose(err, ctx).fix).toMatch(fix);
  });

  it('marks a contract broken by a read as answered, and keeps its field and request id', () => {
    const diagnosis = diagnose(
      error({ kind: 'protocol', field: 'data.items[0].id', vendorRequestId: 'r-1', httpStatus: 200 }),
      wps('read'),
    );
    expect(diagnosis.contract).toBe(true);
    expect(diagnosis.detail).toBe(
      'batch_read: the answer breaks its contract at data.items[0].id (request r-1)',
    );
    expect(diagnosis.facts).toMatchObject({
      kind: 'protocol',
      field: 'data.items[0].id',
      vendorRequestId: 'r-1',
    });
  });
});

describe('offboard check: the table', () => {
  it('lines up check, vendor, result and detail, with each fix under its failure', () => {
    const rows: CheckRow[] = [
      { check: 'configuration', vendor: 'all', result: 'pass', detail: 'ok' },
      { check: 'token', vendor: 'wps', result: 'fail', detail: 'refused', fix: 'WPS_APP_KEY' },
      { check: 'read', vendor: 'wps', result: 'skip', detail: 'needs the token' },
    ];
    expect(checkTable(rows).split('\n')).toEqual([
      'check          vendor  result  detail',
      'configuration  -       pass    ok',
      'token          wps     FAIL    refused',
      '                               fix: WPS_APP_KEY',
      'read           wps     skip    needs the token',
      '',
      '1 of 3 checks failed; nothing was changed (read-only)',
    ]);
  });
});
