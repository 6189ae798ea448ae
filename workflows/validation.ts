import { z } from 'zod';
import {
  DEFAULT_VALIDATION_LIMITS,
  findDuplicates,
  ID_FIELDS,
  LeaverSchema,
  OffboardingRequestSchema,
  requestSchema,
  seenKey,
  type Leaver,
  type SeenIds,
  type ValidationLimits,
  type ValidRequest,
} from './request';

/**
 * Request validation, in one place for the client (before anything starts), the webhook and the
 * workflow (before anything is touched): the request's zod declaration (./request.ts), its issues
 * named for a reader. Pure: no I/O, no clock.
 */

export { DEFAULT_VALIDATION_LIMITS, newSeenIds, parseEffectiveAt } from './request';
export type { OffboardingRequest, SeenIds, ValidationLimits } from './request';

export interface ValidationIssue {
  /** A path into the request, e.g. `leavers[3].wpsUserId`, `leavers[3] (employee E4).wpsUserId`. */
  field: string;
  message: string;
}

export type ValidationResult = { ok: true; request: ValidRequest } | { ok: false; issues: ValidationIssue[] };

/** Thrown by `assertValidRequest`; its message lists every issue, one per line. */
export class InvalidRequestError extends Error {
  constructor(public readonly issues: ValidationIssue[]) {
    super(
      `invalid offboarding request (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  ${i.field}: ${i.message}`).join('\n'),
    );
    this.name = 'InvalidRequestError';
  }
}

// Stop after this many so a hostile 100,000-line file gives a readable error.
const MAX_ISSUES = 50;
// For an issue the declaration has no message for (none known): its kind, never the value.
const fallback = (issue: { code?: string }): string => `is not valid (${issue.code})`;
type Issue = Pick<z.core.$ZodIssue, 'path' | 'message'> & { keys?: string[] };

/** Text from the input as a message shows it (an unknown key): at most 64 characters, invisible ones escaped. */
export function shownKey(key: string): string {
  const cut = key.length > 64 ? `${key.slice(0, 64)}…` : key;
  return cut.replace(
    /[\s\p{Cc}\p{Cf}\p{Cs}]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * zod's issues as `ValidationIssue`s: one per place (the first rule broken there; zod reports every
 * one), one per unknown key, at most `MAX_ISSUES`. The paths point into `leavers`, whose first sits
 * at `offset` in the request. An employeeId names its leaver only when it is itself valid: an
 * invalid one may be megabytes long or hold characters that rewrite a terminal line.
 */
function named(issues: readonly Issue[], leavers: unknown, offset = 0): ValidationIssue[] {
  const places = new Map<string, ValidationIssue>();
  for (const issue of issues) {
    for (const key of issue.keys ?? [undefined]) {
      const [top, index, field] = key === undefined ? issue.path : [...issue.path, key];
      let where = top === undefined ? '(request)' : shownKey(String(top));
      if (typeof index === 'number') {
        const employee: unknown = Array.isArray(leavers) ? (leavers[index] as Leaver)?.employeeId : undefined;
        const known = LeaverSchema.shape.employeeId.unwrap().safeParse(employee).success;
        where = `leavers[${offset + index}]${known ? ` (employee ${String(employee)})` : ''}`;
        if (field !== undefined) where += `.${shownKey(String(field))}`;
      }
      if (!places.has(where))
        places.set(where, {
          field: where,
          message: key === undefined ? issue.message : 'is not a known field',
        });
    }
  }
  return [...places.values()].slice(0, MAX_ISSUES);
}

export function validateRequest(
  input: unknown,
  limits: ValidationLimits = DEFAULT_VALIDATION_LIMITS,
): ValidationResult {
  const schema = limits === DEFAULT_VALIDATION_LIMITS ? OffboardingRequestSchema : requestSchema(limits);
  const result = schema.safeParse(input, { error: fallback });
  if (result.success) return { ok: true, request: result.data };
  return { ok: false, issues: named(result.error.issues, (input as { leavers?: unknown } | null)?.leavers) };
}

export function assertValidRequest(input: unknown, limits?: ValidationLimits): ValidRequest {
  const result = validateRequest(input, limits);
  if (!result.ok) throw new InvalidRequestError(result.issues);
  return result.request;
}

/** The validation issues as one line, for an error message. */
export function describeIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.field}: ${i.message}`).join('; ');
}

export type PartValidation = { ok: true; leavers: Leaver[] } | { ok: false; issues: ValidationIssue[] };

const PartSchema = z
  .array(LeaverSchema, { error: 'must be a non-empty array' })
  .min(1, 'must be a non-empty array');

/**
 * Validates a further part of a large request: its leavers sit at `offset`, and their ids must not
 * repeat any id of the parts before (`seen`, which is NOT changed: the caller adds the ids once the
 * part is accepted, by `rememberIds`).
 */
export function validateLeaverPart(leavers: unknown, offset: number, seen: SeenIds): PartValidation {
  const result = PartSchema.safeParse(leavers, { error: fallback });
  const issues: Issue[] = (result.error?.issues ?? []).map((i) => ({ ...i, path: ['leavers', ...i.path] }));
  if (Array.isArray(leavers) && !issues.some((issue) => issue.path.length === 1)) {
    findDuplicates(leavers, offset, seen, new Set(issues.map((i) => i.path.join('.'))), (i) =>
      issues.push(i),
    );
  }
  return issues.length > 0
    ? { ok: false, issues: named(issues, leavers, offset) }
    : { ok: true, leavers: result.data ?? [] };
}

/** Adds an accepted part's ids to `seen`. */
export function rememberIds(leavers: readonly Leaver[], offset: number, seen: SeenIds): void {
  leavers.forEach((leaver, i) => {
    for (const field of ID_FIELDS) {
      const id = leaver[field];
      if (id !== undefined) seen[field].set(seenKey(seen, field, id), offset + i);
    }
  });
}
