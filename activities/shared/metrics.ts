import type { VendorName } from './errors';

/**
 * What the vendor clients report for metrics, if given a hook (worker/metrics.ts turns it into
 * Prometheus series). Optional everywhere: the clients behave the same without it.
 */
export interface VendorMetrics {
  /** One HTTP exchange with the vendor ended, answered (any status) or not (network error, timeout). */
  callEnded(call: { vendor: VendorName; operation: string; seconds: number }): void;
  /** A new access token was requested from the vendor (the cache had none, or it was rejected). */
  tokenFetched(vendor: VendorName): void;
}

/**
 * Runs a metrics hook without letting it disturb the call it observes: a vendor call must never
 * fail, or be retried, because a metric could not be recorded.
 */
export function observeSafely(record: () => void): void {
  try {
    record();
  } catch {
    // Metrics are best effort by design; the call's own outcome is what matters.
  }
}
