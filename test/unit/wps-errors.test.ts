import { ApplicationFailure } from '@temporalio/common';
import { VENDOR_FAILURE_TYPES } from '../../activities/shared/errors';
import { classifyFailure } from '../../activities/shared/call-retry';
import {
  isServerErrorCode,
  isSignatureRejection,
  isThrottledCode,
  isTokenRejection,
  mapWpsFailure,
  vendorText,
  WPS_ID_REJECTED_CODES,
  WPS_SIGNATURE_REJECTED_CODES,
  WPS_VENDOR_TEXT_MAX,
  type WpsErrorDetails,
} from '../../activities/wps/errors';

const answer = (status: number, data: unknown, headers: Record<string, string> = {}) => ({
  status,
  data,
  headers,
});

describe('WPS error mapping onto the closed set of failure types', () => {
  it('429 with Retry-After is transient and carries retryAfterMs, so nextRetryDelay is honoured', () => {
    const err = mapWpsFailure(
      answer(429, { code: 429000001, msg: 'too many' }, { 'retry-after': '3', 'x-request-id': 'r-1' }),
      'batch_disable',
    );
    expect(err.details).toEqual({
      vendor: 'wps',
      kind: 'transient',
      operation: 'batch_disable',
      httpStatus: 429,
      vendorCode: '429000001',
      vendorMessage: 'too many',
      vendorRequestId: 'r-1',
      retryAfterMs: 3000,
      // A throttle: the vendor did nothing, so the client may send the call again.
      throttled: true,
    });
    const af = err.toApplicationFailure();
    expect(af.type).toBe(VENDOR_FAILURE_TYPES.transient);
    expect(af.nonRetryable).toBe(false);
    expect(af.nextRetryDelay).toBe(3000);
  });

  it('a throttling code inside HTTP 200 is a throttle too, not a call that may have acted', () => {
    const err = mapWpsFailure(answer(200, { code: 429000001, msg: 'too many' }), 'batch_disable');
    expect(err.details).toMatchObject({ kind: 'transient', httpStatus: 200, throttled: true });
    expect(classifyFailure(err)).toBe('throttled');
  });

  it.each([500, 502, 503, 504])('HTTP %i is transient', (status) => {
    const err = mapWpsFailure(answer(status, { code: 1, msg: 'x' }), 'batch_read');
    expect(err.details.kind).toBe('transient');
    expect(err.retryable).toBe(true);
  });

  it('a 503 with Retry-After as an HTTP date is honoured', () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    const err = mapWpsFailure(
      answer(503, {}, { 'retry-after': new Date(now + 5000).toUTCString() }),
      'batch_read',
      { now },
    );
    expect(err.details.retryAfterMs).toBe(5000);
  });

  it('a non-zero code on HTTP 200 is an invalid request, not retryable, with code, msg and request id', () => {
    const err = mapWpsFailure(
      answer(200, { code: 400000002, msg: 'user not found' }, { 'x-kso-request-id': 'k-9' }),
      'batch_disable',
    );
    expect(err.details).toMatchObject({
      kind: 'invalidRequest',
      httpStatus: 200,
      vendorCode: '400000002',
      vendorMessage: 'user not found',
      vendorRequestId: 'k-9',
    });
    expect(err.message).toBe(
      'wps batch_disable failed: HTTP 200, code 400000002, "user not found", request k-9',
    );
    const af = err.toApplicationFailure();
    expect(af.type).toBe(VENDOR_FAILURE_TYPES.invalidRequest);
    expect(af.nonRetryable).toBe(true);
  });

  it.each([
    [403, 400001002, 'forbidden'],
    [200, 400001002, 'error'],
    [400, 400001002, ''],
    [401, 400001002, 'unauthorized'],
  ])('code 400001002 is a signature rejection whatever the message (HTTP %i)', (status, code, msg) => {
    const err = mapWpsFailure(answer(status, { code, msg }), 'batch_disable');
    expect(err.details.kind).toBe('signature');
    expect(err.message).toContain("check WPS_APP_ID, WPS_APP_KEY and this machine's clock");
    expect(err.toApplicationFailure().type).toBe(VENDOR_FAILURE_TYPES.signature);
    expect(err.toApplicationFailure().nonRetryable).toBe(true);
  });

  it('a configured code is a signature rejection; the message text never decides', () => {
    const codes = new Set([...WPS_SIGNATURE_REJECTED_CODES, 400009999]);
    expect(
      mapWpsFailure(answer(400, { code: 400009999, msg: 'nope' }), 'x', { signatureRejectedCodes: codes })
        .details.kind,
    ).toBe('signature');
    expect(mapWpsFailure(answer(400, { code: 400009999, msg: 'nope' }), 'x').details.kind).toBe(
      'invalidRequest',
    );
    // A message about the signature, with a code nobody configured: not a signature rejection.
    expect(mapWpsFailure(answer(400, { code: 7, msg: 'Signature mismatch' }), 'x').details.kind).toBe(
      'invalidRequest',
    );
    expect(isSignatureRejection(7)).toBe(false);
    expect(isSignatureRejection(400001002)).toBe(true);
    // A Chinese message with the configured code: a signature rejection all the same.
    const zh = mapWpsFailure(answer(403, { code: 400009999, msg: '签名无效' }), 'batch_disable', {
      signatureRejectedCodes: codes,
    });
    expect(zh.details).toMatchObject({ kind: 'signature', vendorMessage: '签名无效' });
    expect(zh.message).toContain('"签名无效"');
    expect(zh.message).toContain("check WPS_APP_ID, WPS_APP_KEY and this machine's clock");
  });

  it('401, 403 and token codes are credentials/permission failures naming the settings and the permission', () => {
    for (const [status, code] of [
      [401, 400001001],
      [403, 400001010],
      [200, 400001005],
      [400, 400001006],
    ] as const) {
      const err = mapWpsFailure(answer(status, { code, msg: 'denied' }), 'batch_disable');
      expect(err.details.kind).toBe('credentials');
      expect(err.message).toContain('kso.contact.readwrite');
      expect(err.message).toContain('WPS_APP_ID');
      expect(err.message).toContain('WPS_APP_KEY');
      expect(err.toApplicationFailure().nonRetryable).toBe(true);
    }
    expect(isTokenRejection(200, 400001005)).toBe(true);
    expect(isTokenRejection(200, 400001002)).toBe(false);
  });

  it('a token endpoint refusal is a credentials failure naming WPS_APP_ID and WPS_APP_KEY; its 5xx is transient', () => {
    const refused = mapWpsFailure(answer(401, { code: 400001003, msg: 'bad secret' }), 'oauth2/token', {
      isTokenCall: true,
    });
    expect(refused.details.kind).toBe('credentials');
    expect(refused.message).toContain('check WPS_APP_ID and WPS_APP_KEY');
    const down = mapWpsFailure(answer(503, { code: 1, msg: 'down' }), 'oauth2/token', { isTokenCall: true });
    expect(down.details.kind).toBe('transient');
  });

  it('HTTP 200 without a numeric code is a protocol error; a missing body too', () => {
    expect(mapWpsFailure(answer(200, 'not json'), 'batch_read').details.kind).toBe('protocol');
    expect(mapWpsFailure(answer(200, { msg: 'ok' }), 'batch_read').details.kind).toBe('protocol');
    expect(mapWpsFailure(answer(404, undefined), 'batch_read').details.kind).toBe('invalidRequest');
  });

  it('never copies a header we sent: only status, code, msg, request id and Retry-After', () => {
    const err = mapWpsFailure(
      answer(
        400,
        { code: 1, msg: 'bad' },
        { authorization: 'Bearer secret-token', 'x-kso-authorization': 'KSO-1 a:b' },
      ),
      'batch_disable',
    );
    const text = JSON.stringify({ m: err.message, d: err.details, s: err.stack });
    expect(text).not.toContain('secret-token');
    expect(text).not.toContain('KSO-1 a:b');
    expect(err.toApplicationFailure()).toBeInstanceOf(ApplicationFailure);
  });
});

describe('WPS codes: only configured codes and the HTTP status decide', () => {
  it('a throttling code (429 + six digits) is transient whatever the HTTP status, with Retry-After', () => {
    for (const status of [200, 400]) {
      const err = mapWpsFailure(
        answer(status, { code: 429000001, msg: '请求过于频繁' }, { 'retry-after': '2' }),
        'batch_read',
      );
      expect(err.details).toMatchObject({ kind: 'transient', httpStatus: status, retryAfterMs: 2000 });
      expect(err.toApplicationFailure().nextRetryDelay).toBe(2000);
    }
    expect(isThrottledCode(429123456)).toBe(true);
    expect(isThrottledCode(42900001)).toBe(false);
    expect(isThrottledCode('429000001')).toBe(false);
  });

  it('a configured throttling code is transient too; without the configuration it is not', () => {
    const body = { code: 400100200, msg: 'slow down' };
    expect(mapWpsFailure(answer(200, body), 'batch_read').details.kind).toBe('invalidRequest');
    expect(
      mapWpsFailure(answer(200, body), 'batch_read', { throttledCodes: new Set([400100200]) }).details.kind,
    ).toBe('transient');
  });

  it('a server code (5 + eight digits) is transient, even on HTTP 200', () => {
    expect(mapWpsFailure(answer(200, { code: 503000001, msg: 'x' }), 'batch_disable').details.kind).toBe(
      'transient',
    );
    expect(isServerErrorCode(500000000)).toBe(true);
    expect(isServerErrorCode(50000000)).toBe(false);
  });

  it('refusesIds only for an invalid request whose code is an id-refusal code', () => {
    for (const code of WPS_ID_REJECTED_CODES) {
      expect(mapWpsFailure(answer(400, { code, msg: 'x' }), 'batch_disable').details.refusesIds).toBe(true);
    }
    for (const [status, code] of [
      [400, 400000004], // too many ids: splitting is not the answer to it
      [400, 400999999],
      [403, 400000002], // a 403 is a credentials failure, whatever the code
      [200, 400001002], // signature
    ] as const) {
      expect(mapWpsFailure(answer(status, { code, msg: 'x' }), 'batch_disable').details.refusesIds).toBe(
        undefined,
      );
    }
    // A configured set replaces the default.
    const configured = { idRejectedCodes: new Set([400999999]) };
    expect(mapWpsFailure(answer(400, { code: 400999999 }), 'x', configured).details.refusesIds).toBe(true);
    expect(mapWpsFailure(answer(400, { code: 400000002 }), 'x', configured).details.refusesIds).toBe(
      undefined,
    );
    // Never on the token endpoint.
    expect(
      mapWpsFailure(answer(400, { code: 400000001 }), 'oauth2/token', { isTokenCall: true }).details
        .refusesIds,
    ).toBe(undefined);
  });

  it('403000001 is a missing scope: credentials, naming the scope each operation needs and the console', () => {
    const disable = mapWpsFailure(answer(403, { code: 403000001, msg: 'no permission' }), 'batch_disable');
    expect(disable.details.kind).toBe('credentials');
    expect(disable.message).toContain('kso.contact.readwrite needed for batch_disable');
    expect(disable.message).toContain('grant it to the app in the WPS 365 developer console');
    const read = mapWpsFailure(answer(200, { code: 403000001, msg: 'no permission' }), 'batch_read');
    expect(read.details.kind).toBe('credentials');
    expect(read.message).toContain('kso.contact.read (or kso.contact.readwrite) needed for batch_read');
  });

  it('HTTP 404 or a redirect: not a credentials problem but WPS_BASE_URL, even on the token endpoint', () => {
    for (const status of [404, 301]) {
      const err = mapWpsFailure(answer(status, { code: 404, msg: 'no such endpoint' }), 'oauth2/token', {
        isTokenCall: true,
      });
      expect(err.details.kind).toBe('invalidRequest');
      expect(err.message).toContain('check WPS_BASE_URL');
    }
  });

  it('keeps detail and more (bounded, control characters blanked) in details and message', () => {
    const err = mapWpsFailure(
      answer(400, { code: 400000002, msg: 'user not found', detail: 'line1\nline2', more: { a: [1, 2] } }),
      'batch_disable',
    );
    expect(err.details).toMatchObject({ vendorDetail: 'line1 line2', vendorMore: '{"a":[1,2]}' });
    expect(err.message).toBe(
      'wps batch_disable failed: HTTP 400, code 400000002, "user not found", detail "line1 line2", more {"a":[1,2]}',
    );
    const long = mapWpsFailure(
      answer(400, { code: 1, msg: 'x'.repeat(5000), detail: 'y'.repeat(5000) }),
      'x',
    );
    expect(long.details.vendorMessage).toHaveLength(WPS_VENDOR_TEXT_MAX + 1);
    expect((long.details as WpsErrorDetails).vendorDetail).toMatch(/^y{500}…$/);
    expect(long.message.length).toBeLessThan(1200);
    expect(vendorText('')).toBeUndefined();
    expect(vendorText(null)).toBeUndefined();
  });

  it('an OAuth-style token failure keeps error and error_description', () => {
    const err = mapWpsFailure(
      answer(400, { error: 'invalid_client', error_description: 'Client authentication failed' }),
      'oauth2/token',
      { isTokenCall: true },
    );
    expect(err.details).toMatchObject({
      kind: 'credentials',
      vendorCode: 'invalid_client',
      vendorMessage: 'Client authentication failed',
    });
    expect(err.message).toBe(
      'wps oauth2/token failed: HTTP 400, error invalid_client, "Client authentication failed"; check WPS_APP_ID and WPS_APP_KEY',
    );
    // Inside an HTTP 200 too: an error, not a protocol failure.
    expect(
      mapWpsFailure(answer(200, { error: 'invalid_client' }), 'oauth2/token', { isTokenCall: true }).details
        .kind,
    ).toBe('credentials');
  });

  it('a 2xx with code 0 or no code that reaches the mapping is a contract violation naming code', () => {
    for (const data of [{ code: 0 }, { msg: 'ok' }, 'text', { code: '400000002' }]) {
      const err = mapWpsFailure(answer(200, data, { 'x-request-id': 'r-7' }), 'batch_read');
      expect(err.details).toMatchObject({ kind: 'protocol', field: 'code', vendorRequestId: 'r-7' });
      expect(err.message).toContain('r-7');
    }
  });

  it('replaces a secret the vendor echoes', () => {
    const err = mapWpsFailure(
      answer(400, { code: 1, msg: 'bad key sk-123', detail: { token: 'tok-9' } }),
      'batch_read',
      { secrets: ['sk-123', 'tok-9', ''] },
    );
    const text = JSON.stringify({ m: err.message, d: err.details });
    expect(text).not.toContain('sk-123');
    expect(text).not.toContain('tok-9');
    expect(text).toContain('[secret]');
  });
});
