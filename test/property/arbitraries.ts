import fc from 'fast-check';
import {
  ACCEPTED_AUTHING_USER_ID_TYPES,
  authingIdKey,
  type Leaver,
  type OffboardingRequest,
} from '../../workflows/request';

/**
 * Generators of well-formed offboarding requests, written from the request contract (README, "The
 * request"), not from the validator's code: a requestId of 1-128 letters, digits, ".", "_", ":" or
 * "-"; an optional real instant with its offset; an optional id type among Authing's seven that can be
 * verified (not custom_field); at least one leaver, each with a WPS or an Authing id (or both), ids
 * unique per system and employee numbers unique, 1-256 characters with no whitespace, control,
 * invisible or broken (lone surrogate) characters, and no comma in an Authing id.
 */

/** What the contract forbids in an id. */
export const FORBIDDEN_IN_ID = /[\s\p{Cc}\p{Cf}\p{Cs}]/u;

export function isWellFormedId(id: string): boolean {
  return id.length >= 1 && id.length <= 256 && !FORBIDDEN_IN_ID.test(id);
}

// Ids real directories have: e-mail addresses, phone numbers, CJK and RTL-script names, full-width
// digits, emoji (a surrogate pair), and the characters CSV and JSON must quote or escape.
const ID_CHARS = [
  ...'abcXYZ019',
  ...'.-_@+:/#',
  '"',
  ',',
  "'",
  '\\',
  'é',
  'ß',
  '张',
  '伟',
  'ع',
  'ש',
  '１',
  'Ａ',
  '😀',
];

export const wellFormedId: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: 1, maxLength: 24 }), weight: 6 },
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }).filter(isWellFormedId), weight: 3 },
  // Near the length limit (every unit one UTF-16 code unit, so the length is exact).
  {
    arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 240, maxLength: 256 }).filter(isWellFormedId),
    weight: 1,
  },
);

/** An Authing id: a well-formed id without a comma (Authing reads ids as a comma-separated list). */
export const wellFormedAuthingId: fc.Arbitrary<string> = wellFormedId.map((id) => id.replace(/,/g, ';'));

export const requestId: fc.Arbitrary<string> = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);

export interface GeneratedInstant {
  text: string;
  /** The instant the text names, in milliseconds since the epoch. */
  ms: number;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** An ISO 8601 instant with an offset (Z or ±hh:mm), with or without seconds and milliseconds. */
export const effectiveAt: fc.Arbitrary<GeneratedInstant> = fc
  .record({
    ms: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }),
    offsetMinutes: fc.integer({ min: -12 * 4, max: 14 * 4 }).map((q) => q * 15),
    zulu: fc.boolean(),
    precision: fc.constantFrom('minutes', 'seconds', 'millis'),
  })
  .map(({ ms, offsetMinutes, zulu, precision }) => {
    const unit = precision === 'minutes' ? 60_000 : precision === 'seconds' ? 1000 : 1;
    const instant = Math.floor(ms / unit) * unit;
    const offset = zulu ? 0 : offsetMinutes;
    const local = new Date(instant + offset * 60_000);
    let text =
      `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
      `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
    if (precision !== 'minutes') text += `:${pad(local.getUTCSeconds())}`;
    if (precision === 'millis') text += `.${pad(local.getUTCMilliseconds(), 3)}`;
    if (zulu) text += 'Z';
    else {
      const sign = offset < 0 ? '-' : '+';
      const abs = Math.abs(offset);
      text += `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
    }
    return { text, ms: instant };
  });

type Kind = 'both' | 'wps' | 'authing';

/**
 * 1 to `max` leavers with ids unique per system (the same string may be a WPS and an Authing id), and
 * employee numbers unique where given.
 */
export function leavers(max = 40): fc.Arbitrary<Leaver[]> {
  return fc.integer({ min: 1, max }).chain((n) =>
    fc
      .tuple(
        fc.uniqueArray(wellFormedId, { minLength: n, maxLength: n }),
        fc.uniqueArray(wellFormedAuthingId, { minLength: n, maxLength: n }),
        fc.uniqueArray(wellFormedId, { minLength: n, maxLength: n }),
        fc.array(
          fc.record({
            kind: fc.constantFrom<Kind>('both', 'both', 'wps', 'authing'),
            withEmployeeId: fc.boolean(),
          }),
          { minLength: n, maxLength: n },
        ),
      )
      .map(([wpsIds, authingIds, employeeIds, shapes]) =>
        shapes.map((shape, i): Leaver => {
          const leaver: Leaver = {};
          if (shape.withEmployeeId) leaver.employeeId = employeeIds[i] as string;
          if (shape.kind !== 'authing') leaver.wpsUserId = wpsIds[i] as string;
          if (shape.kind !== 'wps') leaver.authingUserId = authingIds[i] as string;
          return leaver;
        }),
      ),
  );
}

export interface GeneratedRequest {
  request: OffboardingRequest;
  /** The instant of `effectiveAt`, when there is one. */
  effectiveAtMs?: number;
}

export function wellFormedRequest(maxLeavers = 40): fc.Arbitrary<GeneratedRequest> {
  return (
    fc
      .record(
        {
          requestId,
          effectiveAt,
          authingUserIdType: fc.constantFrom(...ACCEPTED_AUTHING_USER_ID_TYPES),
          leavers: leavers(maxLeavers),
        },
        { requiredKeys: ['requestId', 'leavers'] },
      )
      // Authing ids unique as Authing compares them (emails ignore case, phones some punctuation).
      .filter(({ authingUserIdType, leavers: all }) => {
        const keys = all.flatMap((l) =>
          l.authingUserId === undefined
            ? []
            : [authingIdKey(l.authingUserId, authingUserIdType ?? 'user_id')],
        );
        return new Set(keys).size === keys.length;
      })
      .map(({ effectiveAt: at, ...rest }) => {
        const request: OffboardingRequest = { ...rest };
        if (at === undefined) return { request };
        request.effectiveAt = at.text;
        return { request, effectiveAtMs: at.ms };
      })
  );
}

/** Values an id must never be: each with the reason, for the failure message of a property. */
export const BAD_ID_VALUES: ReadonlyArray<readonly [string, unknown]> = [
  ['empty', ''],
  ['a space', 'a b'],
  ['a tab', 'a\tb'],
  ['a line break', 'a\nb'],
  ['a no-break space', 'a\u00a0b'],
  ['an ideographic space', 'a\u3000b'],
  ['NUL', 'a\u0000b'],
  ['DEL', 'a\u007fb'],
  ['a zero-width space', 'a\u200bb'],
  ['a zero-width joiner', 'a\u200db'],
  ['a right-to-left mark', 'a\u200fb'],
  ['a right-to-left override', 'a\u202eb'],
  ['a byte order mark', '\ufeffab'],
  ['a lone high surrogate', 'a\ud800'],
  ['a lone low surrogate', '\udc00a'],
  ['257 characters', 'x'.repeat(257)],
  ['a number', 42],
  ['null', null],
  ['a boolean', true],
  ['an object', { id: 'x' }],
  ['an array', ['x']],
];
