import { ApplicationFailure } from '@temporalio/common';

/**
 * The closed set of failure types a vendor call can end in. Workflows and operators branch on these
 * `ApplicationFailure.type`s; nothing else leaves the activity boundary.
 */
export const VENDOR_FAILURE_TYPES = {
  /** Network error, timeout, 5xx or 429: retried with backoff (429 honours Retry-After). */
  transient: 'VendorUnavailable',
  /** The vendor refused the request itself (bad or unknown ids, invalid operation): not retried. */
  invalidRequest: 'VendorRejectedRequest',
  /** Credentials or permission refused even with a fresh token: not retried; check configuration. */
  credentials: 'VendorCredentialsRejected',
  /** WPS refused the KSO-1 signature: not retried; check WPS_APP_ID, WPS_APP_KEY and the clock. */
  signature: 'VendorSignatureRejected',
  /** The vendor answered something we cannot interpret: not retried, so a person looks at it. */
  protocol: 'VendorProtocolError',
} as const;

export type VendorFailureKind = keyof typeof VENDOR_FAILURE_TYPES;
export type VendorName = 'wps' | 'authing';

export interface VendorErrorDetails {
  vendor: VendorName;
  kind: VendorFailureKind;
  /** What was being done, e.g. `batch_disable`. */
  operation: string;
  httpStatus?: number;
  /** The vendor's own code: WPS `code`, Authing `apiCode` or body `statusCode`. */
  vendorCode?: string;
  vendorMessage?: string;
  vendorRequestId?: string;
  /** From Retry-After, for a 429 or 503. */
  retryAfterMs?: number;
  /** A `protocol` failure: the field of the answer that broke its contract (./contract.ts). */
  field?: string;
  /** A `protocol` failure: the answer's keys and types, never its values (./contract.ts). */
  shape?: unknown;
  /**
   * An `invalidRequest` whose vendor code is configured as a refusal of some of the ids sent: only
   * such a failure may be split to isolate the offender (workflows/batch-runner.ts). Unset: never split.
   */
  refusesIds?: boolean;
  /** A throttle, whatever the HTTP status (a rate-limit code inside HTTP 200): nothing was done. */
  throttled?: boolean;
  /**
   * Ids the failed activity attempt had already brought to the target state (the canary): a split
   * of the batch passes them on, so that they are reported `done`, not `already`.
   */
  acted?: string[];
}

/**
 * A vendor call that failed. Its message and details never hold a credential or token: they are
 * built only from the vendor's status, code, message and request id. `cause` is a plain Error
 * (never an HTTP library error, whose config carries the request headers).
 */
export class VendorError extends Error {
  readonly details: VendorErrorDetails;

  constructor(details: VendorErrorDetails, message: string, cause?: Error) {
    super(message, cause ? { cause } : undefined);
    this.name = 'VendorError';
    this.details = details;
  }

  get retryable(): boolean {
    return this.details.kind === 'transient';
  }

  toApplicationFailure(): ApplicationFailure {
    const { retryAfterMs } = this.details;
    return ApplicationFailure.create({
      type: VENDOR_FAILURE_TYPES[this.details.kind],
      message: this.message,
      nonRetryable: !this.retryable,
      details: [this.details],
      ...(retryAfterMs !== undefined ? { nextRetryDelay: retryAfterMs } : {}),
      ...(this.cause instanceof Error ? { cause: this.cause } : {}),
    });
  }
}

/** Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unreadable. */
export function parseRetryAfter(header: unknown, now: number = Date.now()): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Converts anything thrown inside an activity into one of the closed failure types. */
export function toActivityFailure(err: unknown): ApplicationFailure {
  if (err instanceof VendorError) return err.toApplicationFailure();
  if (err instanceof ApplicationFailure) return err;
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({ type: VENDOR_FAILURE_TYPES.protocol, message, nonRetryable: true });
}
