import { kso1Authorization, kso1BodyHash, type Kso1Input } from '../../activities/wps/kso1';
import { seededRandom as mulberry32 } from '../../simulators/faults';

/**
 * Property tests without a library: a seeded generator makes random inputs, and for each one every
 * single-input mutation (method, URI, query, content type, date, one body byte, app id, app key) must
 * change the X-Kso-Authorization header value. Same seed, same cases, on every run.
 */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';

function gen(random: () => number) {
  const int = (n: number): number => Math.floor(random() * n);
  const word = (min: number, max: number): string =>
    Array.from({ length: min + int(max - min + 1) }, () => ALPHABET[int(ALPHABET.length)]).join('');
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  return { int, word, pick };
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', ''] as const;

function randomInput(random: () => number): Kso1Input {
  const g = gen(random);
  const bodyLength = g.int(3) === 0 ? 0 : 1 + g.int(200);
  const body = Buffer.alloc(bodyLength);
  for (let i = 0; i < bodyLength; i++) body[i] = g.int(256);
  const hasQuery = g.int(2) === 0;
  return {
    method: g.pick(METHODS),
    requestUri: `/v7/${g.word(1, 12)}/${g.word(1, 12)}${hasQuery ? `?${g.word(1, 6)}=${g.word(0, 6)}` : ''}`,
    contentType: g.pick(CONTENT_TYPES),
    date: new Date(Date.UTC(2000, 0, 1) + g.int(1_000_000_000) * 1000).toUTCString(),
    body,
    appId: `AK${g.word(4, 16)}`,
    appKey: `sk${g.word(8, 32)}`,
  };
}

type Mutation = { name: string; apply: (input: Kso1Input, random: () => number) => Kso1Input };

const MUTATIONS: Mutation[] = [
  {
    name: 'method',
    apply: (i, r) => ({ ...i, method: gen(r).pick(METHODS.filter((m) => m !== i.method.toUpperCase())) }),
  },
  {
    name: 'path',
    apply: (i, r) => {
      const [path, query] = i.requestUri.split('?') as [string, string | undefined];
      const pos = 4 + gen(r).int(path.length - 4);
      const changed = path.slice(0, pos) + (path[pos] === 'x' ? 'y' : 'x') + path.slice(pos + 1);
      return { ...i, requestUri: query === undefined ? changed : `${changed}?${query}` };
    },
  },
  {
    name: 'query',
    apply: (i, r) => {
      const [path, query] = i.requestUri.split('?') as [string, string | undefined];
      if (query === undefined) return { ...i, requestUri: `${path}?${gen(r).word(1, 5)}=1` };
      return { ...i, requestUri: `${path}?${query}&extra=${gen(r).word(1, 3)}` };
    },
  },
  {
    name: 'query removed',
    apply: (i) => {
      const [path, query] = i.requestUri.split('?') as [string, string | undefined];
      return { ...i, requestUri: query === undefined ? `${path}?` : path };
    },
  },
  {
    name: 'content type',
    apply: (i, r) => ({ ...i, contentType: gen(r).pick(CONTENT_TYPES.filter((c) => c !== i.contentType)) }),
  },
  {
    name: 'date',
    apply: (i, r) => ({
      ...i,
      date: new Date(Date.parse(i.date) + (1 + gen(r).int(100_000)) * 1000).toUTCString(),
    }),
  },
  {
    name: 'one body byte',
    apply: (i, r) => {
      const body = Buffer.from(i.body);
      if (body.length === 0) return { ...i, body: Buffer.from([gen(r).int(256)]) };
      const pos = gen(r).int(body.length);
      body[pos] = (body[pos]! + 1 + gen(r).int(255)) % 256;
      return { ...i, body };
    },
  },
  {
    name: 'body length',
    apply: (i, r) => ({ ...i, body: Buffer.concat([Buffer.from(i.body), Buffer.from([gen(r).int(256)])]) }),
  },
  {
    name: 'app id',
    apply: (i, r) => ({ ...i, appId: `${i.appId}${gen(r).word(1, 2)}` }),
  },
  {
    name: 'app key',
    apply: (i, r) => {
      const pos = gen(r).int(i.appKey.length);
      const c = i.appKey[pos] === 'a' ? 'b' : 'a';
      return { ...i, appKey: i.appKey.slice(0, pos) + c + i.appKey.slice(pos + 1) };
    },
  },
];

describe('KSO-1 signature: a change to any one input changes the header value', () => {
  const CASES = 300;

  it.each(MUTATIONS.map((m) => [m.name, m] as const))('%s', (_name, mutation) => {
    const random = mulberry32(0x5eed + mutation.name.length * 7919);
    for (let n = 0; n < CASES; n++) {
      const input = randomInput(random);
      const mutated = mutation.apply(input, random);
      const before = kso1Authorization(input);
      const after = kso1Authorization(mutated);
      if (before === after) {
        throw new Error(`mutation "${mutation.name}" kept the signature for ${JSON.stringify(mutated)}`);
      }
      // Deterministic: the same input signs the same way.
      expect(kso1Authorization({ ...input, body: Buffer.from(input.body) })).toBe(before);
    }
  });

  it('the method is signed in upper case, so case alone is not a change', () => {
    const input = randomInput(mulberry32(7));
    expect(kso1Authorization({ ...input, method: 'post' })).toBe(
      kso1Authorization({ ...input, method: 'POST' }),
    );
  });

  it('an empty body hashes to the empty string, a one-byte body does not', () => {
    expect(kso1BodyHash(Buffer.alloc(0))).toBe('');
    expect(kso1BodyHash(Buffer.from([0]))).toMatch(/^[0-9a-f]{64}$/);
  });
});
