import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { parseRequestText, RequestFileError } from '../../client/request-file';
import type { Leaver } from '../../workflows/request';
import {
  assertValidRequest,
  describeIssues,
  InvalidRequestError,
  parseEffectiveAt,
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
            stringify([[l.employeeId ?? '', l.wpsUserId ?? '', l.authingUserId ?? '']], { eof: false }),
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

  it('compares Authing ids as Authing does: two emails that differ only in case are one user', () => {
    const request = {
      requestId: 'r-email',
      authingUserIdType: 'email',
      leavers: [{ authingUserId: 'Alice@x.com' }, { authingUserId: 'alice@X.com' }],
    };
    expect(describeIssues(issuesOf(request))).toContain(
      'leavers[1].authingUserId: duplicates leavers[0].authingUserId',
    );
    // Not for a type Authing compares exactly.
    expect(issuesOf({ ...request, authingUserIdType: 'username' })).toEqual([]);
  });

  it('refuses an employeeId on two leavers, naming the later and pointing at the earlier', () => {
    fc.assert(
      fc.property(
        wellFormedRequest().filter(({ request }) => request.leavers.length >= 2),
        fc.nat(),
        fc.nat(),
        ({ request }, a, b) => {
          const input = clone(request);
          const n = input.leavers.length;
          const first = a % (n - 1);
          const later = first + 1 + (b % (n - 1 - first));
          const employee = input.leavers[first]?.employeeId ?? `E-${first}`;
          (input.leavers[first] as Leaver).employeeId = employee;
          (input.leavers[later] as Leaver).employeeId = employee;
          const issues = issuesOf(input);
          expect(issues).toHaveLength(1);
          expect(issues[0]?.field).toMatch(new RegExp(`^leavers\\[${later}\\].*\\.employeeId$`));
          expect(issues[0]?.message).toContain(`duplicates leavers[${first}].employeeId`);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses an Authing id holding a comma, and only an Authing id', () => {
    fc.assert(
      fc.property(wellFormedRequest(), fc.nat(), fc.nat(), ({ request }, at, cut) => {
        const input = clone(request);
        const index = at % input.leavers.length;
        const leaver = input.leavers[index] as Leaver;
        fc.pre(leaver.authingUserId !== undefined && leaver.authingUserId.length < 256);
        // Between code points, so that no surrogate pair is split.
        const points = Array.from(leaver.authingUserId);
        points.splice(cut % (points.length + 1), 0, ',');
        leaver.authingUserId = points.join('');
        const issues = issuesOf(input);
        expect(issues).toHaveLength(1);
        expect(issues[0]?.field).toMatch(new RegExp(`^leavers\\[${index}\\].*\\.authingUserId$`));
        expect(issues[0]?.message).toMatch(/^must not contain a comma/);
        // WPS 365 takes its ids as a JSON array: a comma there is no problem.
        expect(validateRequest({ requestId: 'r', leavers: [{ wpsUserId: 'a,b' }] }).ok).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses authingUserIdType custom_field, saying why and which types to use', () => {
    fc.assert(
      fc.property(wellFormedRequest(5), ({ request }) => {
        const issues = issuesOf({ ...clone(request), authingUserIdType: 'custom_field' });
        expect(issues).toEqual([
          {
            field: 'authingUserIdType',
            message: expect.stringMatching(
              /^cannot be custom_field: .* could never be verified; use one of user_id, external_id, phone, email, username, identity, sync_relation/,
            ) as unknown,
          },
        ]);
      }),
      { numRuns: 20 },
    );
  });

  it('accepts an effectiveAt only when every calendar field round-trips: no day or hour rolls over', () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const text = fc
      .record({
        year: fc.integer({ min: 1, max: 9999 }).map((n) => String(n).padStart(4, '0')),
        month: two(19),
        day: two(39),
        hour: two(29),
        minute: two(69),
        second: fc.option(two(69), { nil: undefined }),
        offset: fc.oneof(
          fc.constant('Z'),
          fc.tuple(fc.constantFrom('+', '-'), two(16), two(69)).map(([sign, h, m]) => `${sign}${h}:${m}`),
        ),
      })
      .map((f) => ({
        ...f,
        text: `${f.year}-${f.month}-${f.day}T${f.hour}:${f.minute}${f.second === undefined ? '' : `:${f.second}`}${f.offset}`,
      }));
    fc.assert(
      fc.property(text, (f) => {
        const parsed = parseEffectiveAt(f.text);
        const offsetMinutes =
          f.offset === 'Z'
            ? 0
            : (f.offset.startsWith('-') ? -1 : 1) *
              (Number(f.offset.slice(1, 3)) * 60 + Number(f.offset.slice(4)));
        // The local time the text names, read back from the instant it was turned into.
        if (typeof parsed === 'number') {
          const local = new Date(parsed + offsetMinutes * 60_000);
          expect([
            local.getUTCFullYear(),
            local.getUTCMonth() + 1,
            local.getUTCDate(),
            local.getUTCHours(),
            local.getUTCMinutes(),
            local.getUTCSeconds(),
          ]).toEqual([f.year, f.month, f.day, f.hour, f.minute, f.second ?? '00'].map(Number));
          expect(offsetMinutes).toBeGreaterThanOrEqual(-12 * 60);
          expect(offsetMinutes).toBeLessThanOrEqual(14 * 60);
        } else {
          expect(parsed).toMatch(/^is not a real time: /);
          const issues = issuesOf({ requestId: 'r', effectiveAt: f.text, leavers: [{ wpsUserId: 'w' }] });
          expect(issues).toEqual([{ field: 'effectiveAt', message: parsed }]);
        }
      }),
      { numRuns: 3000 },
    );
    expect(parseEffectiveAt('2026-02-30T18:00:00+08:00')).toBe(
      'is not a real time: February 2026 has no day 30 (it has 28)',
    );
    expect(parseEffectiveAt('2028-02-29T18:00:00+08:00')).toBe(Date.parse('2028-02-29T10:00:00Z'));
    expect(parseEffectiveAt('2026-11-30T24:00:00+08:00')).toBe(
      'is not a real time: the hour must be 00-23, got 24 (write 00:00 of the next day)',
    );
  });

  it('refuses a JSON request that gives a key twice, naming the key and its place, never a value', () => {
    const keys = fc.constantFrom('requestId', 'effectiveAt', 'authingUserIdType', 'leavers', 'wpsUserId');
    fc.assert(
      fc.property(wellFormedRequest(6), keys, fc.nat(), ({ request }, key, at) => {
        const index = at % request.leavers.length;
        const leaver = request.leavers[index] as Record<string, string>;
        // A second copy of the key, with a value of its own that must not be shown back.
        const copy = `"${key}": ${JSON.stringify(key === 'leavers' ? [{ wpsUserId: 'value-twice' }] : 'value-twice')}`;
        let text: string;
        if (key === 'wpsUserId') {
          fc.pre(leaver.wpsUserId !== undefined);
          const leavers = request.leavers.map((l, i) =>
            i === index ? JSON.stringify(l).replace(/}$/, `, ${copy}}`) : JSON.stringify(l),
          );
          text = JSON.stringify({ ...request, leavers: [] }).replace(
            '"leavers":[]',
            () => `"leavers":[\n${leavers.join(',\n')}]`,
          );
        } else {
          fc.pre(key === 'requestId' || key === 'leavers' || request[key as 'effectiveAt'] !== undefined);
          text = JSON.stringify(request, null, 1).replace(/}$/, `, ${copy}}`);
        }
        let thrown: unknown;
        try {
          parseRequestText(text, 'json', {}, 'r.json');
        } catch (err) {
          thrown = err;
        }
        expect(thrown).toBeInstanceOf(RequestFileError);
        const problems = (thrown as RequestFileError).problems;
        expect(problems).toHaveLength(1);
        expect(problems[0]?.where).toBe(key === 'wpsUserId' ? `leavers[${index}].wpsUserId` : key);
        expect(problems[0]?.message).toMatch(
          /^is given twice in one object \(first at line \d+, column \d+\)/,
        );
        expect((thrown as RequestFileError).message).not.toContain('value-twice');
      }),
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

  it("never throws on any input, nor shows zod's own messages; assertValidRequest throws nothing but InvalidRequestError", () => {
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
          // Every message is one of the declaration's own, none zod's fallback (which could quote a value).
          expect(result.issues.filter((i) => i.message.startsWith('is not valid ('))).toEqual([]);
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
