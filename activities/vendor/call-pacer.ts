/**
 * Spaces one vendor's HTTP exchanges evenly, per worker process: a token bucket with a burst of 1.
 *
 * Why: the task queue's activity limit (`maxTaskQueueActivitiesPerSecond`) is itself a token bucket,
 * so the server dispatches activities in bursts, and each activity makes three calls (read, act,
 * read back). A vendor that counts calls in a sliding one-second window sees some windows above its
 * limit and answers 429. The pacer sits in front of every exchange (`send()` in ./http.ts: API
 * calls, token fetches, every retry try), so the calls leave this process at most `callsPerSecond`
 * per second, each at least `1 / callsPerSecond` seconds after the one before (plus `margin`).
 *
 * How:
 * - Callers wait in one FIFO queue. A single pump releases the head of the queue once the gap since
 *   the previous release has passed, then waits for the next one: one timer at a time, no busy-wait,
 *   any number of concurrent callers.
 * - Gaps are measured from when a caller was really released (the clock after the wait), not from a
 *   planned slot: a timer that fires late (a busy event loop) delays the next release too, so a stall
 *   never turns into a burst of overdue calls. The cost is a rate a little under `callsPerSecond`
 *   (timers fire about a millisecond late).
 * - A caller that finds the queue empty and the gap already passed goes at once (no timer).
 * - The gap is `(1 + margin) / callsPerSecond` (margin default 2%): the vendor counts calls when they
 *   ARRIVE, and the time from our release to its clock varies by a few milliseconds (event loops,
 *   sockets, the network). At exactly 1/R apart, any call that is a little slower than the one R
 *   calls later puts R + 1 calls into one of the vendor's seconds; the margin gives every second
 *   20 ms of slack for that, at the price of 2% of the rate.
 *
 * The waits are timers, so the activity's heartbeat ticker (activities/index.ts) goes on meanwhile.
 * They are made before an exchange starts, so they are not part of its HTTP timeout, of the
 * call-duration metric, nor of the client retry's waiting budget (activities/vendor/call-retry.ts
 * `maxTotalWaitMs`); being real time, they do pass on the retry's clock (`maxElapsedMs`), which keeps
 * an activity attempt inside its start-to-close timeout.
 *
 * The limit is per process: with N worker processes, give each the vendor's limit ÷ N. The task
 * queue's activity limit stays the global cap across all workers.
 */

export interface CallPacerOptions {
  /** Most exchanges per second; a finite number above 0. */
  callsPerSecond: number;
  /**
   * Extra spacing, as a share of `1 / callsPerSecond`, against jitter between our clock and the
   * vendor's (see above). 0 to 1; default `CALL_PACER_DEFAULT_MARGIN` (0.02).
   */
  margin?: number;
  /** Clock in milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Waits; default a `setTimeout` (does not block the event loop, so heartbeats go on). */
  sleep?: (ms: number) => Promise<void>;
}

/** What `send()` needs: a turn to start one exchange. */
export interface Pacer {
  /** Resolves when the caller may start its exchange (callers are let through in call order). */
  take(): Promise<void>;
}

export const CALL_PACER_DEFAULT_MARGIN = 0.02;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class CallPacer implements Pacer {
  /** The gap between two releases, in milliseconds: `(1 + margin) * 1000 / callsPerSecond`. */
  readonly intervalMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly waiting: Array<() => void> = [];
  private lastReleaseAt: number | undefined;
  private pumping = false;
  /** Exchanges let through, and how many of them had to wait; for tests and logs. */
  released = 0;
  delayed = 0;

  constructor(options: CallPacerOptions) {
    const rate = options.callsPerSecond;
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
      throw new RangeError(`callsPerSecond must be a finite number above 0, got ${String(rate)}`);
    }
    const margin = options.margin ?? CALL_PACER_DEFAULT_MARGIN;
    if (typeof margin !== 'number' || !Number.isFinite(margin) || margin < 0 || margin > 1) {
      throw new RangeError(`margin must be a number from 0 to 1, got ${String(margin)}`);
    }
    this.intervalMs = ((1 + margin) * 1000) / rate;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Callers waiting for their turn (the one whose gap is being waited for included). */
  get queued(): number {
    return this.waiting.length;
  }

  take(): Promise<void> {
    if (!this.pumping && this.waiting.length === 0 && this.waitMs() <= 0) {
      this.release();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.delayed += 1;
      if (!this.pumping) void this.pump();
    });
  }

  private waitMs(): number {
    return this.lastReleaseAt === undefined ? 0 : this.lastReleaseAt + this.intervalMs - this.now();
  }

  private release(): void {
    this.lastReleaseAt = this.now();
    this.released += 1;
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.waiting.length > 0) {
        const wait = this.waitMs();
        if (wait > 0) {
          try {
            await this.sleep(Math.ceil(wait));
          } catch {
            // Whatever went wrong with the timer, the head of the queue goes next.
          }
        }
        const next = this.waiting.shift();
        this.release();
        next?.();
      }
    } finally {
      this.pumping = false;
    }
  }
}

/** A pacer for `callsPerSecond`, or none when it is unset (no pacing). */
export function pacerFor(
  callsPerSecond: number | undefined,
  timing: Pick<CallPacerOptions, 'now' | 'sleep' | 'margin'> = {},
): CallPacer | undefined {
  return callsPerSecond === undefined ? undefined : new CallPacer({ callsPerSecond, ...timing });
}
