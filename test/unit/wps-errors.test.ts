import { ApplicationFailure } from '@temporalio/common';
import { VENDOR_FAILURE_TYPES } from '../../activities/vendor/errors';
import {
  isSignatureRejection,
  isTokenRejection,
  mapWpsFailure,
  WPS_SIGNATURE_REJECTED_CODES,
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
    });
    const af = err.toApplicationFailure();
    expect(af.type).toBe(VENDOR_FAILURE_TYPES.transient);
    expect(af.nonRetryable).toBe(false);
    expect(af.nextRetryDelay).toBe(3000);
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

  it('a configured code is a signature rejection; a message about the signature is one too', () => {
    const codes = new Set([...WPS_SIGNATURE_REJECTED_CODES, 400009999]);
    expect(
      mapWpsFailure(answer(400, { code: 400009999, msg: 'nope' }), 'x', { signatureRejectedCodes: codes })
        .details.kind,
    ).toBe('signature');
    expect(mapWpsFailure(answer(400, { code: 400009999, msg: 'nope' }), 'x').details.kind).toBe(
      'invalidRequest',
    );
    expect(mapWpsFailure(answer(403, { code: 7, msg: 'Signature mismatch' }), 'x').details.kind).toBe(
      'signature',
    );
    expect(isSignatureRejection(200, 7, 'signature')).toBe(false);
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
