import { TokenCache } from '../../activities/shared/token-cache';

describe('token cache', () => {
  it('shares one in-flight fetch among concurrent callers', async () => {
    let fetches = 0;
    const cache = new TokenCache({
      fetchToken: async () => {
        fetches += 1;
        await new Promise((r) => setTimeout(r, 20));
        return { value: `t${fetches}`, expiresInSeconds: 7200 };
      },
    });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => cache.get()));
    expect(new Set(tokens)).toEqual(new Set(['t1']));
    expect(fetches).toBe(1);
  });

  it('renews shortly before expiry, and after a rejected token is dropped', async () => {
    let now = 0;
    let n = 0;
    const cache = new TokenCache({
      fetchToken: () => Promise.resolve({ value: `t${++n}`, expiresInSeconds: 100 }),
      refreshMarginMs: 10_000,
      now: () => now,
    });
    expect(await cache.get()).toBe('t1');
    now = 89_000;
    expect(await cache.get()).toBe('t1');
    now = 90_000;
    expect(await cache.get()).toBe('t2');
    cache.invalidate('t1'); // stale: t2 stays
    expect(await cache.get()).toBe('t2');
    cache.invalidate('t2');
    expect(await cache.get()).toBe('t3');
  });
});
