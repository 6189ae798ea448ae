import { kso1Authorization, kso1BodyHash, kso1Date } from '../../activities/wps/kso1';

// Known-answer vectors from specs/wps-365.md §2: the vendor's own two examples and the project vector.
describe('KSO-1 signature: known-answer vectors', () => {
  const vendor = {
    appId: 'AK123456',
    appKey: 'sk098765',
    date: 'Mon, 02 Jan 2006 15:04:05 GMT',
    contentType: 'application/json',
  };

  it('signs the vendor GET example with an empty body (body hash is the empty string)', () => {
    expect(
      kso1Authorization({
        ...vendor,
        method: 'GET',
        requestUri: '/v7/test?key=value',
        body: Buffer.alloc(0),
      }),
    ).toBe('KSO-1 AK123456:ce8df66877175e5198c8ea1362ffddf82e4941c6f25a4ca205a1ad09d0faaf03');
  });

  it('signs the vendor POST example over the exact body bytes', () => {
    expect(
      kso1Authorization({
        ...vendor,
        method: 'POST',
        requestUri: '/v7/test/body',
        body: Buffer.from('{"key": "value"}'),
      }),
    ).toBe('KSO-1 AK123456:c46e6c988130818ecba2484d51ac685948fbbef6814602c7874d6bfc41dc17b3');
  });

  it('matches the project vector for batch_disable', () => {
    const body = Buffer.from('{"user_ids":["u1","u2"]}');
    expect(kso1BodyHash(body)).toBe('c01f6ff9c59295a5930f6b8192385b3ca21865a3b5b82ffbca13e709ba945a04');
    expect(
      kso1Authorization({
        method: 'POST',
        requestUri: '/v7/users/batch_disable',
        contentType: 'application/json',
        date: 'Wed, 23 Jan 2013 06:43:08 GMT',
        body,
        appId: 'AK20231213TESTKEY',
        appKey: 'sk-test-secret-0123456789',
      }),
    ).toBe('KSO-1 AK20231213TESTKEY:00736f30d7cf2410fa84f5d1e36ed11b64d88f1a284cedc4a047280d02523e42');
  });

  it('formats X-Kso-Date as RFC 1123 in GMT', () => {
    expect(kso1Date(new Date(Date.UTC(2013, 0, 23, 6, 43, 8)))).toBe('Wed, 23 Jan 2013 06:43:08 GMT');
  });
});
