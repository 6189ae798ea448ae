/**
 * Fault injection shared by both vendor simulators: added latency, a share of 5xx answers, 429s with
 * Retry-After, hangs, a vendor that is down, and a requests-per-second limit answered with 429.
 * Shares are drawn from a seeded generator, so a "30% 5xx storm" is the same storm on every run.
 */

export interface FaultSettings {
  /** Added to every API call, in milliseconds. Default 0. */
  latencyMs: number;
  /** Share (0 to 1) of calls answered with HTTP 503. Default 0. */
  serverErrorRate: number;
  /** Share (0 to 1) of calls answered with HTTP 429 and Retry-After. Default 0. */
  throttleRate: number;
  /** The Retry-After sent with a 429, in seconds. Default 1. */
  retryAfterSeconds: number;
  /** Share (0 to 1) of calls that never get an answer (until the client gives up). Default 0. */
  hangRate: number;
  /** Every call answered with HTTP 503, as a vendor outage. Default false. */
  down: boolean;
  /** Calls per second allowed; above it, HTTP 429. 0 means no limit. Default 0. */
  rateLimitPerSecond: number;
  /** Seed of the generator behind the shares. Default 1. */
  seed: number;
}

export const NO_FAULTS: FaultSettings = {
  latencyMs: 0,
  serverErrorRate: 0,
  throttleRate: 0,
  retryAfterSeconds: 1,
  hangRate: 0,
  down: false,
  rateLimitPerSecond: 0,
  seed: 1,
};

export type Fault =
  | { kind: 'hang' }
  | { kind: 'serverError'; status: 503 }
  | { kind: 'throttle'; retryAfterSeconds: number; reason: 'injected' | 'rateLimit' };

/** The call a fault is decided for. */
export interface FaultTarget {
  /** The request's path, without the query string, e.g. `/v7/users/batch_disable`. */
  path: string;
}

export interface FaultCounts {
  serverErrors: number;
  throttled: number;
  rateLimited: number;
  hung: number;
}

/** mulberry32: a small, fast seeded generator of numbers in [0, 1); good enough to spread faults. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private current: FaultSettings;
  private random: () => number;
  private recent: number[] = [];
  readonly counts: FaultCounts = { serverErrors: 0, throttled: 0, rateLimited: 0, hung: 0 };

  constructor(
    settings: Partial<FaultSettings> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.current = { ...NO_FAULTS, ...settings };
    this.random = seededRandom(this.current.seed);
  }

  get settings(): FaultSettings {
    return { ...this.current };
  }

  /** Changes some settings while the simulator runs (tests flip faults mid-run). */
  configure(settings: Partial<FaultSettings>): void {
    const reseed = settings.seed !== undefined && settings.seed !== this.current.seed;
    this.current = { ...this.current, ...settings };
    if (reseed) this.random = seededRandom(this.current.seed);
  }

  /**
   * Waits the configured latency, then says which fault (if any) this call gets. `call` names the
   * endpoint, for tests that replace this method to aim a fault at one; the shares ignore it.
   */
  async before(_call?: FaultTarget): Promise<Fault | undefined> {
    const s = this.current;
    if (s.latencyMs > 0) await new Promise((r) => setTimeout(r, s.latencyMs));
    if (s.down) {
      this.counts.serverErrors += 1;
      return { kind: 'serverError', status: 503 };
    }
    if (s.rateLimitPerSecond > 0) {
      const now = this.now();
      this.recent = this.recent.filter((t) => now - t < 1000);
      if (this.recent.length >= s.rateLimitPerSecond) {
        this.counts.rateLimited += 1;
        return { kind: 'throttle', retryAfterSeconds: 1, reason: 'rateLimit' };
      }
      this.recent.push(now);
    }
    if (s.hangRate > 0 && this.random() < s.hangRate) {
      this.counts.hung += 1;
      return { kind: 'hang' };
    }
    if (s.serverErrorRate > 0 && this.random() < s.serverErrorRate) {
      this.counts.serverErrors += 1;
      return { kind: 'serverError', status: 503 };
    }
    if (s.throttleRate > 0 && this.random() < s.throttleRate) {
      this.counts.throttled += 1;
      return { kind: 'throttle', retryAfterSeconds: s.retryAfterSeconds, reason: 'injected' };
    }
    return undefined;
  }
}
