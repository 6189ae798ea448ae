import type { AxiosResponse } from 'axios';
import {
  CALL_PACER_DEFAULT_MARGIN,
  CallPacer,
  pacerFor,
  type Pacer,
} from '../../activities/shared/call-pacer';
import { send } from '../../activities/shared/http';
import { Secret } from '../../activities/shared/secret';
import { AuthingClient } from '../../activities/authing/client';
import { WpsClient } from '../../activities/wps/client';

/**
 * The per-process call pacer (activities/shared/call-pacer.ts), on a fake clock: its `sleep` records
 * the wait and moves the clock forward by it (plus an optional lateness), so no test really waits
 * and none measures wall time.
 */

function fakeTiming(latenessMs = 0) {
  const clock = { t: 1_000_000 };
  const sleeps: number[] = [];
  const timing = {
    now: () => clock.t,
    // The clock moves on a later turn of the event loop, as with a real timer, so callers released
    // before the wait have seen their release time.
    sleep: (ms: number) => {
      sleeps.push(ms);
      return new Promise<void>((resolve) =>
        setImmediate(() => {
          clock.t += ms + latenessMs;
          resolve();
        }),
      );
    },
  };
  return { clock, sleeps, timing };
}

/** Starts `count` callers at once; resolves with each caller's label and clock time at release, in release order. */
async function releases(pacer: Pacer, count: number, now: () => number): Promise<Array<[number, number]>> {
  const order: Array<[number, number]> = [];
  await Promise.all(Array.from({ length: count }, (_, i) => pacer.take().then(() => order.push([i, now()]))));
  return order;
}

describe('CallPacer', () => {
  it('with no margin, spaces concurrent callers exactly 1/rate apart, the first at once', async () => {
    const { clock, sleeps, timing } = fakeTiming();
    const start = clock.t;
    const pacer = new CallPacer({ callsPerSecond: 10, margin: 0, ...timing });
    const order = await releases(pacer, 5, timing.now);
    expect(order.map(([, at]) => at - start)).toEqual([0, 100, 200, 300, 400]);
    expect(sleeps).toEqual([100, 100, 100, 100]);
    expect(pacer.released).toBe(5);
    expect(pacer.delayed).toBe(4);
    expect(pacer.queued).toBe(0);
  });

  it('lets callers through in the order they asked (FIFO), also those who join while others wait', async () => {
    const { timing } = fakeTiming();
    const pacer = new CallPacer({ callsPerSecond: 50, ...timing });
    const order: string[] = [];
    const first = Array.from({ length: 8 }, (_, i) => pacer.take().then(() => order.push(`a${i}`)));
    // Joins after the first group has started waiting: goes after all of them.
    await Promise.resolve();
    const late = Array.from({ length: 3 }, (_, i) => pacer.take().then(() => order.push(`b${i}`)));
    expect(pacer.queued).toBe(10); // a0 went at once
    await Promise.all([...first, ...late]);
    expect(order).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'b0', 'b1', 'b2']);
  });

  it('waits only the rest of the gap, and not at all once the gap has passed', async () => {
    const { clock, sleeps, timing } = fakeTiming();
    const pacer = new CallPacer({ callsPerSecond: 4, margin: 0, ...timing }); // 250 ms apart
    await pacer.take();
    clock.t += 100;
    await pacer.take(); // 150 ms left of the gap
    expect(sleeps).toEqual([150]);
    clock.t += 250;
    await pacer.take(); // the gap has passed: no wait
    clock.t += 1_000;
    await pacer.take();
    expect(sleeps).toEqual([150]);
    expect(pacer.released).toBe(4);
    expect(pacer.delayed).toBe(1);
  });

  it('rounds a fractional gap up, never releasing before the schedule, and catches the rounding up', async () => {
    const { clock, sleeps, timing } = fakeTiming();
    const start = clock.t;
    const pacer = new CallPacer({ callsPerSecond: 30, margin: 0, ...timing }); // 33.33 ms apart
    const order = await releases(pacer, 30, timing.now); // N = 30: a 31st would wait for an exchange to end
    expect(sleeps.slice(0, 3)).toEqual([34, 33, 33]);
    const times = order.map(([, at]) => at - start);
    // Each release at its slot rounded up to the millisecond: the rounding never adds up.
    expect(times).toEqual(times.map((_, k) => (k === 0 ? 0 : Math.ceil(k * (1000 / 30) - 0.001))));
    // 29 gaps in 966.7 ms, as the rate says, not 29 x 34 = 986 ms.
    expect(times[29]).toBe(967);
  });

  it('keeps its schedule when timers fire a little late: the lateness is caught up, not lost on every call', async () => {
    const { clock, timing } = fakeTiming(40); // every timer fires 40 ms late (under half the 100 ms gap)
    const start = clock.t;
    const pacer = new CallPacer({ callsPerSecond: 10, margin: 0, ...timing });
    const order = await releases(pacer, 4, timing.now);
    expect(order.map(([, at]) => at - start)).toEqual([0, 140, 240, 340]);
  });

  it('with timers late by varying amounts, never releases two calls within half a gap, nor N + 1 within a second of the Nth ending', async () => {
    const clock = { t: 1_000_000 };
    const lateness = [0, 9, 1, 16, 0, 3, 12, 0, 15, 2, 7, 0, 14, 5];
    // Each exchange lasts 50 ms of the fake clock: it ends when the clock has passed that.
    const open: Array<{ end: number; done: () => void }> = [];
    const endDue = (): void => {
      for (const x of open.filter((e) => e.end <= clock.t)) {
        open.splice(open.indexOf(x), 1);
        x.done();
      }
    };
    let turn = 0;
    const timing = {
      now: () => clock.t,
      sleep: (ms: number) =>
        new Promise<void>((resolve) =>
          setImmediate(() => {
            clock.t += ms + (lateness[turn++ % lateness.length] ?? 0);
            endDue();
            resolve();
          }),
        ),
    };
    const pacer = new CallPacer({ callsPerSecond: 30, ...timing }); // 33.3 ms apart, N = 30
    const started: number[] = [];
    await Promise.all(
      Array.from({ length: 120 }, () =>
        pacer.take().then((done) => {
          started.push(clock.t);
          open.push({ end: clock.t + 50, done });
        }),
      ),
    );
    for (const x of open) x.done();
    expect(started).toHaveLength(120);
    for (let k = 1; k < started.length; k++) {
      expect(started[k]! - started[k - 1]!).toBeGreaterThan(pacer.intervalMs / 2);
    }
    // Exchange k + N starts at least a second after exchange k ended (k's start + 50 ms).
    for (let k = pacer.perWindow; k < started.length; k++) {
      expect(started[k]! - (started[k - pacer.perWindow]! + 50)).toBeGreaterThanOrEqual(1_000);
    }
    // Catching up made some gaps shorter than a full one, as the late timers asked.
    expect(started.some((at, k) => k > 0 && at - started[k - 1]! < pacer.intervalMs)).toBe(true);
  });

  it('below one call a second, keeps the full gap after a late timer (the window rule is looser than the gap there)', async () => {
    const { clock, timing } = fakeTiming(600); // 600 ms late, under half the 2 s gap
    const start = clock.t;
    const pacer = new CallPacer({ callsPerSecond: 0.5, ...timing }); // N = 1: each exchange ends at once
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 3 }, () =>
        pacer.take().then((done) => {
          order.push(clock.t - start);
          done();
        }),
      ),
    );
    expect(order).toEqual([0, 2_600, 5_200]);
  });

  it('starts a new schedule after a stall of half a gap or more, so overdue calls never go out in a burst', async () => {
    const { clock, timing } = fakeTiming(70); // every timer fires 70 ms late
    const start = clock.t;
    const pacer = new CallPacer({ callsPerSecond: 10, margin: 0, ...timing });
    const order = await releases(pacer, 4, timing.now);
    expect(order.map(([, at]) => at - start)).toEqual([0, 170, 340, 510]);
    // Idle for a long while: the next two callers are a full gap apart, not both at once.
    clock.t += 5_000;
    const idle = clock.t;
    const after = await releases(pacer, 2, timing.now);
    expect(after.map(([, at]) => at - idle)).toEqual([0, 170]);
  });

  it('keeps pacing after a failed sleep', async () => {
    const { timing } = fakeTiming();
    let failOnce = true;
    const pacer = new CallPacer({
      callsPerSecond: 10,
      now: timing.now,
      sleep: async (ms) => {
        await timing.sleep(ms);
        if (failOnce) {
          failOnce = false;
          throw new Error('timer broke');
        }
      },
    });
    const order = await releases(pacer, 3, timing.now);
    expect(order.map(([i]) => i)).toEqual([0, 1, 2]);
    expect(pacer.released).toBe(3);
  });

  it('waits with timers by default (no busy-wait)', async () => {
    jest.useFakeTimers({ now: 5_000 });
    try {
      const pacer = new CallPacer({ callsPerSecond: 10, margin: 0 });
      let done = 0;
      const all = Array.from({ length: 3 }, () => pacer.take().then(() => (done += 1)));
      await jest.advanceTimersByTimeAsync(0);
      expect(done).toBe(1);
      expect(jest.getTimerCount()).toBe(1); // one timer for the whole queue
      await jest.advanceTimersByTimeAsync(100);
      expect(done).toBe(2);
      await jest.advanceTimersByTimeAsync(100);
      expect(done).toBe(3);
      await Promise.all(all);
    } finally {
      jest.useRealTimers();
    }
  });

  it('spaces by default exactly 1/rate: the window rule, not a margin, covers arrival jitter at the vendor', async () => {
    const { clock, sleeps, timing } = fakeTiming();
    const start = clock.t;
    const pacer = new CallPacer({ callsPerSecond: 10, ...timing });
    expect(CALL_PACER_DEFAULT_MARGIN).toBe(0);
    expect(pacer.intervalMs).toBe(100);
    const order = await releases(pacer, 3, timing.now);
    expect(sleeps).toEqual([100, 100]);
    expect(order.map(([, at]) => at - start)).toEqual([0, 100, 200]);
  });

  it('a margin widens the gap by its share', () => {
    const { timing } = fakeTiming();
    expect(new CallPacer({ callsPerSecond: 10, margin: 0.02, ...timing }).intervalMs).toBeCloseTo(102, 9);
  });

  it('starts exchange k + N no sooner than a second after exchange k ended (N = floor(rate)), however slow k was', async () => {
    const { clock, sleeps, timing } = fakeTiming();
    const start = clock.t;
    const pacer = new CallPacer({ callsPerSecond: 2.5, ...timing }); // 400 ms apart, N = 2
    expect(pacer.perWindow).toBe(2);
    const done0 = await pacer.take(); // at 0
    const done1 = await pacer.take(); // at 400
    expect(clock.t - start).toBe(400);
    let third: number | undefined;
    const pending = pacer.take().then((done) => {
      third = clock.t - start;
      return done;
    });
    // Exchange 0 has not ended: however long it takes, the third waits (no timer spins meanwhile).
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(third).toBeUndefined();
    expect(pacer.queued).toBe(1);
    expect(sleeps).toEqual([400]);
    clock.t = start + 700;
    done0(); // ended at 700: the third may start at 1,700, not at 800 (spacing alone)
    const done2 = await pending;
    expect(third).toBe(1_700);
    done1(); // ended at 1,700: the next one waits for 2,700
    done2();
    done2(); // a second call is ignored
    await pacer.take();
    expect(clock.t - start).toBe(2_700);
  });

  it('an exchange that ended long ago holds nobody back: only the spacing applies', async () => {
    const { clock, sleeps, timing } = fakeTiming();
    const pacer = new CallPacer({ callsPerSecond: 1, ...timing }); // N = 1
    (await pacer.take())();
    clock.t += 5_000;
    (await pacer.take())();
    expect(sleeps).toEqual([]);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses callsPerSecond %p', (rate) => {
    expect(() => new CallPacer({ callsPerSecond: rate })).toThrow(RangeError);
  });

  it.each([-0.1, 1.5, Number.NaN])('refuses margin %p', (margin) => {
    expect(() => new CallPacer({ callsPerSecond: 1, margin })).toThrow(RangeError);
  });
});

describe('pacing unset', () => {
  it('makes no pacer, and the clients send without one', () => {
    expect(pacerFor(undefined)).toBeUndefined();
    expect(pacerFor(5, { margin: 0 })?.intervalMs).toBe(200);
    const wps = new WpsClient({ baseUrl: 'http://127.0.0.1:9', appId: 'a', appKey: new Secret('k') });
    const authing = new AuthingClient({
      baseUrl: 'http://127.0.0.1:9',
      userPoolId: 'p',
      accessKeyId: 'k',
      accessKeySecret: new Secret('s'),
    });
    expect(wps.pacer).toBeUndefined();
    expect(authing.pacer).toBeUndefined();
  });

  it('send() without a pacer makes the request at once', async () => {
    const response = { status: 200, data: {}, headers: {} } as AxiosResponse;
    let made = 0;
    const sent = send('wps', 'batch_read', () => {
      made += 1;
      return Promise.resolve(response);
    });
    expect(made).toBe(1); // synchronously: nothing was awaited before the request
    await expect(sent).resolves.toBe(response);
  });
});

describe('send() with a pacer', () => {
  it('makes the request only after the pacer lets it through', async () => {
    const response = { status: 200, data: {}, headers: {} } as AxiosResponse;
    const events: string[] = [];
    let letThrough: () => void = () => undefined;
    const pacer: Pacer = {
      take: () => {
        events.push('take');
        return new Promise((resolve) => (letThrough = () => resolve(() => events.push('done'))));
      },
    };
    const sent = send(
      'authing',
      'get-user-batch',
      () => {
        events.push('request');
        return Promise.resolve(response);
      },
      undefined,
      pacer,
    );
    await Promise.resolve();
    expect(events).toEqual(['take']);
    letThrough();
    await expect(sent).resolves.toBe(response);
    expect(events).toEqual(['take', 'request', 'done']);
  });

  it('tells the pacer when an exchange failed as well as when it was answered', async () => {
    let ended = 0;
    const pacer: Pacer = { take: () => Promise.resolve(() => (ended += 1)) };
    const response = { status: 200, data: {}, headers: {} } as AxiosResponse;
    await send('wps', 'batch_read', () => Promise.resolve(response), undefined, pacer);
    await expect(
      send('wps', 'batch_read', () => Promise.reject(new Error('socket hang up')), undefined, pacer),
    ).rejects.toThrow('request failed before an answer');
    expect(ended).toBe(2);
  });

  it('a client uses the pacer it is given, or makes one from callsPerSecond', () => {
    const pacer = new CallPacer({ callsPerSecond: 3 });
    const given = new WpsClient({
      baseUrl: 'http://127.0.0.1:9',
      appId: 'a',
      appKey: new Secret('k'),
      pacer,
    });
    expect(given.pacer).toBe(pacer);
    const made = new AuthingClient({
      baseUrl: 'http://127.0.0.1:9',
      userPoolId: 'p',
      accessKeyId: 'k',
      accessKeySecret: new Secret('s'),
      callsPerSecond: 8,
    });
    expect(made.pacer).toBeInstanceOf(CallPacer);
    expect((made.pacer as CallPacer).intervalMs).toBeCloseTo(125 * (1 + CALL_PACER_DEFAULT_MARGIN), 9);
  });
});
