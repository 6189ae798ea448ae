import type { z } from 'zod';
import { VendorError, type VendorName } from './errors';

/**
 * Every vendor answer is checked against a declared contract (a zod schema per endpoint) before
 * anything reads it. An answer that does not match is a non-retryable `VendorProtocolError` naming
 * the endpoint, the field and the vendor's request id, with the answer's shape (keys and types, never
 * values) in its details: a renamed field or an unknown status stops the work, it never becomes an
 * outcome. Lives outside workflows/: the schemas only ever run in activities and the CLI.
 */

export interface ContractContext {
  vendor: VendorName;
  /** The endpoint, e.g. `batch_read`. */
  operation: string;
  httpStatus?: number;
  vendorRequestId?: string;
}

/** The context of an answer's check; the request id only when the vendor sent one. */
export function contractContext(
  vendor: VendorName,
  operation: string,
  httpStatus: number,
  vendorRequestId: string | undefined,
): ContractContext {
  return { vendor, operation, httpStatus, ...(vendorRequestId !== undefined ? { vendorRequestId } : {}) };
}

const MAX_KEYS = 40;
const MAX_DEPTH = 4;

/** The keys and types of `value`, never a value: safe for logs and workflow history. */
export function shapeOf(value: unknown, depth = 0): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    if (value.length === 0) return 'array(0)';
    return depth >= MAX_DEPTH
      ? `array(${value.length})`
      : [`array(${value.length})`, shapeOf(value[0], depth + 1)];
  }
  if (typeof value !== 'object') return typeof value;
  if (depth >= MAX_DEPTH) return 'object';
  const keys = Object.keys(value).sort();
  const shape: Record<string, unknown> = {};
  for (const key of keys.slice(0, MAX_KEYS)) {
    shape[key] = shapeOf((value as Record<string, unknown>)[key], depth + 1);
  }
  if (keys.length > MAX_KEYS) shape['…'] = `${keys.length - MAX_KEYS} more keys`;
  return shape;
}

/** A path such as `data.items[3].id`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : `${out === '' ? '' : '.'}${String(part)}`;
  }
  return out === '' ? '(the body)' : out;
}

/** The error for an answer that breaks its contract at `field`. */
export function contractViolation(
  ctx: ContractContext,
  field: string,
  problem: string,
  answer: unknown,
): VendorError {
  const request = ctx.vendorRequestId !== undefined ? `; vendor request id ${ctx.vendorRequestId}` : '';
  return new VendorError(
    {
      vendor: ctx.vendor,
      kind: 'protocol',
      operation: ctx.operation,
      ...(ctx.httpStatus !== undefined ? { httpStatus: ctx.httpStatus } : {}),
      ...(ctx.vendorRequestId !== undefined ? { vendorRequestId: ctx.vendorRequestId } : {}),
      field,
      shape: shapeOf(answer),
    },
    `${ctx.vendor} ${ctx.operation}: the answer does not match its contract at ${field}: ${problem}${request}; nothing was recorded from it (check the vendor's API version and the connector's contract)`,
  );
}

/**
 * `answer` as the contract declares it, or a `VendorProtocolError` for its first mismatch. Zod's
 * messages name what was expected and the type received, never the value.
 */
export function checkContract<T>(schema: z.ZodType<T>, answer: unknown, ctx: ContractContext): T {
  const parsed = schema.safeParse(answer);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = fieldPath(issue?.path ?? []);
  throw contractViolation(ctx, field, issue?.message ?? 'unexpected shape', answer);
}

/**
 * A read of users' statuses: each id the vendor returned, with its status (an id missing does not
 * exist), plus what identifies the read as evidence: the vendor's request id and its `Date` header.
 */
export type UserStatuses<S> = ReadonlyMap<string, S> & {
  readonly vendorRequestId?: string;
  readonly serverDate?: string;
};

export function userStatuses<S>(
  statuses: Map<string, S>,
  evidence: { vendorRequestId?: string | undefined; serverDate?: string | undefined },
): UserStatuses<S> {
  return Object.assign(statuses, {
    ...(evidence.vendorRequestId !== undefined ? { vendorRequestId: evidence.vendorRequestId } : {}),
    ...(evidence.serverDate !== undefined ? { serverDate: evidence.serverDate } : {}),
  });
}
