import { VENDOR_FAILURE_TYPES } from '../../activities/shared/errors';
import {
  authingFailure,
  isOk,
  isUnauthorized,
  redact,
  type AuthingAnswer,
  type AuthingErrorDetails,
} from '../../activities/authing/errors';

const op = { operation: 'resign-user-batch' };

function mapped(answer: AuthingAnswer, ctx: Parameters<typeof authingFailure>[1] = op) {
  const err = authingFailure(answer, ctx);
  const af = err.toApplicationFailure();
  return { err, af, details: err.details as AuthingErrorDetails };
}

describe('Authing error mapping', () => {
  it('is a success only for HTTP 2xx and body statusCode 200', () => {
    expect(isOk({ httpStatus: 200, body: { statusCode: 200 } })).toBe(true);
    expect(isOk({ httpStatus: 200, body: { statusCode: 400 } })).toBe(false);
    expect(isOk({ httpStatus: 200, body: {} })).toBe(false);
    expect(isOk({ httpStatus: 500, body: { statusCode: 200 } })).toBe(false);
    expect(isOk({ httpStatus: 429, body: { statusCode: 429 } })).toBe(false);
  });

  it('sees a 401 in the HTTP status or in the body, and apiCode 2020 (not logged in) as a number or string', () => {
    expect(isUnauthorized({ httpStatus: 401, body: {} })).toBe(true);
    expect(isUnauthorized({ httpStatus: 200, body: { statusCode: 401 } })).toBe(true);
    expect(isUnauthorized({ httpStatus: 200, body: { statusCode: '401' } })).toBe(true);
    expect(isUnauthorized({ httpStatus: 200, body: { statusCode: 403 } })).toBe(false);
    expect(isUnauthorized({ httpStatus: 200, body: { statusCode: 403, apiCode: 2020 } })).toBe(true);
    expect(isUnauthorized({ httpStatus: 200, body: { statusCode: 400, apiCode: '2020' } })).toBe(true);
    expect(isUnauthorized({ httpStatus: 200, body: { statusCode: 400, apiCode: 2004 } })).toBe(false);
  });

  it.each([
    [{ httpStatus: 200, body: { statusCode: 400, message: 'bad' } }, 'invalidRequest'],
    [
      { httpStatus: 200, body: { statusCode: 404, apiCode: 2004, message: 'user not found' } },
      'invalidRequest',
    ],
    [{ httpStatus: 200, body: { statusCode: 422 } }, 'invalidRequest'],
    [{ httpStatus: 404, body: {} }, 'invalidRequest'],
    [{ httpStatus: 200, body: { statusCode: 500 } }, 'transient'],
    [{ httpStatus: 200, body: { statusCode: 499 } }, 'transient'],
    [{ httpStatus: 200, body: { statusCode: '499' } }, 'transient'],
    [{ httpStatus: 499, body: {} }, 'transient'],
    [{ httpStatus: 200, body: { statusCode: '429' } }, 'transient'],
    [{ httpStatus: 200, body: { statusCode: 403, apiCode: '2020' } }, 'credentials'],
    [{ httpStatus: 200, body: { statusCode: 502 } }, 'transient'],
    [{ httpStatus: 503, body: {} }, 'transient'],
    [{ httpStatus: 500, body: { statusCode: 400 } }, 'transient'],
    [{ httpStatus: 429, body: { statusCode: 429 }, retryAfter: '2' }, 'transient'],
    [{ httpStatus: 200, body: { statusCode: 403 } }, 'credentials'],
    [{ httpStatus: 200, body: { statusCode: 400, apiCode: 2020 } }, 'credentials'],
    [{ httpStatus: 200, body: { statusCode: 404, apiCode: 2224 } }, 'credentials'],
    [{ httpStatus: 200, body: { statusCode: 401 } }, 'credentials'],
    [{ httpStatus: 200, body: { message: 'no statusCode' } }, 'protocol'],
  ] as Array<[AuthingAnswer, keyof typeof VENDOR_FAILURE_TYPES]>)('maps %j to %s', (answer, kind) => {
    const { af, details } = mapped(answer);
    expect(details.kind).toBe(kind);
    expect(af.type).toBe(VENDOR_FAILURE_TYPES[kind]);
    expect(af.nonRetryable).toBe(kind !== 'transient');
    expect(details.httpStatus).toBe(answer.httpStatus);
  });

  it('keeps statusCode, apiCode, message and requestId, and a Retry-After as nextRetryDelay', () => {
    const { err, af, details } = mapped({
      httpStatus: 429,
      retryAfter: '3',
      body: { statusCode: 429, apiCode: 1234, message: 'slow down', requestId: 'req-1' },
    });
    expect(details).toMatchObject({
      statusCode: 429,
      apiCode: 1234,
      vendorCode: '1234',
      vendorMessage: 'slow down',
      vendorRequestId: 'req-1',
      retryAfterMs: 3000,
    });
    expect(err.message).toContain('requestId req-1');
    expect(af.nextRetryDelay).toBe(3000);
  });

  it('names the settings to check', () => {
    expect(mapped({ httpStatus: 200, body: { statusCode: 404, apiCode: 2224 } }).err.message).toContain(
      'AUTHING_USERPOOL_ID',
    );
    const token = mapped(
      { httpStatus: 200, body: { statusCode: 401, apiCode: 1300 } },
      {
        operation: 'get-management-token',
        tokenCall: true,
      },
    ).err.message;
    expect(token).toContain('AUTHING_ACCESS_KEY_ID');
    expect(token).toContain('AUTHING_ACCESS_KEY_SECRET');
    expect(
      mapped({ httpStatus: 200, body: { statusCode: 401 } }, { operation: 'x', afterRefresh: true }).err
        .message,
    ).toContain('freshly issued');
    expect(mapped({ httpStatus: 200, body: { statusCode: 403 } }).err.message).toContain(
      'AUTHING_ACCESS_KEY_ID',
    );
  });

  it('a token-endpoint 5xx or 429 stays transient', () => {
    const ctx = { operation: 'get-management-token', tokenCall: true };
    expect(mapped({ httpStatus: 503, body: {} }, ctx).details.kind).toBe('transient');
    expect(mapped({ httpStatus: 429, body: { statusCode: 429 } }, ctx).details.kind).toBe('transient');
    expect(mapped({ httpStatus: 200, body: { statusCode: 400 } }, ctx).details.kind).toBe('credentials');
  });

  it('cuts sensitive strings out of a vendor message that echoes them', () => {
    const secret = 'super-secret-value-123';
    const { err, details } = mapped(
      { httpStatus: 200, body: { statusCode: 400, message: `bad key ${secret}`, requestId: `r-${secret}` } },
      { operation: 'x', sensitive: [secret] },
    );
    expect(JSON.stringify({ m: err.message, details })).not.toContain(secret);
    expect(redact('x'.repeat(1000), []).length).toBeLessThan(400);
  });

  it('apiCode 2020 after a renewal says the fresh token was not accepted and names the settings', () => {
    const { err, details } = mapped(
      { httpStatus: 200, body: { statusCode: 403, apiCode: '2020', message: '未登录' } },
      { operation: 'get-user-batch', afterRefresh: true },
    );
    expect(details).toMatchObject({ kind: 'credentials', apiCode: 2020 });
    expect(err.message).toContain('2020 (not logged in) to a freshly issued management token');
    expect(err.message).toContain('AUTHING_USERPOOL_ID');
    expect(err.message).not.toContain('permission');
  });

  it('refusesIds only on an invalid request whose apiCode is configured (default 2004)', () => {
    const refused = (body: AuthingAnswer['body'], idRejectedApiCodes?: number[]) =>
      mapped({ httpStatus: 200, body }, { ...op, ...(idRejectedApiCodes ? { idRejectedApiCodes } : {}) })
        .details;
    expect(refused({ statusCode: 404, apiCode: 2004 })).toMatchObject({
      kind: 'invalidRequest',
      refusesIds: true,
    });
    expect(refused({ statusCode: 400, apiCode: '2004' }).refusesIds).toBe(true);
    expect(refused({ statusCode: 400, apiCode: 2001 }).refusesIds).toBeUndefined();
    expect(refused({ statusCode: 400 }).refusesIds).toBeUndefined();
    expect(refused({ statusCode: 422, apiCode: 2004 }, [2001]).refusesIds).toBeUndefined();
    expect(refused({ statusCode: 400, apiCode: 2001 }, [2001]).refusesIds).toBe(true);
    // Never on anything but an invalid request, whatever the apiCode.
    expect(refused({ statusCode: 403, apiCode: 2004 }).refusesIds).toBeUndefined();
    expect(refused({ statusCode: 500, apiCode: 2004 }).refusesIds).toBeUndefined();
    expect(refused({ statusCode: 429, apiCode: 2004 }).refusesIds).toBeUndefined();
  });
});
