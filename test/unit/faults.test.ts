import { FaultInjector } from '../../simulators/faults';

describe('simulator fault injection', () => {
  it('injects the configured share of faults, the same way for the same seed', async () => {
    const draw = async (seed: number) => {
      const faults = new FaultInjector({ serverErrorRate: 0.3, throttleRate: 0.1, seed });
      const kinds: string[] = [];
      for (let i = 0; i < 1000; i++) kinds.push((await faults.before())?.kind ?? 'ok');
      return kinds;
    };
    const a = await draw(7);
    expect(await draw(7)).toEqual(a);
    const errors = a.filter((k) => k === 'serverError').length;
    expect(errors).toBeGreaterThan(250);
    expect(errors).toBeLessThan(350);
    expect(a.filter((k) => k === 'throttle').length).toBeGreaterThan(30);
  });

  it('answers 429 above the rate limit, per one-second window', async () => {
    let now = 0;
    const faults = new FaultInjector({ rateLimitPerSecond: 5 }, () => now);
    const first = await Promise.all(Array.from({ length: 8 }, () => faults.before()));
    expect(first.filter((f) => f?.kind === 'throttle')).toHaveLength(3);
    now = 1000;
    expect(await faults.before()).toBeUndefined();
    expect(faults.counts.rateLimited).toBe(3);
  });

  it('is down until told otherwise', async () => {
    const faults = new FaultInjector({ down: true });
    expect(await faults.before()).toEqual({ kind: 'serverError', status: 503 });
    faults.configure({ down: false });
    expect(await faults.before()).toBeUndefined();
  });
});
