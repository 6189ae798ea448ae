import {
  CALL_RETRY_DEFAULTS,
  classifyFailure,
  decideRetry,
  resolveCallRetryPolicy,
  withCallRetry,
  type CallRetryEvent,
  type CallRetryOptions,
  type CallSpec,
} from '../../activities/shared/call-retry';
import { VendorError, type VendorErrorDetails } from '../../activities/shared/errors';

/** The per-call retry policy of the vendor clients, without any network or real waiting. */

function vendorError(details: Partial<VendorErrorDetails> & { statusCode?: number } = {}): VendorError {
  return new VendorError(
    { vendor: 'wps', kind: 'transient', operation: 'batch_read', ...details },
    'wps batch_read failed',
    new Error('cause'),
  );
}

const http503 = () => vendorError({ httpStatus: 503, vendorCode: '503' });
const http429 = (retryAfterMs?: number) =>
  vendorError({ httpStatus: 429, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
const network = (code: string) => vendorError({ vendorCode: code });

const READ: CallSpec = { operation: 'batch_read', kind: 'read', beforeSending: ['oauth2/token'] };
const ACTION: CallSpec = { operation: 'batch_disable', kind: 'action', beforeSending: ['oauth2/token'] };

/** A policy that never waits for real: records the waits and draws jitter from `random`. */
function fakeTiming(random = () => 0.5, extra: CallRetryOptions = {}) {
  const waits: number[] = [];
  const events: CallRetryEvent[] = [];
  const policy = resolveCallRetryPolicy({
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    random,
    onRetry: (e) => events.push(e),
    ...extra,
  });
  return { policy, waits, events };
}

/** An attempt that throws the given failures in turn, then resolves with 'ok'. */
function scripted(failures: Error[]) {
  let calls = 0;
  const attempt = (): Promise<string> => {
    const failure = failures[calls];
    calls += 1;
    return failure === undefined ? Promise.resolve('ok') : Promise.reject(failure);
  };
  return { attempt, calls: () => calls };
}

describe('call retry: defaults and options', () => {
  it('documents its defaults: 3 extra tries, 100 ms doubling to 1 s, Retry-After up to 2 s, 3 s of waits, 20 s', () => {
    expect(CALL_RETRY_DEFAULTS).toEqual({
      maxRetries: 3,
      baseDelayMs: 100,
      maxDelayMs: 1_000,
      maxRetryAfterMs: 2_000,
      maxTotalWaitMs: 3_000,
      maxElapsedMs: 20_000,
    });
    expect(resolveCallRetryPolicy()).toMatchObject(CALL_RETRY_DEFAULTS);
  });

  it('refuses a negative or non-finite setting', () => {
    expect(() => resolveCallRetryPolicy({ maxRetries: -1 })).toThrow(RangeError);
    expect(() => resolveCallRetryPolicy({ maxTotalWaitMs: Number.NaN })).toThrow(RangeError);
  });
});

describe('call retry: classifying a failure', () => {
  it.each([
    ['HTTP 429', 'throttled', http429(1000)],
    [
      "Authing's body statusCode 429",
      'throttled',
      vendorError({ vendor: 'authing', httpStatus: 200, statusCode: 429 }),
    ],
    ['ECONNREFUSED', 'notConnected', network('ECONNREFUSED')],
    ['a DNS failure', 'notConnected', network('ENOTFOUND')],
    ['HTTP 503', 'mayHaveActed', http503()],
    ['a failure inside an HTTP 200 body', 'mayHaveActed', vendorError({ httpStatus: 200, statusCode: 500 })],
    ['a timeout', 'mayHaveActed', network('ECONNABORTED')],
    ['a reset connection', 'mayHaveActed', network('ECONNRESET')],
    ['a rejected request', 'permanent', vendorError({ kind: 'invalidRequest', httpStatus: 400 })],
    ['a credentials failure', 'permanent', vendorError({ kind: 'credentials', httpStatus: 401 })],
    ['a signature failure', 'permanent', vendorError({ kind: 'signature', httpStatus: 403 })],
    ['a protocol failure', 'permanent', vendorError({ kind: 'protocol', httpStatus: 200 })],
    ['a plain Error', 'permanent', new Error('boom')],
  ])('%s is %s', (_what, expected, err) => {
    expect(classifyFailure(err)).toBe(expected);
  });
});

describe('call retry: the decision', () => {
  const policy = resolveCallRetryPolicy({ random: () => 0.5 });
  const fresh = { retries: 0, waitedMs: 0 };

  it('a read retries every transient failure', () => {
    for (const err of [
      http503(),
      http429(),
      network('ECONNABORTED'),
      network('ECONNRESET'),
      network('ECONNREFUSED'),
    ]) {
      expect(decideRetry(err, READ, fresh, policy)).toMatchObject({ retry: true });
    }
  });

  it('an action retries a 429 and a connection never made, not a 5xx, a body failure or a timeout', () => {
    expect(decideRetry(http429(), ACTION, fresh, policy)).toMatchObject({ retry: true });
    expect(decideRetry(network('ECONNREFUSED'), ACTION, fresh, policy)).toMatchObject({ retry: true });
    for (const err of [
      http503(),
      vendorError({ httpStatus: 200, statusCode: 500 }),
      network('ECONNABORTED'),
      network('ECONNRESET'),
    ]) {
      const decision = decideRetry(err, ACTION, fresh, policy);
      expect(decision).toEqual({
        retry: false,
        reason: expect.stringContaining('may have acted') as unknown,
      });
    }
  });

  it('an action whose token fetch failed retries any transient failure: the action was never sent', () => {
    const tokenDown = vendorError({ operation: 'oauth2/token', httpStatus: 503 });
    expect(decideRetry(tokenDown, ACTION, fresh, policy)).toMatchObject({ retry: true });
    const timeout = vendorError({ operation: 'oauth2/token', vendorCode: 'ECONNABORTED' });
    expect(decideRetry(timeout, ACTION, fresh, policy)).toMatchObject({ retry: true });
  });

  it('never retries a failure that is not transient', () => {
    for (const kind of ['invalidRequest', 'credentials', 'signature', 'protocol'] as const) {
      expect(decideRetry(vendorError({ kind, httpStatus: 400 }), READ, fresh, policy)).toMatchObject({
        retry: false,
      });
    }
    expect(decideRetry(new Error('boom'), READ, fresh, policy)).toMatchObject({ retry: false });
  });

  it('full jitter: a random wait up to 100 ms, doubling per retry, capped at 1 s', () => {
    const at = (random: number, retries: number) =>
      decideRetry(
        http503(),
        READ,
        { retries, waitedMs: 0 },
        { ...policy, random: () => random, maxRetries: 10 },
      );
    expect(at(0, 0)).toEqual({ retry: true, delayMs: 0 });
    expect(at(0.5, 0)).toEqual({ retry: true, delayMs: 50 });
    expect(at(0.999, 0)).toEqual({ retry: true, delayMs: 99 });
    expect(at(0.999, 1)).toEqual({ retry: true, delayMs: 199 });
    expect(at(0.999, 2)).toEqual({ retry: true, delayMs: 399 });
    expect(at(0.999, 3)).toEqual({ retry: true, delayMs: 799 });
    expect(at(0.999, 4)).toEqual({ retry: true, delayMs: 999 });
    expect(at(0.999, 8)).toEqual({ retry: true, delayMs: 999 });
  });

  it('at most 3 extra tries', () => {
    expect(decideRetry(http503(), READ, { retries: 2, waitedMs: 0 }, policy)).toMatchObject({ retry: true });
    expect(decideRetry(http503(), READ, { retries: 3, waitedMs: 0 }, policy)).toEqual({
      retry: false,
      reason: 'no tries left',
    });
  });

  it('honours a Retry-After up to 2 s exactly, and gives up at once on a longer one', () => {
    expect(decideRetry(http429(1_000), ACTION, fresh, policy)).toEqual({ retry: true, delayMs: 1_000 });
    expect(decideRetry(http429(2_000), ACTION, fresh, policy)).toEqual({ retry: true, delayMs: 2_000 });
    expect(decideRetry(http429(0), READ, fresh, policy)).toEqual({ retry: true, delayMs: 0 });
    expect(decideRetry(http429(2_001), READ, fresh, policy)).toMatchObject({ retry: false });
    expect(decideRetry(http429(30_000), ACTION, fresh, policy)).toMatchObject({ retry: false });
  });

  it('never waits more than 3 s in all for one call', () => {
    expect(decideRetry(http429(1_000), READ, { retries: 2, waitedMs: 2_000 }, policy)).toEqual({
      retry: true,
      delayMs: 1_000,
    });
    expect(decideRetry(http429(2_000), READ, { retries: 1, waitedMs: 2_000 }, policy)).toMatchObject({
      retry: false,
    });
    expect(decideRetry(http503(), READ, { retries: 1, waitedMs: 2_990 }, policy)).toMatchObject({
      retry: false,
    });
  });
});

describe('call retry: withCallRetry', () => {
  it('starts no try 20 s or more after the call began: reads timing out after 15 s each get 2 tries, not 4', async () => {
    let clock = 0;
    const { policy, waits } = fakeTiming(() => 0.5, { now: () => clock });
    const timeout = network('ECONNABORTED');
    let calls = 0;
    const attempt = (): Promise<string> => {
      calls += 1;
      clock += 15_000; // each try hangs until the 15 s HTTP timeout
      return Promise.reject(timeout);
    };
    await expect(withCallRetry(READ, attempt, policy)).rejects.toBe(timeout);
    expect(calls).toBe(2);
    expect(waits).toEqual([50]);
  });

  it('a read answered 503 twice then OK: three tries, two short waits, the result', async () => {
    const { policy, waits, events } = fakeTiming(() => 0.5);
    const run = scripted([http503(), http503()]);
    await expect(withCallRetry(READ, run.attempt, policy)).resolves.toBe('ok');
    expect(run.calls()).toBe(3);
    expect(waits).toEqual([50, 100]);
    expect(events.map((e) => [e.retry, e.delayMs, e.operation, e.failedOperation])).toEqual([
      [1, 50, 'batch_read', 'batch_read'],
      [2, 100, 'batch_read', 'batch_read'],
    ]);
  });

  it('after the last try throws the last failure itself, unchanged', async () => {
    const { policy, waits } = fakeTiming();
    const failures = [
      http503(),
      http503(),
      http503(),
      vendorError({ httpStatus: 502, vendorRequestId: 'req-4' }),
    ];
    const run = scripted(failures);
    const thrown = await withCallRetry(READ, run.attempt, policy).catch((e: unknown) => e);
    expect(thrown).toBe(failures[3]);
    expect((thrown as VendorError).details.vendorRequestId).toBe('req-4');
    expect((thrown as VendorError).cause).toBeInstanceOf(Error);
    expect(run.calls()).toBe(4);
    expect(waits).toHaveLength(3);
  });

  it('an action answered 503 is tried once and its failure thrown', async () => {
    const { policy, waits } = fakeTiming();
    const failure = http503();
    const run = scripted([failure]);
    await expect(withCallRetry(ACTION, run.attempt, policy)).rejects.toBe(failure);
    expect(run.calls()).toBe(1);
    expect(waits).toEqual([]);
  });

  it('an action answered 429 with Retry-After 1 s waits exactly that and succeeds', async () => {
    const { policy, waits } = fakeTiming();
    const run = scripted([http429(1_000)]);
    await expect(withCallRetry(ACTION, run.attempt, policy)).resolves.toBe('ok');
    expect(run.calls()).toBe(2);
    expect(waits).toEqual([1_000]);
  });

  it('Retry-After 30 s: gives up at once, and the failure still carries the 30 s for the activity retry', async () => {
    const { policy, waits } = fakeTiming();
    const failure = http429(30_000);
    const run = scripted([failure]);
    const thrown = await withCallRetry(ACTION, run.attempt, policy).catch((e: unknown) => e);
    expect(thrown).toBe(failure);
    expect(run.calls()).toBe(1);
    expect(waits).toEqual([]);
    expect((thrown as VendorError).toApplicationFailure().nextRetryDelay).toBe(30_000);
  });

  it('a steady 429 with Retry-After 1 s: three waits of 1 s (3 s in all), then the 429', async () => {
    const { policy, waits } = fakeTiming();
    const run = scripted([http429(1_000), http429(1_000), http429(1_000), http429(1_000), http429(1_000)]);
    await expect(withCallRetry(READ, run.attempt, policy)).rejects.toBeInstanceOf(VendorError);
    expect(run.calls()).toBe(4);
    expect(waits).toEqual([1_000, 1_000, 1_000]);
  });

  it('a steady 429 with Retry-After 2 s: one wait, since a second would pass the 3 s budget', async () => {
    const { policy, waits } = fakeTiming();
    const run = scripted([http429(2_000), http429(2_000), http429(2_000)]);
    await expect(withCallRetry(READ, run.attempt, policy)).rejects.toBeInstanceOf(VendorError);
    expect(run.calls()).toBe(2);
    expect(waits).toEqual([2_000]);
  });

  it('a non-transient failure or a non-vendor error is thrown at once', async () => {
    const { policy, waits } = fakeTiming();
    for (const failure of [vendorError({ kind: 'credentials', httpStatus: 401 }), new TypeError('bug')]) {
      const run = scripted([failure]);
      await expect(withCallRetry(READ, run.attempt, policy)).rejects.toBe(failure);
      expect(run.calls()).toBe(1);
    }
    expect(waits).toEqual([]);
  });

  it('maxRetries 0 turns retries off', async () => {
    const { policy } = fakeTiming(() => 0.5, { maxRetries: 0 });
    const run = scripted([http503()]);
    await expect(withCallRetry(READ, run.attempt, policy)).rejects.toBeInstanceOf(VendorError);
    expect(run.calls()).toBe(1);
  });

  it('an onRetry hook that throws does not disturb the call', async () => {
    const policy = resolveCallRetryPolicy({
      sleep: () => Promise.resolve(),
      onRetry: () => {
        throw new Error('hook broken');
      },
    });
    const run = scripted([http503()]);
    await expect(withCallRetry(READ, run.attempt, policy)).resolves.toBe('ok');
  });

  it('the default wait is a timer, so other timers (the activity heartbeat) keep ticking meanwhile', async () => {
    const policy = resolveCallRetryPolicy({ random: () => 0.999 });
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 5);
    try {
      const run = scripted([http503(), http503()]);
      await expect(withCallRetry(READ, run.attempt, policy)).resolves.toBe('ok');
    } finally {
      clearInterval(ticker);
    }
    expect(ticks).toBeGreaterThan(0);
  });
});
