import { createHmac, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import fc from 'fast-check';
import { Secret } from '../../activities/shared/secret';
import { runCli } from '../../client/cli/main';
import { parseJson } from '../../client/json-syntax';
import { loadRequestFile, parseRequestText, RequestFileError } from '../../client/request-file';
import { createWebhookServer, DEFAULT_MAX_BODY_BYTES } from '../../webhook/server';
import { workflowIdFor } from '../../workflows/request';

/**
 * Hostile input at the two doors a request comes in by, the CLI's request file and the HR webhook:
 * malformed JSON and CSV, duplicate ids and keys, impossible dates, ids Authing cannot carry, 10 MB
 * files and bodies, and odd Unicode (zero-width and right-to-left marks, NUL, lone surrogates,
 * full-width digits). Each is refused with a clean error:
 * the typed error, a message that names the place, is bounded in length whatever the input's size,
 * and shows no control or invisible character. And no run is started: the CLI refuses before it
 * connects, and the shared dev server holds no workflow under the request's id afterwards.
 */

/** 10 MB: under the webhook's 10 MiB limit with the JSON around it, so that what it says is judged. */
const TEN_MB = 10_000_000;
/** Controls other than the line break, invisible format characters, lone surrogates. */
const UNPRINTABLE = /(?!\n)[\p{Cc}\p{Cf}\p{Cs}]/u;
/** The longest message a refusal may print, whatever the input's size (50 problems of ~200 characters). */
const MAX_MESSAGE = 20_000;

function expectClean(message: string): void {
  expect(message.length).toBeLessThan(MAX_MESSAGE);
  const bad = UNPRINTABLE.exec(message);
  if (bad)
    throw new Error(
      `message holds U+${(bad[0].codePointAt(0) ?? 0).toString(16)}: ${JSON.stringify(message.slice(0, 500))}`,
    );
}

describe('hostile request text (properties)', () => {
  // Text near JSON and CSV: fragments of valid documents cut and spliced, odd characters thrown in.
  const odd = fc.constantFrom(
    '\u0000',
    '\u200b',
    '\u200f',
    '\u202e',
    '\ufeff',
    '\ud800',
    '\udc00',
    '１',
    '"',
    ',',
    '\r',
    '\n',
    '\\',
    '{',
    '[',
  );
  const spliced = (base: fc.Arbitrary<string>): fc.Arbitrary<string> =>
    fc.tuple(base, fc.nat(), fc.nat(), fc.array(odd, { maxLength: 4 })).map(([text, cut, at, extra]) => {
      const kept = text.slice(0, text.length - (cut % (text.length + 1)));
      const i = at % (kept.length + 1);
      return kept.slice(0, i) + extra.join('') + kept.slice(i);
    });
  const jsonish = spliced(
    fc
      .record({
        requestId: fc.string({ maxLength: 12 }),
        leavers: fc.array(
          fc.record(
            { wpsUserId: fc.string({ unit: 'binary', maxLength: 8 }), authingUserId: fc.string() },
            { requiredKeys: [] },
          ),
          { maxLength: 4 },
        ),
      })
      .map((r) => JSON.stringify(r, null, 1)),
  );
  const csvish = spliced(
    fc
      .array(fc.array(fc.string({ unit: 'binary', maxLength: 6 }), { minLength: 1, maxLength: 4 }), {
        maxLength: 5,
      })
      .map((rows) => ['employeeId,wpsUserId,authingUserId', ...rows.map((r) => r.join(','))].join('\n')),
  );
  const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), jsonish, csvish);

  it('a JSON or CSV request file is either a valid request or a RequestFileError with a clean message', () => {
    fc.assert(
      fc.property(anyText, fc.constantFrom('json' as const, 'csv' as const), (text, format) => {
        const fields = format === 'csv' ? { requestId: 'hostile-1' } : {};
        try {
          const loaded = parseRequestText(text, format, fields, `f.${format}`);
          expect(loaded.valid.leavers.length).toBeGreaterThan(0);
        } catch (err) {
          if (!(err instanceof RequestFileError)) throw err;
          expect(err.problems.length).toBeGreaterThan(0);
          expectClean(err.message);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a JSON syntax error is placed inside the text', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const parsed = parseJson(text);
        if (parsed.ok) return;
        const lines = text.replace(/^\ufeff/, '').split(/\r\n|\r|\n/);
        const { line, column, message } = parsed.problem;
        expect(line).toBeGreaterThanOrEqual(1);
        expect(line).toBeLessThanOrEqual(lines.length);
        expect(column).toBeGreaterThanOrEqual(1);
        expect(column).toBeLessThanOrEqual((lines[line - 1] ?? '').length + 1);
        expect(message).not.toBe('');
      }),
      { numRuns: 2000 },
    );
  });
});

/** Cases of hostile files: a name, the file's content, and what the refusal must say. */
interface HostileFile {
  name: string;
  file: string;
  content: () => string;
  /** Flags besides the file (CSV files need --request-id). */
  args?: string[];
  expected: RegExp;
}

const leaver = (n: number): Record<string, string> => ({
  employeeId: `E${n}`,
  wpsUserId: `wps-${n}`,
  authingUserId: `au-${n}`,
});

/** A request JSON text with `requestId` and `leavers`, as a file holds it. */
const requestJson = (requestId: string, leavers: unknown[], extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ requestId, ...extra, leavers });

function hostileFiles(id: (label: string) => string, ids: string[]): HostileFile[] {
  const big = (n: number, c = 'x'): string => c.repeat(n);
  return [
    {
      name: 'malformed JSON (a trailing comma)',
      file: 'trailing.json',
      content: () => `{"requestId": "${id('trailing')}", "leavers": [{"wpsUserId": "wps-1"},]}`,
      expected: /line 1, column \d+: not JSON: expected a value, found '\]'/,
    },
    {
      name: 'malformed JSON (a string never closed, NUL inside)',
      file: 'unclosed.json',
      content: () => `{"requestId": "${id('unclosed')}", "leavers": [{"wpsUserId": "wps\u00001`,
      expected: /line 1, column \d+: not JSON/,
    },
    {
      name: 'malformed CSV (a stray quote)',
      file: 'quote.csv',
      content: () => 'employeeId,wpsUserId\nE1,wp"s-1\n',
      args: ['--request-id', id('quote')],
      expected: /line 2, column 2: a quote inside a field/,
    },
    {
      name: 'malformed CSV (a quoted field never closed)',
      file: 'open.csv',
      content: () => 'employeeId,wpsUserId\nE1,"wps-1\nE2,wps-2\n',
      args: ['--request-id', id('open')],
      expected: /line 2, column 2: a quoted field is never closed/,
    },
    {
      name: 'duplicate ids (JSON)',
      file: 'dup.json',
      content: () =>
        requestJson(id('dup-json'), [leaver(1), leaver(2), { ...leaver(3), wpsUserId: 'wps-1' }]),
      expected: /leavers\[2\] \(employee E3\)\.wpsUserId: duplicates leavers\[0\]\.wpsUserId \(wps-1\)/,
    },
    {
      name: 'duplicate ids (CSV)',
      file: 'dup.csv',
      content: () => 'employeeId,wpsUserId,authingUserId\nE1,wps-1,au-1\nE2,wps-2,au-1\n',
      args: ['--request-id', id('dup-csv')],
      expected: /line 3, column authingUserId: duplicates the authingUserId of line 2 \(au-1\)/,
    },
    {
      name: 'a 10 MB JSON file of 130,000 leavers',
      file: 'many.json',
      content: () =>
        requestJson(
          id('many'),
          Array.from({ length: 130_000 }, (_, i) => leaver(100_000 + i)),
        ),
      expected: /leavers: has 130000 entries; at most 100000 are accepted in one request/,
    },
    {
      name: 'a 10 MB id',
      file: 'big-id.json',
      content: () => requestJson(id('big-id'), [{ wpsUserId: big(TEN_MB) }]),
      expected: /leavers\[0\]\.wpsUserId: must be at most 256 characters/,
    },
    {
      name: 'a 10 MB employeeId on a leaver with 20 unknown fields',
      file: 'big-employee.json',
      content: () =>
        requestJson(id('big-employee'), [
          {
            employeeId: big(TEN_MB),
            wpsUserId: 'wps-1',
            ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`extra${i}`, i])),
          },
        ]),
      expected: /leavers\[0\]\.employeeId: must be at most 256 characters/,
    },
    {
      name: 'a 10 MB unknown key',
      file: 'big-key.json',
      content: () => `{"requestId":"${id('big-key')}","${big(TEN_MB, 'k')}":1,"leavers":[{"wpsUserId":"w"}]}`,
      expected: /k{64}…: is not a known field/,
    },
    {
      name: 'a 10 MB CSV id',
      file: 'big-id.csv',
      content: () => `wpsUserId\n${big(TEN_MB)}\n`,
      args: ['--request-id', id('big-csv')],
      expected: /line 2, column wpsUserId: must be at most 256 characters/,
    },
    {
      name: 'a 10 MB CSV header cell',
      file: 'big-header.csv',
      content: () => `wpsUserId,${big(TEN_MB, 'h')}\nwps-1,x\n`,
      args: ['--request-id', id('big-header')],
      expected: /line 1, column 2: unknown column/,
    },
    {
      name: 'a zero-width space in an id',
      file: 'zw.json',
      content: () => requestJson(id('zw'), [{ wpsUserId: 'wps\u200b1' }]),
      expected: /leavers\[0\]\.wpsUserId: must not contain control or invisible characters/,
    },
    {
      name: 'right-to-left marks in an employeeId and an id',
      file: 'rtl.json',
      content: () => requestJson(id('rtl'), [{ employeeId: 'E1\u202e2', authingUserId: 'au\u200f1' }]),
      expected: /leavers\[0\]\.employeeId: must not contain control or invisible characters/,
    },
    {
      name: 'a NUL in a CSV id',
      file: 'nul.csv',
      content: () => 'employeeId,wpsUserId\nE1,wps\u00001\n',
      args: ['--request-id', id('nul')],
      expected: /line 2, column wpsUserId: must not contain control or invisible characters/,
    },
    {
      name: 'a lone surrogate (a JSON \\ud800 escape) in an id',
      file: 'surrogate.json',
      content: () => `{"requestId":"${id('surrogate')}","leavers":[{"wpsUserId":"wps-\\ud800"}]}`,
      expected: /leavers\[0\]\.wpsUserId: must not contain a lone surrogate/,
    },
    {
      name: 'full-width digits in the requestId',
      file: 'fullwidth.json',
      content: () => {
        const requestId = `hr-２０２６-${randomUUID().slice(0, 8)}`;
        ids.push(requestId);
        return requestJson(requestId, [{ wpsUserId: 'wps-1' }]);
      },
      expected: /requestId: must be 1-128 characters of letters, digits/,
    },
    {
      name: 'a key given twice (requestId): JSON.parse would keep the last',
      file: 'dup-key.json',
      content: () =>
        `{"requestId": "${id('dup-key-a')}",\n "leavers": [{"wpsUserId": "wps-1"}],\n "requestId": "${id('dup-key-b')}"}`,
      expected: /line 3, column 2, requestId: is given twice in one object \(first at line 1, column 2\)/,
    },
    {
      name: 'a key given twice in a leaver',
      file: 'dup-leaver-key.json',
      content: () =>
        `{"requestId": "${id('dup-leaver-key')}", "leavers": [\n {"wpsUserId": "wps-1", "wpsUserId": "wps-2"}]}`,
      expected:
        /line 2, column 25, leavers\[0\]\.wpsUserId: is given twice in one object \(first at line 2, column 3\)/,
    },
    {
      name: 'an impossible date (30 February), which Date.parse reads as 2 March',
      file: 'feb30.json',
      content: () => requestJson(id('feb30'), [leaver(1)], { effectiveAt: '2026-02-30T18:00:00+08:00' }),
      expected: /effectiveAt: is not a real time: February 2026 has no day 30 \(it has 28\)/,
    },
    {
      name: 'one employee on two leavers with other ids',
      file: 'dup-employee.json',
      content: () => requestJson(id('dup-employee'), [leaver(1), { ...leaver(2), employeeId: 'E1' }]),
      expected:
        /leavers\[1\] \(employee E1\)\.employeeId: duplicates leavers\[0\]\.employeeId \(E1\); one employee's ids belong on one leaver/,
    },
    {
      name: 'an Authing id holding a comma (get-user-batch takes ids comma-separated)',
      file: 'comma.json',
      content: () => requestJson(id('comma'), [{ ...leaver(1), authingUserId: 'au-1,au-2' }]),
      expected: /leavers\[0\] \(employee E1\)\.authingUserId: must not contain a comma/,
    },
    {
      name: 'authingUserIdType custom_field, whose users can never be verified',
      file: 'custom-field.json',
      content: () => requestJson(id('custom-field'), [leaver(1)], { authingUserIdType: 'custom_field' }),
      expected: /authingUserIdType: cannot be custom_field: .* could never be verified; use one of user_id/,
    },
    {
      name: 'a right-to-left override in the Authing id type',
      file: 'idtype.json',
      content: () =>
        requestJson(id('idtype'), [{ wpsUserId: 'wps-1' }], { authingUserIdType: 'user_id\u202e' }),
      expected: /authingUserIdType: must be one of user_id/,
    },
  ];
}

describe('hostile request files and webhook bodies start no run (shared dev server)', () => {
  let dir: string;
  let connection: Connection;
  let client: Client;
  const requestIds: string[] = [];
  const id = (label: string): string => {
    const requestId = `hostile-${label}-${randomUUID().slice(0, 8)}`;
    requestIds.push(requestId);
    return requestId;
  };

  beforeAll(async () => {
    const address = process.env.TEMPORAL_TEST_ADDRESS;
    if (!address) throw new Error('TEMPORAL_TEST_ADDRESS is not set: run the tests through Jest (npm test)');
    connection = await Connection.connect({ address, connectTimeout: 10_000 });
    client = new Client({ connection, namespace: 'default' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-'));
  });
  afterAll(async () => {
    await connection?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function exists(requestId: string): Promise<boolean> {
    try {
      await client.workflow.getHandle(workflowIdFor(requestId)).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** `offboard start ...` in process; the connector connects for real, so a started run would exist. */
  async function offboard(
    args: string[],
  ): Promise<{ code: number; stdout: string; stderr: string; connects: number }> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    stderr.on('data', (d: Buffer) => (err += d.toString()));
    let connects = 0;
    const code = await runCli(['start', ...args], {
      streams: { stdout, stderr },
      env: { OFFBOARDING_TASK_QUEUE: `hostile-${randomUUID()}` },
      connector: async () => {
        connects += 1;
        const own = await Connection.connect({ address: process.env.TEMPORAL_TEST_ADDRESS ?? '' });
        return {
          client: new Client({ connection: own, namespace: 'default' }),
          address: '',
          namespace: 'default',
        };
      },
    });
    return { code, stdout: out, stderr: err, connects };
  }

  it('the CLI refuses each hostile file before it connects: exit 2, a clean message naming the place, no run', async () => {
    const cases = hostileFiles(id, requestIds);
    for (const hostile of cases) {
      const file = path.join(dir, hostile.file);
      fs.writeFileSync(file, hostile.content());
      const idsBefore = requestIds.length;
      // The file reader alone: the typed error, thrown before anything else happens.
      let thrown: unknown;
      try {
        loadRequestFile(
          file,
          hostile.args?.[0] === '--request-id' ? { requestId: hostile.args[1] ?? '' } : {},
        );
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(RequestFileError);
      const result = await offboard([file, ...(hostile.args ?? [])]);
      const context = `${hostile.name}: exit ${result.code}\n${result.stderr.slice(0, 2000)}`;
      if (result.code !== 2 || !hostile.expected.test(result.stderr)) throw new Error(context);
      expect(result.connects).toBe(0);
      expect(result.stdout).toBe('');
      expectClean(result.stderr);
      for (const requestId of requestIds.slice(idsBefore)) expect(await exists(requestId)).toBe(false);
      fs.rmSync(file);
    }
    // The check is meaningful: the same connector does start a run for a good file.
    const good = path.join(dir, 'good.json');
    const goodId = id('control');
    fs.writeFileSync(
      good,
      requestJson(goodId, [{ wpsUserId: 'wps-1' }], { effectiveAt: '2999-01-01T00:00:00Z' }),
    );
    const started = await offboard([good]);
    expect(started.code).toBe(0);
    expect(started.connects).toBe(1);
    expect(await exists(goodId)).toBe(true);
    await client.workflow.getHandle(workflowIdFor(goodId)).terminate('hostile-input test control run');
  }, 240_000);

  describe('the HR webhook', () => {
    const secret = `hostile-webhook-secret-${randomUUID()}`;
    let server: http.Server;
    let base: string;
    const lines: string[] = [];

    beforeAll(async () => {
      server = createWebhookServer({
        secret: new Secret(secret),
        client,
        taskQueue: `hostile-${randomUUID()}`,
        namespace: 'default',
        log: (line) => lines.push(line),
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    });

    function post(body: Buffer): Promise<{ status: number; text: string }> {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
      return new Promise((resolve, reject) => {
        const req = http.request(
          `${base}/hr/offboarding-events`,
          {
            method: 'POST',
            headers: {
              'Content-Type': 'application/json',
              'X-HR-Timestamp': timestamp,
              'X-HR-Signature': signature,
              'X-HR-Event-Id': `evt-${randomUUID()}`,
            },
          },
          (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        let answered = false;
        req.on('response', () => (answered = true));
        req.on('error', (err) => (answered ? undefined : reject(err)));
        req.end(body);
      });
    }

    it('answers each hostile body 400 or 413 with a clean message, and starts no run', async () => {
      const bodies: Array<{ name: string; body: () => Buffer; status: number; expected: RegExp }> = [
        ...hostileFiles(id, requestIds)
          .filter((h) => h.file.endsWith('.json'))
          .map((h) => ({
            name: h.name,
            body: () => Buffer.from(h.content(), 'utf8'),
            status: 400,
            expected: /"error":"(malformed_json|invalid_request)"/,
          })),
        {
          name: 'a body one byte over the 10 MiB limit',
          body: () =>
            Buffer.from(requestJson(id('over'), [{ wpsUserId: 'x'.repeat(DEFAULT_MAX_BODY_BYTES) }])),
          status: 413,
          expected: /"error":"too_large"/,
        },
        {
          name: 'bytes that are not UTF-8 around a NUL',
          body: () =>
            Buffer.concat([
              Buffer.from(`{"requestId":"${id('bytes')}","leavers":[{"wpsUserId":"w`),
              Buffer.from([0xff, 0xfe, 0x00]),
              Buffer.from('"}]}'),
            ]),
          status: 400,
          expected: /"error":"malformed_json"/,
        },
      ];
      for (const hostile of bodies) {
        const idsBefore = requestIds.length;
        const body = hostile.body();
        // Over the limit only the one case meant to be: the others are refused for what they say.
        if (hostile.status !== 413) expect(body.length).toBeLessThanOrEqual(DEFAULT_MAX_BODY_BYTES);
        const answer = await post(body);
        if (answer.status !== hostile.status || !hostile.expected.test(answer.text))
          throw new Error(`${hostile.name}: ${answer.status} ${answer.text.slice(0, 2000)}`);
        expectClean(answer.text);
        for (const requestId of requestIds.slice(idsBefore)) expect(await exists(requestId)).toBe(false);
      }
      expect(lines.every((line) => !UNPRINTABLE.test(line) && line.length < 1000)).toBe(true);
    }, 240_000);
  });
});
