import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * How many HTTP exchanges with the vendors one run may have in flight at once, in this worker
 * process: the run's `concurrency`. Why here and not only in the workflow: README, "A run, step by
 * step", Batches. A slot is held for one exchange (./shared/http.ts `send()`), not while a client
 * waits out a Retry-After or a backoff, and is given back whatever the outcome; callers wait in call
 * order. A token fetch shared by several runs' calls takes a slot of the run whose call started it.
 *
 * An exchange waits for a slot at most until its attempt's deadline (`within`): one that would
 * start later is not sent at all (`CallSlotWaitExpired`), so that no exchange of an attempt that
 * Temporal has timed out reaches a vendor after the next attempt has begun.
 */

/** Which run a call belongs to, and that run's limit. Part of a vendor activity's input. */
export interface CallSlotsOfRun {
  /** The run's workflow id (the parent's, for a chunk run), so that its chunks share the slots. */
  run: string;
  /** Exchanges in flight at once: the run's `concurrency`, 1 or more. */
  limit: number;
}

interface RunSlots {
  inFlight: number;
  waiting: Array<() => void>;
}

interface Bound {
  slots: CallSlots;
  of: CallSlotsOfRun;
  /** Epoch ms after which no exchange may start; none: wait as long as it takes. */
  deadlineMs: number | undefined;
}

/** No slot came free before the attempt's deadline: the exchange was not sent. */
export class CallSlotWaitExpired extends Error {
  constructor(
    readonly run: string,
    readonly waitedMs: number,
  ) {
    super(
      `not sent: the run's ${run} vendor call slots stayed busy for ${waitedMs} ms, up to the attempt's deadline`,
    );
    this.name = 'CallSlotWaitExpired';
  }
}

const bound = new AsyncLocalStorage<Bound>();

export class CallSlots {
  private readonly runs = new Map<string, RunSlots>();

  /**
   * Runs `work` (an activity's calls) so that each vendor exchange made inside it, however deep,
   * first takes one of run `of`'s slots (`takeCallSlot()`), waiting no later than `deadlineMs`.
   * `of` undefined: no limit.
   */
  within<T>(of: CallSlotsOfRun | undefined, work: () => Promise<T>, deadlineMs?: number): Promise<T> {
    return of === undefined ? work() : bound.run({ slots: this, of, deadlineMs }, work);
  }

  /**
   * Resolves once run `of` has a free slot, with the function that gives it back (once); rejects
   * with `CallSlotWaitExpired` if none came free by `deadlineMs` (epoch ms).
   */
  async take(of: CallSlotsOfRun, deadlineMs?: number): Promise<() => void> {
    let slots = this.runs.get(of.run);
    if (!slots) {
      slots = { inFlight: 0, waiting: [] };
      this.runs.set(of.run, slots);
    }
    const limit = Number.isFinite(of.limit) ? Math.max(1, Math.floor(of.limit)) : 1;
    if (slots.inFlight < limit && slots.waiting.length === 0) {
      slots.inFlight += 1;
    } else {
      // give() hands its slot straight to the first waiter, so inFlight stays as it is.
      await this.wait(of.run, slots, deadlineMs);
    }
    let given = false;
    const held = slots;
    return () => {
      if (given) return;
      given = true;
      this.give(of.run, held);
    };
  }

  /** Exchanges of `run` in flight and waiting, for tests. */
  state(run: string): { inFlight: number; waiting: number } {
    const slots = this.runs.get(run);
    return { inFlight: slots?.inFlight ?? 0, waiting: slots?.waiting.length ?? 0 };
  }

  private wait(run: string, slots: RunSlots, deadlineMs: number | undefined): Promise<void> {
    const since = Date.now();
    return new Promise<void>((resolve, reject) => {
      // give() calls it later, once `timer` is set.
      const handOver = (): void => {
        if (timer) clearTimeout(timer);
        resolve();
      };
      slots.waiting.push(handOver);
      const expire = (): void => {
        const at = slots.waiting.indexOf(handOver);
        if (at < 0) return; // handed over meanwhile
        slots.waiting.splice(at, 1);
        reject(new CallSlotWaitExpired(run, Date.now() - since));
      };
      const timer =
        deadlineMs === undefined ? undefined : setTimeout(expire, Math.max(0, deadlineMs - Date.now()));
    });
  }

  private give(run: string, slots: RunSlots): void {
    const next = slots.waiting.shift();
    if (next) {
      next();
      return;
    }
    slots.inFlight -= 1;
    if (slots.inFlight === 0) this.runs.delete(run);
  }
}

/**
 * For one exchange: a slot of the run whose activity makes it (see `CallSlots.within`), resolving
 * to its give-back function; undefined, not a promise, outside any run (tests, tools).
 */
export function takeCallSlot(): Promise<() => void> | undefined {
  const current = bound.getStore();
  return current ? current.slots.take(current.of, current.deadlineMs) : undefined;
}
