import { observeSafely } from './metrics';

/**
 * A per-process cache for one vendor access token. Concurrent callers share one in-flight fetch, the
 * token is renewed `refreshMarginMs` before it expires, and a token the vendor rejected is dropped.
 */

export interface IssuedToken {
  value: string;
  /** Lifetime in seconds, as the vendor's `expires_in`. */
  expiresInSeconds: number;
}

export interface TokenCacheOptions {
  fetchToken: () => Promise<IssuedToken>;
  /** Renew this long before expiry. Default 5 minutes, or a fifth of a shorter lifetime. */
  refreshMarginMs?: number;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
  /** Called before each fetch of a new token (metrics); an error it throws is ignored. */
  onFetch?: () => void;
}

export class TokenCache {
  private current?: { value: string; renewAt: number };
  private inFlight?: Promise<string>;
  private readonly fetchToken: () => Promise<IssuedToken>;
  private readonly refreshMarginMs: number | undefined;
  private readonly now: () => number;
  private readonly onFetch: (() => void) | undefined;
  /** How many tokens were fetched; for metrics and tests. */
  fetches = 0;

  constructor(options: TokenCacheOptions) {
    this.fetchToken = options.fetchToken;
    this.refreshMarginMs = options.refreshMarginMs;
    this.now = options.now ?? Date.now;
    this.onFetch = options.onFetch;
  }

  async get(): Promise<string> {
    if (this.current && this.now() < this.current.renewAt) return this.current.value;
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Drops `token` if it is still the cached one (another caller may have renewed it already). */
  invalidate(token: string): void {
    if (this.current?.value === token) this.current = undefined;
  }

  private async fetch(): Promise<string> {
    this.fetches += 1;
    const onFetch = this.onFetch;
    if (onFetch) observeSafely(onFetch);
    const issued = await this.fetchToken();
    const lifetimeMs = Math.max(0, issued.expiresInSeconds * 1000);
    const margin = this.refreshMarginMs ?? Math.min(5 * 60_000, lifetimeMs / 5);
    this.current = { value: issued.value, renewAt: this.now() + lifetimeMs - margin };
    return issued.value;
  }
}
