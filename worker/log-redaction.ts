/**
 * Makes log metadata safe to write: no secret by field name, no bearer token or signature inside a
 * string, and nothing JSON cannot hold (BigInt, cycles, class instances). The vendor clients never
 * put a credential in a message or an error; this is the second line, for whatever a library or a
 * later change adds to a log call.
 */

export const REDACTED = '[redacted]';

/**
 * Field names that hold credentials: secrets, tokens (the SDK's activity `taskToken` too: it lets
 * whoever holds it complete the activity), passwords, authorization headers, cookies, signatures and
 * anything named like a key (`appKey`, `apiKey`, `keys`), but not `keyId`, which only names a key.
 */
const SECRET_FIELD = /secret|token|passw(or)?d|pwd|authori[sz]ation|cookie|credential|signature|keys?$/i;

/** Credentials that can hide inside a free-text string, such as an HTTP library's error message. */
const SECRET_IN_TEXT: ReadonlyArray<[RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  [/\bKSO-1\s+[^\s"',]+/g, `KSO-1 ${REDACTED}`],
  // Core's DEBUG lines print task tokens inside their text.
  [/\bTaskToken\([^)]*\)/g, `TaskToken(${REDACTED})`],
  [
    /\b(access_token|client_secret|accessKeySecret|appKey)(["']?\s*[:=]\s*["']?)[^\s"'&,}]+/gi,
    `$1$2${REDACTED}`,
  ],
];

const MAX_DEPTH = 6;

export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name);
}

export function scrubText(text: string): string {
  return SECRET_IN_TEXT.reduce((s, [pattern, replacement]) => s.replace(pattern, replacement), text);
}

function errorFields(err: Error, seen: WeakSet<object>, depth: number): Record<string, unknown> {
  const fields: Record<string, unknown> = { name: err.name, message: scrubText(err.message) };
  // Temporal failures carry their type and retryability; both help to read a failure from the logs.
  const extra = err as Error & { type?: unknown; nonRetryable?: unknown };
  if (typeof extra.type === 'string') fields.type = extra.type;
  if (typeof extra.nonRetryable === 'boolean') fields.nonRetryable = extra.nonRetryable;
  if (err.stack) fields.stack = scrubText(err.stack);
  if (err.cause !== undefined) fields.cause = sanitize(err.cause, seen, depth + 1);
  return fields;
}

function sanitize(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (value === null || typeof value === 'boolean') return value;
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  seen.add(value);
  try {
    if (value instanceof Error) return errorFields(value, seen, depth);
    if (value instanceof Date) return value.toISOString();
    // A value with its own JSON form (the vendor `Secret` answers "[secret]") decides how it is shown.
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return sanitize(toJSON.call(value) as unknown, seen, depth + 1);
    if (Array.isArray(value)) return value.map((item) => sanitize(item, seen, depth + 1) ?? null);
    if (value instanceof Map) {
      return sanitizeFields(
        Object.fromEntries(value as Map<unknown, unknown>) as Record<string, unknown>,
        seen,
        depth + 1,
      );
    }
    return sanitizeFields(value as Record<string, unknown>, seen, depth + 1);
  } finally {
    seen.delete(value);
  }
}

function sanitizeFields(fields: Record<string, unknown>, seen: WeakSet<object>, depth: number) {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (isSecretField(name)) {
      out[name] = REDACTED;
      continue;
    }
    const clean = sanitize(value, seen, depth);
    if (clean !== undefined) out[name] = clean;
  }
  return out;
}

/** A JSON-safe copy of log metadata with secrets redacted; symbol keys are dropped. */
export function redactFields(fields: Record<string | symbol, unknown>): Record<string, unknown> {
  return sanitizeFields(fields as Record<string, unknown>, new WeakSet(), 0);
}
