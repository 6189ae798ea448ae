import {
  DEFAULT_VALIDATION_LIMITS,
  InvalidRequestError,
  assertValidRequest,
  validateRequest,
} from '../../workflows/validation';

const good = {
  requestId: 'hr-2026-11-0042',
  effectiveAt: '2026-11-30T18:00:00+08:00',
  authingUserIdType: 'user_id',
  leavers: [
    { employeeId: 'E1001', wpsUserId: 'w1', authingUserId: 'a1' },
    { wpsUserId: 'w2' },
    { authingUserId: 'a3' },
  ],
};

function issuesOf(input: unknown): string[] {
  const result = validateRequest(input);
  return result.ok ? [] : result.issues.map((i) => `${i.field}: ${i.message}`);
}

describe('request validation', () => {
  it('accepts a good request and fills defaults', () => {
    const result = validateRequest({ requestId: 'r1', leavers: [{ wpsUserId: 'w1' }] });
    expect(result).toEqual({
      ok: true,
      request: { requestId: 'r1', authingUserIdType: 'user_id', leavers: [{ wpsUserId: 'w1' }] },
    });
  });

  it('reads effectiveAt with its offset', () => {
    const request = assertValidRequest(good);
    expect(new Date(request.effectiveAtMs ?? 0).toISOString()).toBe('2026-11-30T10:00:00.000Z');
  });

  it.each([
    ['not an object', [], '(request): must be a JSON object'],
    ['no requestId', { leavers: [{ wpsUserId: 'w' }] }, 'requestId: is required'],
    ['a requestId with spaces', { ...good, requestId: 'a b' }, 'requestId: must be 1-128 characters'],
    [
      'a time without offset',
      { ...good, effectiveAt: '2026-11-30T18:00:00' },
      'effectiveAt: must be an ISO 8601 time with an offset',
    ],
    [
      'an impossible time',
      { ...good, effectiveAt: '2026-13-45T18:00:00Z' },
      'effectiveAt: is not a real time',
    ],
    [
      'an unknown id type',
      { ...good, authingUserIdType: 'uid' },
      'authingUserIdType: must be one of user_id, external_id',
    ],
    ['no leavers', { ...good, leavers: [] }, 'leavers: must not be empty'],
    [
      'a leaver with no id',
      { ...good, leavers: [{ employeeId: 'E9' }] },
      'leavers[0] (employee E9): needs at least one of wpsUserId, authingUserId',
    ],
    ['a blank id', { ...good, leavers: [{ wpsUserId: '' }] }, 'leavers[0].wpsUserId: must not be empty'],
    [
      'an id with whitespace',
      { ...good, leavers: [{ authingUserId: 'a 1' }] },
      'leavers[0].authingUserId: must not contain whitespace',
    ],
    [
      'an invisible character',
      { ...good, leavers: [{ wpsUserId: 'w\u200b1' }] },
      'leavers[0].wpsUserId: must not contain control or invisible',
    ],
    [
      'a numeric id',
      { ...good, leavers: [{ wpsUserId: 42 }] },
      'leavers[0].wpsUserId: must be a string, got number',
    ],
    ['an unknown field', { ...good, extra: 1 }, 'extra: is not a known field'],
  ])('rejects %s, naming the field', (_name, input, expected) => {
    expect(issuesOf(input).join('\n')).toContain(expected);
  });

  it('rejects a duplicate id per system, naming both leavers', () => {
    const issues = issuesOf({
      requestId: 'r',
      leavers: [{ wpsUserId: 'w1' }, { employeeId: 'E2', wpsUserId: 'w1' }],
    });
    expect(issues).toEqual(['leavers[1] (employee E2).wpsUserId: duplicates leavers[0].wpsUserId (w1)']);
  });

  it('allows the same string as a WPS id and an Authing id', () => {
    expect(
      validateRequest({ requestId: 'r', leavers: [{ wpsUserId: 'x' }, { authingUserId: 'x' }] }).ok,
    ).toBe(true);
  });

  it('enforces the size limit', () => {
    const leavers = Array.from({ length: 11 }, (_, i) => ({ wpsUserId: `w${i}` }));
    expect(
      validateRequest({ requestId: 'r', leavers }, { ...DEFAULT_VALIDATION_LIMITS, maxLeavers: 10 }),
    ).toEqual({
      ok: false,
      issues: [{ field: 'leavers', message: 'has 11 entries; at most 10 are accepted in one request' }],
    });
  });

  it('throws an InvalidRequestError listing every problem', () => {
    expect(() => assertValidRequest({ leavers: 'x' })).toThrow(InvalidRequestError);
    expect(() => assertValidRequest({ leavers: 'x' })).toThrow(
      /requestId: is required\n {2}leavers: must be a non-empty array/,
    );
  });
});
