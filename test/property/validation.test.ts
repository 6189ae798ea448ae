import fc from 'fast-check';
import { csvField } from '../../client/csv';
import { parseRequestText, RequestFileError } from '../../client/request-file';
import type { Leaver } from '../../workflows/request';
import {
  assertValidRequest,
  describeIssues,
  InvalidRequestError,
  validateRequest,
  type ValidationIssue,
} from '../../workflows/validation';
import { BAD_ID_VALUES, wellFormedRequest, type GeneratedRequest } from './arbitraries';

/**
 * Request validation, shared by the CLI, the HR webhook and the workflow, as properties: every
 * well-formed request is accepted as it is; every request with one thing wrong is refused with a
 * message naming that field and that leaver; and nothing at all makes it throw anything but its own
 * typed error. A message never carries a control or invisible character (they would rewrite the
 * operator's terminal line), whatever the input held.
 */

const ID_FIELDS = ['employeeId', 'wpsUserId', 'authingUserId'] as const;
type IdField = (typeof ID_FIELDS)[number];

/** Characters no message may show: controls (line breaks aside), invisible format characters, lone surrogates. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}]/u;

function issuesOf(input: unknown): ValidationIssue[] {
  const result = validateRequest(input);
  return result.ok ? [] : result.issues;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function printable(issues: readonly ValidationIssue[]): boolean {
  return issues.every((i) => !UNPRINTABLE.test(i.field) && !UNPRINTABLE.test(i.message));
}

describe('request validation (properties)', () => {
  it('accepts every well-formed request as it is, filling only the defaults', () => {
    fc.assert(
      fc.property(wellFormedRequest(), ({ request, effectiveAtMs }: GeneratedRequest) => {
        const result = validateRequest(clone(request));
        if (!result.ok) throw new Error(`refused: ${describeIssues(result.issues)}`);
        expect(result.request.requestId).toBe(request.requestId);
        expect(result.request.authingUserIdType).toBe(request.authingUserIdType ?? 'user_id');
        expect(result.request.effectiveAtMs).toBe(effectiveAtMs);
        expect(result.request.leavers).toEqual(request.leavers);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts it the same way from a JSON file and, with the request fields as flags, from a CSV file', () => {
    fc.assert(
      fc.property(wellFormedRequest(25), ({ request }) => {
        const fromJson = parseRequestText(JSON.stringify(request), 'json', {}, 'r.json');
        expect(fromJson.valid.leavers).toEqual(request.leavers);

        const lines = [
          'employeeId,wpsUserId,authingUserId',
          ...request.leavers.map((l) =>
            [l.employeeId ?? '', l.wpsUserId ?? '', l.authingUserId ?? ''].map(csvField).join(','),
          ),
        ];
        const fields = {
          requestId: request.requestId,
          ...(request.effectiveAt !== undefined ? { effectiveAt: request.effectiveAt } : {}),
          ...(request.authingUserIdType !== undefined
            ? { authingUserIdType: request.authingUserIdType }
            : {}),
        };
        const fromCsv = parseRequestText(lines.join('\r\n'), 'csv', fields, 'r.csv');
        expect(fromCsv.valid).toEqual(fromJson.valid);
        expect(fromCsv.leaverLines).toEqual(request.leavers.map((_, i) => i + 2));
      }),
      { numRuns: 150 },
    );
  });

  it('refuses a leaver with one bad id, naming the leaver and the field, in printable words', () => {
    const mutation = fc.record({
      at: fc.nat(),
      field: fc.constantFrom<IdField>(...ID_FIELDS),
      bad: fc.constantFrom(...BAD_ID_VALUES),
    });
    fc.assert(
      fc.property(wellFormedRequest(), mutation, ({ request }, { at, field, bad }) => {
        const input = clone(request);
        const index = at % input.leavers.length;
        const [why, value] = bad;
        (input.leavers[index] as Record<string, unknown>)[field] = value;
        const issues = issuesOf(input);
        const named = issues.filter(
          (i) => i.field.startsWith(`leavers[${index}]`) && i.field.endsWith(`.${field}`),
        );
        if (named.length !== 1)
          throw new Error(`${field} ${why} at leavers[${index}]: issues ${JSON.stringify(issues)}`);
        expect(named[0]?.message).not.toBe('');
        // The issue is about this leaver alone: no other leaver is blamed.
        expect(issues.every((i) => i.field.startsWith(`leavers[${index}]`))).toBe(true);
        expect(printable(issues)).toBe(true);
        // An invalid value is never quoted back (it may be megabytes, or rewrite the terminal line).
        if (typeof value === 'string' && value.length > 0)
          expect(issues.some((i) => i.field.includes(value) || i.message.includes(value))).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it('refuses an id used twice in one system, naming the later leaver and pointing at the earlier', () => {
    const pick = fc.record({
      a: fc.nat(),
      b: fc.nat(),
      system: fc.constantFrom('wpsUserId' as const, 'authingUserId' as const),
    });
    fc.assert(
      fc.property(
        wellFormedRequest().filter(({ request }) => request.leavers.length >= 2),
        pick,
        ({ request }, { a, b, system }) => {
          const input = clone(request);
          const n = input.leavers.length;
          const first = a % (n - 1);
          const later = first + 1 + (b % (n - 1 - first));
          const id = input.leavers[first]?.[system];
          fc.pre(id !== undefined);
          (input.leavers[later] as Leaver)[system] = id;
          const issues = issuesOf(input);
          expect(issues).toHaveLength(1);
          expect(issues[0]?.field).toMatch(new RegExp(`^leavers\\[${later}\\].*\\.${system}$`));
          expect(issues[0]?.message).toContain(`duplicates leavers[${first}].${system}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a leaver with no id, or with a field it does not know, naming that leaver', () => {
    const key = fc.oneof(
      fc.constantFrom(
        'wpsuserid',
        'email',
        'WPSUserId',
        '__proto__',
        'constructor',
        'wps\u202eUserId',
        'x\u0000',
      ),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }),
    );
    fc.assert(
      fc.property(wellFormedRequest(), fc.nat(), fc.boolean(), key, ({ request }, at, strip, extra) => {
        const input = clone(request);
        const index = at % input.leavers.length;
        const leaver = input.leavers[index] as Record<string, unknown>;
        let expected: RegExp;
        if (strip) {
          delete leaver.wpsUserId;
          delete leaver.authingUserId;
          expected = new RegExp(`^leavers\\[${index}\\]`);
        } else {
          fc.pre(!ID_FIELDS.includes(extra as IdField));
          Object.defineProperty(leaver, extra, {
            value: 1,
            enumerable: true,
            configurable: true,
            writable: true,
          });
          expected = new RegExp(`^leavers\\[${index}\\]`);
        }
        const issues = issuesOf(input);
        expect(issues).toHaveLength(1);
        expect(issues[0]?.field).toMatch(expected);
        expect(issues[0]?.message).toBe(
          strip ? 'needs at least one of wpsUserId, authingUserId' : 'is not a known field',
        );
        expect(printable(issues)).toBe(true);
        // Bounded whatever the key's length: a cut, escaped key after at most a valid employeeId.
        expect(issues[0]?.field.length ?? 0).toBeLessThan(1024);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a bad request-level field, naming it', () => {
    const bad = fc.constantFrom<[string, unknown]>(
      ['requestId', ''],
      ['requestId', 'has space'],
      ['requestId', '-leading-dash'],
      ['requestId', 'x'.repeat(129)],
      ['requestId', 'hr-２０２６'], // full-width digits
      ['requestId', 'hr\u200b1'],
      ['requestId', 42],
      ['effectiveAt', '2026-11-30T18:00:00'], // no offset
      ['effectiveAt', '２０２６-11-30T18:00:00Z'],
      ['effectiveAt', '2026-02-30T18:00:00Z\u0000'],
      ['effectiveAt', 1_764_496_800_000],
      ['authingUserIdType', 'USER_ID'],
      ['authingUserIdType', 'user_id\u200b'],
      ['authingUserIdType', null],
      ['leavers', []],
      ['leavers', 'wps-1'],
      ['leavers', { 0: { wpsUserId: 'x' } }],
    );
    fc.assert(
      fc.property(wellFormedRequest(5), bad, ({ request }, [field, value]) => {
        const input = clone(request) as unknown as Record<string, unknown>;
        input[field] = value;
        const issues = issuesOf(input);
        expect(issues.map((i) => i.field)).toEqual([field]);
        expect(printable(issues)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on any input; assertValidRequest throws nothing but InvalidRequestError', () => {
    const anything = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
      withUnicodeString: true,
    });
    // Request-shaped inputs whose parts are anything, so that the checks past the top level run too.
    const shaped = fc.record(
      {
        requestId: fc.oneof(fc.constant('r-1'), anything),
        effectiveAt: anything,
        authingUserIdType: anything,
        leavers: fc.oneof(
          anything,
          fc.array(
            fc.oneof(
              anything,
              fc.record(
                { employeeId: anything, wpsUserId: anything, authingUserId: anything },
                { requiredKeys: [] },
              ),
            ),
            { maxLength: 8 },
          ),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(anything, shaped), (input) => {
        const result = validateRequest(input);
        expect(typeof result.ok).toBe('boolean');
        if (!result.ok) {
          expect(result.issues.length).toBeGreaterThan(0);
          expect(result.issues.length).toBeLessThanOrEqual(50);
          expect(printable(result.issues)).toBe(true);
        }
        try {
          assertValidRequest(input);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidRequestError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('reads hostile JSON (prototype keys, deep nesting) as data', () => {
    const text = JSON.stringify({
      requestId: 'r-1',
      leavers: [{ wpsUserId: 'w' }],
    }).replace('"leavers"', '"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"leavers"');
    const result = validateRequest(JSON.parse(text));
    expect(result.ok).toBe(false);
    expect(issuesOf(JSON.parse(text)).map((i) => i.field)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    expect(issuesOf(JSON.parse(deep))).toEqual([{ field: '(request)', message: 'must be a JSON object' }]);
  });

  it('a file the validator refuses is a RequestFileError naming the same places', () => {
    fc.assert(
      fc.property(
        wellFormedRequest(),
        fc.nat(),
        fc.constantFrom(...BAD_ID_VALUES),
        ({ request }, at, [, value]) => {
          const input = clone(request);
          const index = at % input.leavers.length;
          (input.leavers[index] as Record<string, unknown>).wpsUserId = value;
          let thrown: unknown;
          try {
            parseRequestText(JSON.stringify(input), 'json', {}, 'r.json');
          } catch (err) {
            thrown = err;
          }
          expect(thrown).toBeInstanceOf(RequestFileError);
          // Each issue is one problem at its field (a JSON file may put its line and column first).
          const problems = (thrown as RequestFileError).problems;
          const issues = issuesOf(input);
          expect(problems).toHaveLength(issues.length);
          for (const issue of issues) {
            const at = (where: string): boolean =>
              where === issue.field || where.endsWith(`, ${issue.field}`);
            expect(problems.filter((p) => at(p.where) && p.message === issue.message)).toHaveLength(1);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
