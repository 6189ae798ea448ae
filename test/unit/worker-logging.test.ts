import { ApplicationFailure } from '@temporalio/common';
import { Secret } from '../../activities/shared/secret';
import { isSecretField, redactFields, REDACTED, scrubText } from '../../worker/log-redaction';
import { createLogger, formatJson, formatText, requestIdOf, type LogRecord } from '../../worker/logging';

const time = new Date('2026-11-30T10:00:01.234Z');

function json(record: Partial<LogRecord>): Record<string, unknown> {
  return JSON.parse(formatJson({ time, level: 'INFO', message: 'm', ...record })) as Record<string, unknown>;
}

describe('requestIdOf', () => {
  it.each([
    ['offboarding-hr-2026-11-0042', 'hr-2026-11-0042'],
    ['offboarding-hr-2026-11-0042-chunk-3', 'hr-2026-11-0042'],
    ['offboarding-sample-0001.retry-1', 'sample-0001.retry-1'],
    ['offboarding-a-chunk-x', 'a-chunk-x'],
  ])('%s → %s', (workflowId, requestId) => {
    expect(requestIdOf(workflowId)).toBe(requestId);
  });

  it.each([['something-else'], ['offboarding-'], [undefined], [42]])('%s has none', (workflowId) => {
    expect(requestIdOf(workflowId)).toBeUndefined();
  });
});

describe('formatJson', () => {
  it('writes one JSON object on one line: time, level, message, then the fields', () => {
    const line = formatJson({
      time,
      level: 'WARN',
      message: 'line one\nline two',
      meta: { workflowId: 'offboarding-r1-chunk-2', batch: 3, batches: 20, activityType: 'disableWpsUsers' },
    });
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      time: '2026-11-30T10:00:01.234Z',
      level: 'WARN',
      message: 'line one\nline two',
      workflowId: 'offboarding-r1-chunk-2',
      requestId: 'r1',
      batch: 3,
      batches: 20,
      activityType: 'disableWpsUsers',
    });
    expect(Object.keys(JSON.parse(line) as object).slice(0, 3)).toEqual(['time', 'level', 'message']);
  });

  it('keeps a requestId the event already has, and a field named like the frame under another name', () => {
    expect(json({ meta: { workflowId: 'offboarding-a', requestId: 'b' } }).requestId).toBe('b');
    const line = json({ meta: { message: 'inner', level: 'x' } });
    expect(line).toMatchObject({ message: 'm', level: 'INFO', meta_message: 'inner', meta_level: 'x' });
  });

  it('never writes a secret: by field name, as a Secret, or inside text', () => {
    const token = 'eyJhbGciOiJIUzI1NiJ9.payload.sig';
    const line = formatJson({
      time,
      level: 'ERROR',
      message: `request failed: Authorization: Bearer ${token}`,
      meta: {
        taskToken: 'Q2hBS0VnPT0=',
        headers: { Authorization: `Bearer ${token}`, 'X-Kso-Authorization': 'KSO-1 AK123:c2lnbmF0dXJl' },
        accessKeySecret: 'authing-secret-123',
        appKey: 'wps-key-456',
        password: 'p',
        nested: { deeper: { client_secret: 'cs', keys: ['k1'] } },
        credential: new Secret('wps-key-789'),
        keyId: 'k2026-11',
        error: new Error(`token endpoint said access_token=${token}&expires_in=7200`),
        url: `https://api.example/x?access_token=${token}`,
      },
    });
    for (const secret of [
      token,
      'Q2hBS0VnPT0=',
      'authing-secret-123',
      'wps-key-456',
      'c2lnbmF0dXJl',
      'cs',
      'k1',
      'wps-key-789',
    ]) {
      expect(line).not.toContain(secret);
    }
    const parsed = JSON.parse(line) as {
      taskToken: unknown;
      headers: unknown;
      nested: { deeper: unknown };
      keyId: unknown;
      message: unknown;
      error: { message: string };
    };
    expect(parsed.taskToken).toBe(REDACTED);
    expect(parsed.headers).toEqual({ Authorization: REDACTED, 'X-Kso-Authorization': REDACTED });
    expect(parsed.nested.deeper).toEqual({ client_secret: REDACTED, keys: REDACTED });
    expect(parsed.keyId).toBe('k2026-11');
    expect(parsed.message).toBe(`request failed: Authorization: Bearer ${REDACTED}`);
    expect(parsed.error.message).toContain(`access_token=${REDACTED}`);
  });

  it('writes errors as objects, Temporal failures with their type', () => {
    const failure = ApplicationFailure.create({
      type: 'VendorUnavailable',
      message: 'wps batch_disable: HTTP 503',
      nonRetryable: false,
    });
    const line = json({ meta: { error: failure } });
    expect(line.error).toMatchObject({
      name: 'ApplicationFailure',
      message: 'wps batch_disable: HTTP 503',
      type: 'VendorUnavailable',
      nonRetryable: false,
    });
    expect((line.error as { stack?: string }).stack).toContain('ApplicationFailure');
  });

  it('survives values JSON cannot hold: BigInt, cycles, functions, symbols, deep nesting', () => {
    const cycle: Record<string, unknown> = { name: 'a' };
    cycle.self = cycle;
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 10; i++) deep = { deep };
    const line = json({
      meta: {
        big: 12345678901234567890n,
        cycle,
        fn: () => 1,
        [Symbol('s')]: 1,
        deep,
        when: time,
        nan: NaN,
        list: [1, undefined],
      },
    });
    expect(line.big).toBe('12345678901234567890');
    expect(line.cycle).toEqual({ name: 'a', self: '[circular]' });
    expect(line.fn).toBeUndefined();
    expect(line.when).toBe('2026-11-30T10:00:01.234Z');
    expect(line.nan).toBe('NaN');
    expect(line.list).toEqual([1, null]);
    expect(JSON.stringify(line.deep)).toContain('[nested too deep]');
  });
});

describe('formatText', () => {
  it('is one readable line with key=value fields, secrets redacted', () => {
    const line = formatText({
      time,
      level: 'INFO',
      message: 'WPS disable\nsecond line',
      meta: { workflowId: 'offboarding-r1', batch: 2, note: 'two words', appKey: 'k' },
    });
    expect(line).toBe(
      '2026-11-30T10:00:01.234Z INFO  WPS disable | second line workflowId=offboarding-r1 batch=2 note="two words" appKey=[redacted] requestId=r1',
    );
  });
});

describe('createLogger', () => {
  it('writes lines at or above its level, in its format', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'INFO', format: 'json', write: (l) => lines.push(l) });
    logger.debug('hidden');
    logger.info('shown', { workflowId: 'offboarding-x' });
    logger.error('also shown');
    expect(lines.map((l) => (JSON.parse(l) as { message: string }).message)).toEqual(['shown', 'also shown']);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'INFO', requestId: 'x' });
  });

  it('writes text when asked', () => {
    const lines: string[] = [];
    createLogger({ level: 'DEBUG', format: 'text', write: (l) => lines.push(l) }).debug('d');
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z DEBUG d$/);
  });
});

describe('redaction rules', () => {
  it.each([
    'accessKeySecret',
    'client_secret',
    'taskToken',
    'access_token',
    'password',
    'POSTGRES_PWD',
    'authorization',
    'Cookie',
    'appKey',
    'apiKey',
    'keys',
    'key',
    'signature',
    'credentials',
  ])('%s is a secret field', (name) => {
    expect(isSecretField(name)).toBe(true);
  });

  it.each([
    'workflowId',
    'activityType',
    'batch',
    'batches',
    'users',
    'keyId',
    'requestId',
    'vendorRequestId',
    'attempt',
  ])('%s is not', (name) => {
    expect(isSecretField(name)).toBe(false);
  });

  it('cuts bearer and basic credentials and KSO-1 signatures out of text', () => {
    expect(scrubText('a Bearer abc.def-ghi b')).toBe(`a Bearer ${REDACTED} b`);
    expect(scrubText('Basic dXNlcjpwYXNz')).toBe(`Basic ${REDACTED}`);
    expect(scrubText('X-Kso-Authorization: KSO-1 AK1:c2ln')).toBe(`X-Kso-Authorization: KSO-1 ${REDACTED}`);
    expect(scrubText('{"accessKeySecret":"s3cr3t"}')).toBe(`{"accessKeySecret":"${REDACTED}"}`);
    expect(scrubText('PreparedWFT { task_token: TaskToken(CiQwMWEy) }')).toBe(
      `PreparedWFT { task_token: TaskToken(${REDACTED}) }`,
    );
    expect(scrubText('nothing to hide')).toBe('nothing to hide');
  });

  it('drops symbol keys', () => {
    expect(redactFields({ [Symbol('x')]: 1, a: 1 })).toEqual({ a: 1 });
  });
});
