/**
 * Spaces one vendor's HTTP exchanges evenly, per worker process, and never lets more than
 * `callsPerSecond` of them reach the vendor within one second, whatever the delays on the way.
 *
 * Why: it is the one rate limit (docs/benchmarks.md, Ablation). Activities arrive in bursts, each
 * makes three calls (read, act, read back), and a vendor that counts calls in a sliding one-second
 * window answers 429 to any window above its limit. The pacer sits in front of every exchange (`send()` in ./http.ts: API
 * calls, token fetches, every retry try), so the calls leave this process at most `callsPerSecond`
 * per second.
 *
 * Two rules decide when the next exchange may start:
 * - Spacing: releases follow a schedule `(1 + margin) / callsPerSecond` seconds apart; none starts
 *   before its slot in it. A release that comes late by less than half a gap (a timer that fired a
 *   little late, the gap rounded up to whole milliseconds) keeps the schedule, so those few
 *   milliseconds are caught up on the next gap instead of being lost on every call (under load, several
 *   percent of the rate). Later than that (the pacer was idle, or a long stall) starts a new
 *   schedule from that release, so a stall never turns into a burst of overdue calls. Two releases
 *   are thus never closer than half a gap, and the window rule below, not the spacing, is what keeps
 *   the vendor's count within its limit.
 * - The window: with N = floor(callsPerSecond), exchange k + N starts no sooner than one second
 *   after exchange k *ended* (answered or failed). The vendor counts a call somewhere between our
 *   release and our receipt of its answer, and how late within that span depends on event loops,
 *   sockets and the network, which spacing alone cannot bound: under load a call counted late and
 *   one counted early put N + 1 calls in one of the vendor's seconds. Since exchange k was counted
 *   before it ended, and exchange k + N is counted after it started, the two are at least a second
 *   apart in the vendor's count, on any clock. The cost: N calls take one second plus one exchange's
 *   duration, not one second (at 300/s and 50 ms calls, 286/s); and at most N exchanges are in
 *   flight at once, so N calls that hang hold the vendor's next calls until they time out.
 *
 * How: callers wait in one FIFO queue. A single pump releases the head once both rules allow, else
 * waits for the sooner of a timer and the end of an exchange it waits for: one timer at a time, no
 * busy-wait. A caller that finds the queue empty and both rules met goes at once (no timer).
 *
 * The waits are timers, so the activity's heartbeat ticker (activities/index.ts) goes on meanwhile.
 * They are made before an exchange starts, so they are not part of its HTTP timeout, of the
 * call-duration metric, nor of the client retry's waiting budget (activities/shared/call-retry.ts
 * `maxTotalWaitMs`); being real time, they do pass on the retry's clock (`maxElapsedMs`), which keeps
 * an activity attempt inside its start-to-close timeout.
 *
 * The limit is per process: with N worker processes, give each the vendor's limit ÷ N.
 */

export interface CallPacerOptions {
  /** Most exchanges per second; a finite number above 0. */
  callsPerSecond: number;
  /**
   * Extra spacing, as a share of `1 / callsPerSecond`. 0 to 1; default `CALL_PACER_DEFAULT_MARGIN`
   * (0: the window rule already keeps every vendor second within the limit).
   */
  margin?: number;
  /** Clock in milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Waits; default a `setTimeout` (does not block the event loop, so heartbeats go on). */
  sleep?: (ms: number) => Promise<void>;
}

/** What `send()` needs: a turn to start one exchange. */
export interface Pacer {
  /**
   * Resolves when the caller may start its exchange (callers are let through in call order), with
   * `done`, to be called once the exchange has ended (answered or failed); a second call is ignored.
   */
  take(): Promise<() => void>;
}

export const CALL_PACER_DEFAULT_MARGIN = 0;
/** A release this close to its time counts as on time (floating-point sums of gaps are not exact). */
const ON_TIME_MS = 0.001;
/** The vendor's window: at most N = floor(callsPerSecond) exchanges in any span this long. */
const WINDOW_MS = 1_000;

/** One released exchange; `endedAt` is set by its `done`. */
interface Exchange {
  endedAt?: number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class CallPacer implements Pacer {
  /** The gap between two releases, in milliseconds: `(1 + margin) * 1000 / callsPerSecond`. */
  readonly intervalMs: number;
  /** N: at most this many exchanges in any second of the vendor's count. */
  readonly perWindow: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly waiting: Array<(done: () => void) => void> = [];
  /** The last `perWindow` released exchanges, oldest first. */
  private readonly recent: Exchange[] = [];
  /** The schedule (see Spacing above): its start, and the releases made on it since. */
  private scheduleFrom: number | undefined;
  private scheduled = 0;
  /** How late a release may be and keep the schedule: half a gap, none below one call a second. */
  private readonly catchUpMs: number;
  private pumping = false;
  /** Wakes the pump when an exchange ends (it may be what the window waits for). */
  private wake: (() => void) | undefined;
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
    this.perWindow = Math.max(1, Math.floor(rate));
    // Below one call a second the window rule (one call a second) is looser than the spacing, so the
    // spacing alone must hold: no catching up.
    this.catchUpMs = rate >= 1 ? this.intervalMs / 2 : 0;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Callers waiting for their turn (the one whose gap is being waited for included). */
  get queued(): number {
    return this.waiting.length;
  }

  take(): Promise<() => void> {
    if (!this.pumping && this.waiting.length === 0 && this.waitMs() <= ON_TIME_MS) {
      return Promise.resolve(this.release());
    }
    return new Promise<() => void>((resolve) => {
      this.waiting.push(resolve);
      this.delayed += 1;
      if (!this.pumping) void this.pump();
    });
  }

  /**
   * When the next release is due on the schedule: its start plus a whole number of gaps, computed
   * afresh each time so that rounding does not add up over a long run.
   */
  private nextAt(): number {
    return this.scheduleFrom === undefined
      ? Number.NEGATIVE_INFINITY
      : this.scheduleFrom + this.scheduled * this.intervalMs;
  }

  /** How long until both rules allow a release; infinite while the window waits for an exchange to end. */
  private waitMs(): number {
    const now = this.now();
    const spacing = this.nextAt() - now;
    const oldest = this.recent.length < this.perWindow ? undefined : this.recent[0];
    if (oldest === undefined) return spacing;
    if (oldest.endedAt === undefined) return Number.POSITIVE_INFINITY;
    return Math.max(spacing, oldest.endedAt + WINDOW_MS - now);
  }

  private release(): () => void {
    const now = this.now();
    if (this.scheduleFrom !== undefined && now - this.nextAt() < this.catchUpMs) {
      this.scheduled += 1;
    } else {
      this.scheduleFrom = now;
      this.scheduled = 1;
    }
    this.released += 1;
    const exchange: Exchange = {};
    this.recent.push(exchange);
    if (this.recent.length > this.perWindow) this.recent.shift();
    return () => {
      if (exchange.endedAt !== undefined) return;
      exchange.endedAt = this.now();
      // Only the window's oldest exchange can be what the pump waits for.
      if (this.recent.length >= this.perWindow && this.recent[0] === exchange) this.wake?.();
    };
  }

  /** A timer of `ms` (none when infinite), cut short when an exchange ends. */
  private async nap(ms: number): Promise<void> {
    const ended = new Promise<void>((resolve) => (this.wake = resolve));
    try {
      await (Number.isFinite(ms) ? Promise.race([this.sleep(Math.ceil(ms - ON_TIME_MS)), ended]) : ended);
    } finally {
      this.wake = undefined;
    }
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.waiting.length > 0) {
        const wait = this.waitMs();
        if (wait > ON_TIME_MS) {
          try {
            await this.nap(wait);
          } catch {
            // Whatever went wrong with the timer, the rules are checked again, after a real timer
            // turn so that a timer that keeps failing cannot spin the event loop.
            await defaultSleep(1);
          }
          continue;
        }
        const next = this.waiting.shift();
        next?.(this.release());
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
