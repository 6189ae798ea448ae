import type { AxiosResponse } from 'axios';
import { CallSlots, CallSlotWaitExpired, takeCallSlot } from '../../activities/call-slots';
import { classifyFailure, NOT_SENT_CODE } from '../../activities/shared/call-retry';
import { VendorError } from '../../activities/shared/errors';
import { send } from '../../activities/shared/http';

/**
 * A run's call slots (activities/call-slots.ts): at most `limit` exchanges of one run in flight in
 * the process, handed over in call order, given back on every outcome, and taken by `send()` only
 * inside an activity bound to a run. Exchanges are promises the test resolves, so nothing waits on
 * a clock.
 */

/** An exchange the test ends by hand; `started` says whether `send()` has let it start. */
function manualExchange(): {
  request: () => Promise<AxiosResponse<string>>;
  started: () => boolean;
  answer: () => void;
  fail: () => void;
} {
  let started = false;
  let settle: { resolve: (r: AxiosResponse<string>) => void; reject: (e: Error) => void } | undefined;
  return {
    request: () => {
      started = true;
      return new Promise((resolve, reject) => (settle = { resolve, reject }));
    },
    started: () => started,
    answer: () => settle?.resolve({ status: 200, data: 'ok', headers: {} } as AxiosResponse<string>),
    fail: () => settle?.reject(new Error('socket hang up')),
  };
}

const turns = () => new Promise((resolve) => setImmediate(resolve));

describe('CallSlots', () => {
  it('lets `limit` exchanges of a run through at once and the rest in call order', async () => {
    const slots = new CallSlots();
    const run = { run: 'offboarding-a', limit: 2 };
    const order: number[] = [];
    const gives = await Promise.all([slots.take(run), slots.take(run)]);
    const waiting = [3, 4, 5].map((n) => slots.take(run).then((give) => (order.push(n), give)));
    await turns();
    expect(slots.state('offboarding-a')).toEqual({ inFlight: 2, waiting: 3 });
    expect(order).toEqual([]);

    gives[0]?.();
    await turns();
    expect(order).toEqual([3]);
    gives[0]?.(); // given back twice: counted once
    gives[1]?.();
    await turns();
    expect(order).toEqual([3, 4]);
    expect(slots.state('offboarding-a')).toEqual({ inFlight: 2, waiting: 1 });
    for (const give of await Promise.all(waiting.slice(0, 2))) give();
    await turns();
    expect(order).toEqual([3, 4, 5]);
    (await waiting[2])?.();
    // Nothing kept for a run with nothing in flight.
    expect(slots.state('offboarding-a')).toEqual({ inFlight: 0, waiting: 0 });
  });

  it('keeps runs apart: one run at its limit does not hold another', async () => {
    const slots = new CallSlots();
    const give = await slots.take({ run: 'a', limit: 1 });
    let otherStarted = false;
    const other = slots.take({ run: 'b', limit: 1 }).then((g) => ((otherStarted = true), g));
    let sameStarted = false;
    const same = slots.take({ run: 'a', limit: 1 }).then((g) => ((sameStarted = true), g));
    await turns();
    expect(otherStarted).toBe(true);
    expect(sameStarted).toBe(false);
    give();
    await turns();
    expect(sameStarted).toBe(true);
    (await other)();
    (await same)();
  });

  it('binds send() to the run inside within(), across awaits, and to nothing outside it', async () => {
    const slots = new CallSlots();
    const run = { run: 'offboarding-b', limit: 1 };
    expect(takeCallSlot()).toBeUndefined();

    const first = manualExchange();
    const second = manualExchange();
    const activity = (exchange: ReturnType<typeof manualExchange>) =>
      slots.within(run, async () => {
        await turns(); // the binding survives awaits before the exchange
        return send('wps', 'users/batch_read', exchange.request);
      });
    const one = activity(first);
    const two = activity(second);
    await turns();
    await turns();
    expect(first.started()).toBe(true);
    expect(second.started()).toBe(false);
    expect(slots.state('offboarding-b')).toEqual({ inFlight: 1, waiting: 1 });

    // A failed exchange gives its slot back too.
    first.fail();
    await expect(one).rejects.toThrow(/request failed before an answer/);
    await turns();
    expect(second.started()).toBe(true);
    second.answer();
    await expect(two).resolves.toMatchObject({ status: 200 });
    expect(slots.state('offboarding-b')).toEqual({ inFlight: 0, waiting: 0 });

    // Outside within(), or with no run given, send() takes no slot.
    const free = manualExchange();
    const unbound = slots.within(undefined, () => send('wps', 'users/batch_read', free.request));
    await turns();
    expect(free.started()).toBe(true);
    free.answer();
    await unbound;
  });

  it('gives up waiting at the deadline: the waiter leaves the queue and a later slot goes to the next', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const slots = new CallSlots();
      const run = { run: 'offboarding-c', limit: 1 };
      const give = await slots.take(run);
      const late = slots.take(run, Date.now() + 5_000);
      const patient = slots.take(run);
      jest.advanceTimersByTime(5_000);
      await expect(late).rejects.toBeInstanceOf(CallSlotWaitExpired);
      expect(slots.state('offboarding-c')).toEqual({ inFlight: 1, waiting: 1 });
      give();
      (await patient)();
      expect(slots.state('offboarding-c')).toEqual({ inFlight: 0, waiting: 0 });
    } finally {
      jest.useRealTimers();
    }
  });

  it('treats a zero, NaN or fractional limit as at least one slot', async () => {
    const slots = new CallSlots();
    for (const limit of [0, Number.NaN, 1.7]) {
      const give = await slots.take({ run: `r-${limit}`, limit });
      expect(slots.state(`r-${limit}`)).toEqual({ inFlight: 1, waiting: 0 });
      give();
    }
  });

  it('an exchange past its deadline is not sent: a transient NOT_SENT failure, safe to retry', async () => {
    const slots = new CallSlots();
    const run = { run: 'offboarding-d', limit: 1 };
    const give = await slots.take(run);
    const exchange = manualExchange();
    const failure = await slots
      .within(run, () => send('authing', 'resign-user-batch', exchange.request), Date.now() + 20)
      .catch((e: unknown) => e);
    give();
    expect(exchange.started()).toBe(false);
    expect(failure).toBeInstanceOf(VendorError);
    expect((failure as VendorError).details).toMatchObject({ kind: 'transient', vendorCode: NOT_SENT_CODE });
    expect((failure as VendorError).message).toMatch(/not sent: the run's offboarding-d vendor call slots/);
    expect(classifyFailure(failure)).toBe('notConnected');
  });
});
