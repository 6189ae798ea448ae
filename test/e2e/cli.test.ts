import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { runCli as runCliInProcess } from '../../client/cli/main';
import { startOffboarding } from '../../client/offboarding';
import { dataConverterFor } from '../../codec/data-converter';
import { parseCsv } from '../../client/csv';
import { RESULT_CSV_COLUMNS } from '../../client/report';
import { freePort } from '../../scripts/lib/ports';
import { generateDirectory } from '../../simulators/directory';
import { workflowIdFor } from '../../workflows/request';
import { keyringOf } from '../codec/helpers';
import { buildDist, childEnv, CLI, ROOT, runCli } from '../support/compiled';
import { startWorkflowHarness, type WorkflowHarness } from '../support/harness';
import { createTestWorker } from '../support/temporal';
import type { Finished } from '../support/processes';

const UI = 'http://ui.example.test:8233';

/**
 * `offboard` as operators run it: `node dist/client/cli.js`, a real process per command, against
 * the suite's dev server with a worker and both simulators (the harness) on a task queue of its own.
 */
describe('offboard CLI (real processes, dev server, worker)', () => {
  let harness: WorkflowHarness;
  let dir: string;
  let address: string;

  beforeAll(async () => {
    buildDist();
    harness = await startWorkflowHarness(generateDirectory(400, 0), 'cli');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offboard-cli-'));
    address = process.env.TEMPORAL_TEST_ADDRESS ?? '';
  }, 170_000);
  afterAll(async () => {
    await harness?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => harness.sims.wps.configure({ rejectIds: [] }));

  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv =>
    childEnv({
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: 'default',
      OFFBOARDING_TASK_QUEUE: harness.taskQueue,
      TEMPORAL_UI_URL: UI,
      // The harness's worker runs without encryption: say so, or the CLI refuses to start.
      OFFBOARD_PLAINTEXT_PAYLOADS: '1',
      ...extra,
    });
  const offboard = (...args: string[]): Promise<Finished> => runCli(args, env());

  /** On a mismatch, shows what the process printed rather than a bare exit code. */
  function expectExit(finished: Finished, code: number): Finished {
    if (finished.code !== code) {
      throw new Error(
        `offboard exited ${String(finished.code)} (wanted ${code})\nstdout:\n${finished.stdout}\nstderr:\n${finished.stderr}`,
      );
    }
    return finished;
  }

  const file = (name: string, content: string | object): string => {
    const target = path.join(dir, name);
    fs.writeFileSync(target, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return target;
  };
  const leavers = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({
      employeeId: `E${from + i}`,
      wpsUserId: `wps-${from + i}`,
      authingUserId: `au-${from + i}`,
    }));
  const inSeconds = (s: number): string => new Date(Date.now() + s * 1000).toISOString();
  const json = (finished: Finished): Record<string, unknown> =>
    JSON.parse(finished.stdout) as Record<string, unknown>;

  async function eventually<T>(
    what: string,
    probe: () => Promise<T | undefined>,
    timeoutMs = 30_000,
  ): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const phaseOf = async (requestId: string): Promise<string> => {
    const status = expectExit(await offboard('status', requestId, '--json'), 0);
    return (json(status).progress as { phase: string }).phase;
  };

  it('is the package’s `offboard` program: its bin, a node script by its first line', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      bin?: Record<string, string>;
    };
    expect(path.resolve(ROOT, manifest.bin?.offboard ?? '')).toBe(CLI);
    // The compiler keeps the source's shebang: installed (npm link, npm install -g), it runs as is.
    expect(fs.readFileSync(CLI, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('has --help on every subcommand, and an overview with the exit codes', async () => {
    const overview = expectExit(await offboard('--help'), 0);
    expect(overview.stdout).toContain('Exit codes:');
    const commands = [
      'start',
      'status',
      'watch',
      'result',
      'list',
      'cancel',
      'reschedule',
      'approve',
      'continue',
      'retry',
      'waive',
    ];
    for (const command of commands) {
      expect(overview.stdout).toContain(`  ${command} `);
      const help = expectExit(await offboard(command, '--help'), 0);
      expect(help.stdout).toContain(`Usage: offboard ${command}`);
      expect(help.stdout).toContain('--json');
    }
  }, 120_000);

  it('refuses an invalid file before anything starts, naming line and column (CSV) or line, column and field (JSON)', async () => {
    const requestId = `cli-invalid-${randomUUID()}`;
    const csv = file(
      'invalid.csv',
      'employeeId,wpsUserId,authingUserId\r\nE1,wps-1,au-1\r\nE2,wps 2,au-2\r\nE3,wps-1,au-3\r\nE4,,\r\n',
    );
    const refused = expectExit(await offboard('start', csv, '--request-id', requestId), 2);
    expect(refused.stderr).toContain('line 3, column wpsUserId: must not contain whitespace');
    expect(refused.stderr).toContain('line 4, column wpsUserId: duplicates the wpsUserId of line 2 (wps-1)');
    expect(refused.stderr).toContain('line 5: needs at least one of wpsUserId, authingUserId');

    const header = file('header.csv', 'employeeId,wps_user_id\nE1,w1\n');
    expect(expectExit(await offboard('start', header, '--request-id', requestId), 2).stderr).toContain(
      'line 1, column 2: unknown column "wps_user_id"',
    );
    const noId = file('no-id.csv', 'wpsUserId\nw1\n');
    expect(expectExit(await offboard('start', noId), 2).stderr).toContain(
      '--request-id: is required with a CSV file',
    );

    const broken = file(
      'broken.json',
      '{\n  "requestId": "r1",\n  "leavers": [\n    {"wpsUserId": "w1"},\n  ]\n}\n',
    );
    expect(expectExit(await offboard('start', broken), 2).stderr).toContain(
      "line 5, column 3: not JSON: expected a value, found ']'",
    );
    // Written with two-space indentation: the leaver's wpsUserId value starts at line 6, column 20.
    const badLeaver = file('bad-leaver.json', {
      requestId,
      leavers: [{ employeeId: 'E9', wpsUserId: 'w 9' }],
    });
    expect(expectExit(await offboard('start', badLeaver), 2).stderr).toContain(
      'line 6, column 20, leavers[0] (employee E9).wpsUserId: must not contain whitespace',
    );
    const invalid = expectExit(await offboard('start', badLeaver, '--json'), 2);
    expect(json(invalid)).toEqual({
      error: expect.objectContaining({
        kind: 'invalid_request',
        exitCode: 2,
        details: [
          {
            where: 'leavers[0] (employee E9).wpsUserId',
            line: 6,
            column: 20,
            message: 'must not contain whitespace',
          },
        ],
      }),
    });
    // A missing field is placed at the leaver that lacks it.
    const noIds = file(
      'no-ids.json',
      `{\n  "requestId": "${requestId}",\n  "leavers": [\n    {"wpsUserId": "w1"},\n    {"employeeId": "E2"}\n  ]\n}\n`,
    );
    expect(expectExit(await offboard('start', noIds), 2).stderr).toContain(
      'line 5, column 5, leavers[1] (employee E2): needs at least one of wpsUserId, authingUserId',
    );

    // Nothing was started under that requestId.
    expect(expectExit(await offboard('status', requestId), 3).stderr).toContain(
      `no offboarding run for requestId ${requestId}`,
    );
  }, 120_000);

  it('refuses a wrong Authing id type, from a flag or in the file, listing the accepted types', async () => {
    const csv = file('id-type.csv', 'authingUserId\nau-1\n');
    const fromFlag = expectExit(
      await offboard('start', csv, '--request-id', 'r-id-type', '--authing-user-id-type', 'userid'),
      2,
    );
    expect(fromFlag.stderr).toContain(
      '--authing-user-id-type: must be one of user_id, external_id, phone, email, username, identity, sync_relation; got "userid"',
    );
    const inFile = file('id-type.json', {
      requestId: 'r-id-type',
      authingUserIdType: 'mail',
      leavers: [{ authingUserId: 'a' }],
    });
    expect(expectExit(await offboard('start', inFile), 2).stderr).toContain(
      'line 3, column 24, authingUserIdType: must be one of user_id, external_id',
    );
  }, 60_000);

  it('start --dry-run prints the batch plan (with CSV lines) and starts nothing', async () => {
    const requestId = `cli-dry-${randomUUID()}`;
    const rows = leavers(1, 120).map((l) => `${l.employeeId},${l.wpsUserId},${l.authingUserId}`);
    const csv = file('dry.csv', ['employeeId,wpsUserId,authingUserId', ...rows].join('\n'));
    const dry = expectExit(
      await offboard(
        'start',
        csv,
        '--request-id',
        requestId,
        '--dry-run',
        '--batch-size',
        '50',
        '--approval-threshold',
        '100',
      ),
      0,
    );
    expect(dry.stdout).toContain('dry run: nothing was started');
    expect(dry.stdout).toContain(
      `request ${requestId}: 120 leavers, effective now, Authing ids of type user_id`,
    );
    expect(dry.stdout).toContain('plan: 3 batches of at most 50; 120 WPS ids, 120 Authing ids');
    expect(dry.stdout).toContain('approval: required (120 leavers > threshold 100)');
    expect(dry.stdout).toContain('batch 3: leavers 101-120 (lines 102-121), 20 WPS ids, 20 Authing ids');

    const asJson = json(
      expectExit(await offboard('start', csv, '--request-id', requestId, '--dry-run', '--json'), 0),
    );
    expect(asJson).toMatchObject({
      dryRun: true,
      requestId,
      plan: { leavers: 120, batches: 3, batchSize: 50 },
    });
    expect(expectExit(await offboard('status', requestId), 3).stderr).toContain('no offboarding run');
  }, 60_000);

  it('start --wait runs a request to its end; the same request again leads to that run; the same requestId with other leavers is refused', async () => {
    const requestId = `cli-start-${randomUUID()}`;
    const beforeStart = new Date().toISOString();
    const startDay = beforeStart.slice(0, 10);
    const request = file('start.json', { requestId, leavers: leavers(1, 3) });
    const started = expectExit(await offboard('start', request, '--wait'), 0);
    const workflowId = workflowIdFor(requestId);
    expect(started.stdout).toContain(`started ${workflowId} for request ${requestId} (3 leavers)`);
    expect(started.stdout).toContain(`Web UI: ${UI}/namespaces/default/workflows/${workflowId}`);
    expect(started.stdout).toContain(`request ${requestId}: completed (3 leavers, 0 failed)`);
    expect(started.stdout).toContain('WPS 365: done 3');
    for (let n = 1; n <= 3; n++) expect(harness.sims.wps.users.get(`wps-${n}`)).toBe('disabled');

    const again = expectExit(await offboard('start', request), 0);
    expect(again.stdout).toContain(
      `request ${requestId} was submitted before: this is its existing run ${workflowId}; nothing new started`,
    );
    expect(json(expectExit(await offboard('start', request, '--json'), 0))).toEqual({
      requestId,
      workflowId,
      existing: true,
      uiUrl: `${UI}/namespaces/default/workflows/${workflowId}`,
    });

    const other = file('start-other.json', { requestId, leavers: leavers(4, 1) });
    const conflict = expectExit(await offboard('start', other), 5);
    expect(conflict.stderr).toContain(`requestId ${requestId} was already submitted with different content`);
    expect(harness.sims.wps.users.get('wps-4')).toBe('active');

    // status: the finished run's phase, batches and counts.
    const status = expectExit(await offboard('status', requestId), 0);
    expect(status.stdout).toContain(`request ${requestId} (${workflowId}): completed\n`);
    expect(status.stdout).toMatch(/phase +completed/);
    expect(status.stdout).toMatch(/batches +1 of 1 done/);
    expect(status.stdout).toMatch(/WPS 365 +done 3/);
    expect(status.stdout).toContain(`Web UI     ${UI}/namespaces/default/workflows/${workflowId}`);
    expect(json(expectExit(await offboard('status', requestId, '--json'), 0))).toMatchObject({
      requestId,
      status: 'COMPLETED',
      progress: { phase: 'completed', leavers: 3, batchesDone: 1, batchesTotal: 1 },
    });

    // result: a table, JSON, CSV.
    const table = expectExit(await offboard('result', requestId), 0);
    expect(table.stdout).toMatch(/E1 +wps-1 +done +au-1 +done/);
    const result = json(expectExit(await offboard('result', requestId, '--json'), 0));
    expect(result).toMatchObject({ requestId, status: 'completed', leavers: 3, failedLeavers: 0 });
    expect(result.outcomes).toHaveLength(3);
    const csv = expectExit(await offboard('result', requestId, '--csv'), 0);
    const records = parseCsv(csv.stdout).map((r) => r.fields);
    expect(records[0]).toEqual([...RESULT_CSV_COLUMNS]);
    expect(records[1]).toEqual([
      'E1',
      'wps-1',
      'done',
      '',
      '',
      expect.any(String),
      'au-1',
      'done',
      '',
      '',
      expect.any(String),
    ]);
    expect(records).toHaveLength(4);

    // list: by phase and date (visibility follows the run within a second or so).
    const today = new Date().toISOString().slice(0, 10);
    const listed = await eventually('the run in list --phase completed', async () => {
      const list = json(
        expectExit(await offboard('list', '--phase', 'completed', '--since', today, '--json'), 0),
      );
      const runs = list.runs as Array<{ requestId: string }>;
      return runs.find((r) => r.requestId === requestId);
    });
    expect(listed).toMatchObject({
      requestId,
      phase: 'completed',
      leavers: 3,
      failedLeavers: 0,
      status: 'COMPLETED',
    });
    const table2 = expectExit(await offboard('list', '--phase', 'completed', '--limit', '500'), 0);
    expect(table2.stdout).toMatch(new RegExp(`${requestId} +completed +3 +0 `));
    const future = json(expectExit(await offboard('list', '--since', '2999-01-01', '--json'), 0));
    expect(future.runs).toEqual([]);

    // --until: a date includes that whole day; a time, only runs started before it.
    const requestIds = (list: Record<string, unknown>): string[] =>
      (list.runs as Array<{ requestId: string }>).map((r) => r.requestId);
    const untilToday = json(
      expectExit(
        await offboard('list', '--since', startDay, '--until', today, '--limit', '1000', '--json'),
        0,
      ),
    );
    expect(requestIds(untilToday)).toContain(requestId);
    const nextMidnight = new Date(Date.parse(today) + 86_400_000).toISOString();
    expect(untilToday.query).toEqual(expect.stringContaining(`StartTime < '${nextMidnight}'`));
    const untilBefore = json(
      expectExit(await offboard('list', '--until', beforeStart, '--limit', '1000', '--json'), 0),
    );
    expect(untilBefore.query).toEqual(expect.stringContaining(`StartTime < '${beforeStart}'`));
    expect(requestIds(untilBefore)).not.toContain(requestId);
    const past = json(expectExit(await offboard('list', '--until', '2000-01-01', '--json'), 0));
    expect(past.runs).toEqual([]);
  }, 170_000);

  it('watch follows a CSV request from scheduled to its end, as lines and as JSON lines', async () => {
    const requestId = `cli-watch-${randomUUID()}`;
    const rows = leavers(10, 60).map((l) => `${l.wpsUserId},${l.authingUserId}`);
    const csv = file('watch.csv', ['wpsUserId,authingUserId', ...rows].join('\n'));
    expectExit(
      await offboard(
        'start',
        csv,
        '--request-id',
        requestId,
        '--effective-at',
        inSeconds(8),
        '--batch-size',
        '20',
      ),
      0,
    );
    const [lines, jsonLines] = await Promise.all([
      offboard('watch', requestId),
      offboard('watch', requestId, '--json'),
    ]);
    expectExit(lines, 0);
    expect(lines.stdout).toMatch(/^scheduled: scheduled for \d{4}-/m);
    expect(lines.stdout).toContain(`request ${requestId}: completed (60 leavers, 0 failed)`);
    expect(lines.stdout).toContain('WPS 365: done 60');
    expect(lines.stdout).toContain(`per-leaver outcomes: offboard result ${requestId}`);

    expectExit(jsonLines, 0);
    const events = jsonLines.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; phase?: string; status?: string });
    expect(events[0]).toMatchObject({ event: 'progress', phase: 'scheduled', requestId, leavers: 60 });
    expect(events.at(-1)).toMatchObject({
      event: 'finished',
      requestId,
      status: 'completed',
      leavers: 60,
      failedLeavers: 0,
    });
    expect(events.slice(0, -1).every((e) => e.event === 'progress')).toBe(true);
  }, 120_000);

  it('on a terminal, watch redraws one progress bar in place and ends with the summary', async () => {
    const requestId = `cli-tty-${randomUUID()}`;
    const request = file('tty.json', { requestId, effectiveAt: inSeconds(4), leavers: leavers(150, 30) });
    expectExit(await offboard('start', request, '--batch-size', '10'), 0);
    // In process, with a stdout that says it is a terminal: the rendering is what is under test here.
    const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 300 });
    const stderr = new PassThrough();
    let screen = '';
    stdout.on('data', (d: Buffer) => (screen += d.toString()));
    const code = await runCliInProcess(['watch', requestId], {
      streams: { stdout, stderr },
      env: { OFFBOARDING_TASK_QUEUE: harness.taskQueue, TEMPORAL_UI_URL: UI },
      connector: async () => ({
        client: new Client({ connection: await Connection.connect({ address }), namespace: 'default' }),
        address,
        namespace: 'default',
      }),
    });
    expect(code).toBe(0);
    const [live = '', ...after] = screen.split('\n');
    // Every update of the live line returns to its start and clears it; no line break until the end.
    const frames = live.split('\r\x1b[2K').filter((f) => f !== '');
    expect(frames[0]).toMatch(/^scheduled: scheduled for /);
    expect(frames.at(-1)).toMatch(
      /^completed \[#{24}\] 100% 3\/3 batches, 30 leavers \| WPS 365: done 30 \| Authing: done 30$/,
    );
    expect(after.join('\n')).toContain(`request ${requestId}: completed (30 leavers, 0 failed)`);
  }, 90_000);

  it('reschedule moves a scheduled run; approve lets a run over the threshold proceed; refusals carry the run’s reason', async () => {
    const requestId = `cli-approve-${randomUUID()}`;
    const request = file('approve.json', {
      requestId,
      effectiveAt: inSeconds(3600),
      leavers: leavers(100, 2),
    });
    expectExit(await offboard('start', request, '--approval-threshold', '1'), 0);
    await eventually('scheduled', async () =>
      (await phaseOf(requestId)) === 'scheduled' ? true : undefined,
    );

    expect(expectExit(await offboard('reschedule', requestId, 'tomorrow'), 2).stderr).toContain(
      'effectiveAt (the second argument) must be an ISO 8601 time with an offset',
    );
    const later = inSeconds(1800);
    expect(json(expectExit(await offboard('reschedule', requestId, later, '--json'), 0))).toEqual({
      requestId,
      progress: expect.objectContaining({ requestId, phase: 'scheduled', effectiveAt: later, leavers: 2 }),
    });
    const when = inSeconds(1);
    const moved = expectExit(await offboard('reschedule', requestId, when), 0);
    expect(moved.stdout).toContain(`rescheduled the run for requestId ${requestId}: effective ${when}`);
    await eventually('awaiting approval', async () =>
      (await phaseOf(requestId)) === 'awaiting_approval' ? true : undefined,
    );
    const waiting = expectExit(await offboard('status', requestId), 0);
    expect(waiting.stdout).toMatch(/approval +required \(2 leavers > threshold 1\); not given yet/);
    expect(harness.sims.wps.users.get('wps-100')).toBe('active');

    expect(expectExit(await offboard('approve', requestId), 2).stderr).toContain('approve needs --by NAME');
    const approved = expectExit(await offboard('approve', requestId, '--by', 'alice'), 0);
    expect(approved.stdout).toContain(`approved the run for requestId ${requestId} as alice`);
    const twice = expectExit(await offboard('approve', requestId, '--by', 'bob'), 5);
    expect(twice.stderr).toMatch(/already (approved by alice|finished)/);

    const result = json(expectExit(await offboard('result', requestId, '--wait', '--json'), 0));
    expect(result).toMatchObject({ status: 'completed', approvedBy: 'alice', leavers: 2 });
    expect(expectExit(await offboard('reschedule', requestId, inSeconds(60)), 5).stderr).toContain(
      `the run for requestId ${requestId} has already finished (completed); nothing to reschedule`,
    );

    // The workflow itself refuses: this run needs no approval (an update validator's reason).
    const small = `cli-small-${randomUUID()}`;
    expectExit(
      await offboard(
        'start',
        file('small.json', { requestId: small, effectiveAt: inSeconds(3600), leavers: leavers(110, 1) }),
      ),
      0,
    );
    const refused = expectExit(await offboard('approve', small, '--by', 'alice', '--json'), 5);
    expect(json(refused)).toEqual({
      error: {
        kind: 'refused',
        exitCode: 5,
        message: 'this run needs no approval: 1 leavers is within the threshold of 500',
      },
    });
    expectExit(await offboard('cancel', small), 0);

    // --json: approve (given early, while the run waits for its time) and cancel, as scripts read them.
    const early = `cli-early-${randomUUID()}`;
    expectExit(
      await offboard(
        'start',
        file('early.json', { requestId: early, effectiveAt: inSeconds(3600), leavers: leavers(112, 2) }),
        '--approval-threshold',
        '1',
      ),
      0,
    );
    expect(json(expectExit(await offboard('approve', early, '--by', 'carol', '--json'), 0))).toEqual({
      requestId: early,
      approvedBy: 'carol',
      progress: expect.objectContaining({
        requestId: early,
        phase: 'scheduled',
        approval: expect.objectContaining({ required: true, threshold: 1, approvedBy: 'carol' }),
      }),
    });
    const workflowId = workflowIdFor(early);
    expect(json(expectExit(await offboard('cancel', early, '--reason', 'test over', '--json'), 0))).toEqual({
      requestId: early,
      cancelRequested: true,
      reason: 'test over',
      progress: expect.objectContaining({ requestId: early }),
      uiUrl: `${UI}/namespaces/default/workflows/${workflowId}`,
    });
    expect(json(expectExit(await offboard('result', early, '--wait', '--json'), 7))).toMatchObject({
      status: 'cancelled',
      cancelReason: 'test over',
      approvedBy: 'carol',
    });
    expect(harness.sims.wps.users.get('wps-112')).toBe('active');
  }, 170_000);

  it('cancel stops a scheduled run without touching anyone; a finished run refuses cancel, result waits or refuses', async () => {
    const requestId = `cli-cancel-${randomUUID()}`;
    const request = file('cancel.json', {
      requestId,
      effectiveAt: inSeconds(3600),
      leavers: leavers(120, 2),
    });
    expectExit(await offboard('start', request), 0);

    expect(expectExit(await offboard('result', requestId), 5).stderr).toContain(
      `the run for requestId ${requestId} has not finished yet`,
    );
    expect(expectExit(await offboard('retry', requestId), 5).stderr).toContain(
      'no leaver waits to be retried',
    );

    const cancelled = expectExit(
      await offboard('cancel', requestId, '--reason', 'HR withdrew the request'),
      0,
    );
    expect(cancelled.stdout).toContain(
      `cancel sent to the run for requestId ${requestId} (reason: HR withdrew the request)`,
    );
    const result = expectExit(await offboard('result', requestId, '--wait'), 7);
    expect(result.stdout).toContain(
      `request ${requestId}: cancelled (2 leavers, 0 failed); cancelled: HR withdrew the request`,
    );
    expect(result.stdout).toMatch(/E120 +wps-120 +skipped +au-120 +skipped/);
    expect(harness.sims.wps.users.get('wps-120')).toBe('active');
    expect(harness.sims.authing.users.get('au-120')?.status).toBe('Activated');

    expect(expectExit(await offboard('cancel', requestId), 5).stderr).toContain(
      `the run for requestId ${requestId} has already finished (cancelled); nothing to cancel`,
    );
  }, 120_000);

  it('a run with failures waits in needs_attention: list finds it, retry after the fix finishes it in the same run', async () => {
    const requestId = `cli-failed-${randomUUID()}`;
    harness.sims.wps.configure({ rejectIds: ['wps-202'] });
    const request = file('failed.json', { requestId, leavers: leavers(200, 3) });
    expectExit(await offboard('start', request), 0);
    const waiting = await eventually('the run in needs_attention', async () => {
      const status = json(expectExit(await offboard('status', requestId, '--json'), 0));
      const progress = status.progress as { phase?: string } | null;
      return progress?.phase === 'needs_attention' ? progress : undefined;
    });
    expect(waiting).toMatchObject({ remainingLeavers: 1 });
    expect(expectExit(await offboard('result', requestId), 5).stderr).toContain('has not finished yet');

    const listed = await eventually('the run in list --failed', async () => {
      const list = json(
        expectExit(
          await offboard('list', '--failed', '--phase', 'needs_attention', '--json', '--limit', '1000'),
          0,
        ),
      );
      return (list.runs as Array<{ requestId: string; failedLeavers: number }>).find(
        (r) => r.requestId === requestId,
      );
    });
    expect(listed).toMatchObject({ phase: 'needs_attention', failedLeavers: 1 });

    harness.sims.wps.configure({ rejectIds: [] });
    const retry = expectExit(await offboard('retry', requestId, '--wait'), 0);
    expect(retry.stdout).toContain(`retrying 1 leavers of the run for requestId ${requestId}`);
    expect(retry.stdout).toContain(`request ${requestId}: completed (3 leavers, 0 failed)`);
    expect(harness.sims.wps.users.get('wps-202')).toBe('disabled');
    const table = expectExit(await offboard('result', requestId), 0);
    expect(table.stdout).toMatch(/E202 +wps-202 +done +au-202 +done/);
    // Nothing waits any more: retry and waive are refused.
    expect(
      expectExit(await offboard('waive', requestId, '--by', 'ops', '--reason', 'x'), 5).stderr,
    ).toContain('has already finished');
  }, 170_000);

  it('list shows runs whose payloads it cannot decode (encrypted under a key it lacks) by their search attributes', async () => {
    const requestId = `cli-foreign-key-${randomUUID()}`;
    const connection = await Connection.connect({ address });
    try {
      // Another deployment's key: this CLI (no PAYLOAD_CODEC_KEYS) cannot read the run's memo.
      const foreign = new Client({ connection, dataConverter: dataConverterFor(keyringOf('other-key')) });
      const started = await startOffboarding(
        foreign,
        { requestId, leavers: leavers(300, 2) },
        {
          taskQueue: `nobody-serves-${randomUUID()}`,
          namespace: 'default',
        },
      );
      try {
        const listed = await eventually('the encrypted run in list', async () => {
          const list = json(expectExit(await offboard('list', '--json', '--limit', '1000'), 0));
          return (list.runs as Array<{ requestId: string }>).find((r) => r.requestId === requestId);
        });
        expect(listed).toMatchObject({
          phase: 'validating',
          leavers: 2,
          failedLeavers: 0,
          status: 'RUNNING',
        });
        expect(expectExit(await offboard('list', '--phase', 'validating'), 0).stdout).toMatch(
          new RegExp(`${requestId} +validating +2 +0 +\\d{4}-`),
        );
        // Asked about that run itself, the CLI says what is missing instead of a decoder's error.
        expect(expectExit(await offboard('status', requestId), 70).stderr).toContain(
          "the run's data is encrypted and this client cannot decrypt it",
        );
      } finally {
        await foreign.workflow.getHandle(started.workflowId).terminate('test over');
      }
    } finally {
      await connection.close();
    }
  }, 120_000);

  it('an unknown requestId: every command that names one says so, exit 3', async () => {
    const unknown = `cli-nobody-${randomUUID()}`;
    for (const args of [
      ['status', unknown],
      ['watch', unknown],
      ['result', unknown],
      ['cancel', unknown],
      ['reschedule', unknown, inSeconds(60)],
      ['approve', unknown, '--by', 'alice'],
      ['retry', unknown],
      ['waive', unknown, '--by', 'alice', '--reason', 'checked'],
    ]) {
      const finished = expectExit(await offboard(...args), 3);
      expect(finished.stderr).toBe(`offboard: no offboarding run for requestId ${unknown}\n`);
    }
    // The workflow id given for the request id: a hint.
    expect(expectExit(await offboard('status', workflowIdFor(unknown)), 3).stderr).toContain(
      `that looks like a workflow id; its requestId is ${unknown}`,
    );
    expect(json(expectExit(await offboard('status', unknown, '--json'), 3))).toEqual({
      error: { kind: 'not_found', exitCode: 3, message: `no offboarding run for requestId ${unknown}` },
    });
  }, 170_000);

  it('a server that cannot be reached: exit 4 within seconds, naming the address', async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const request = file('unreachable.json', { requestId: 'cli-unreachable', leavers: leavers(1, 1) });
    // Each process is killed (and the test fails) if it is still waiting after 30 s: the connection
    // gives up after 5, where the SDK's own retries would take minutes.
    for (const args of [['status', 'cli-unreachable'], ['start', request], ['list']]) {
      const finished = expectExit(await runCli(args, env({ TEMPORAL_ADDRESS: closed }), 30_000), 4);
      expect(finished.stderr).toContain(`cannot reach the Temporal server at ${closed}`);
    }
    const asJson = await runCli(['status', 'x', '--json'], env({ TEMPORAL_ADDRESS: closed }), 30_000);
    expect(json(expectExit(asJson, 4))).toMatchObject({ error: { kind: 'unreachable', exitCode: 4 } });
  }, 120_000);

  it('result: outcomes that no worker is there to read fail the command (exit 4) saying what to do, with --wait too', async () => {
    const requestId = `cli-outcomes-${randomUUID()}`;
    const queue = `outcomes-${randomUUID()}`;
    const queueEnv = env({ OFFBOARDING_TASK_QUEUE: queue });
    // A worker of this run's own, to take away: the suite's worker serves another task queue.
    const startWorker = async () => {
      const worker = await createTestWorker(harness.env, harness.sims.workerConfig(queue));
      const running = worker.run();
      let stopped: Promise<void> | undefined;
      return {
        stop: () =>
          (stopped ??= (async () => {
            worker.shutdown();
            await running;
          })()),
      };
    };
    let worker = await startWorker();
    try {
      // Ids this long make 120 leavers run as chunks (each chunk's payload stays small), and a chunked
      // run's per-leaver outcomes are read by queries that a worker answers.
      const id = (system: string, n: number): string => `${system}-${n}-`.padEnd(250, 'x');
      // People both vendors know: ids the vendors do not know would hold the run (the not_found guard).
      for (let n = 0; n < 120; n++) {
        harness.sims.wps.users.set(id('wps', n), 'active');
        harness.sims.authing.users.set(id('au', n), { userId: id('au', n), status: 'Activated' });
      }
      const request = file('outcomes.json', {
        requestId,
        leavers: Array.from({ length: 120 }, (_, n) => ({
          employeeId: `E${900 + n}`,
          wpsUserId: id('wps', n),
          authingUserId: id('au', n),
        })),
      });
      expectExit(await runCli(['start', request, '--approval-threshold', '1'], queueEnv), 0);
      await eventually('awaiting approval', async () =>
        (await phaseOf(requestId)) === 'awaiting_approval' ? true : undefined,
      );

      // In process, so that the worker can be taken away exactly between the run's end and the first
      // outcome query: `result --wait` sees the run open, waits, and then finds nobody to answer.
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let errors = '';
      stderr.on('data', (d: Buffer) => (errors += d.toString()));
      let described: () => void = () => undefined;
      const isDescribed = new Promise<void>((resolve) => (described = resolve));
      // --timeout 3: room for describe and the result under load; the outcome queries get four times it.
      const waiting = runCliInProcess(['result', requestId, '--wait', '--timeout', '3'], {
        streams: { stdout, stderr },
        env: { OFFBOARDING_TASK_QUEUE: queue, TEMPORAL_UI_URL: UI },
        connector: async () => ({
          client: new Client({
            connection: await Connection.connect({ address }),
            namespace: 'default',
            interceptors: {
              workflow: [
                {
                  describe: async (input, next) => {
                    const description = await next(input);
                    described();
                    return description;
                  },
                  query: async (input, next) => {
                    await worker.stop();
                    return next(input);
                  },
                },
              ],
            },
          }),
          address,
          namespace: 'default',
        }),
      });
      await isDescribed;
      expectExit(await runCli(['approve', requestId, '--by', 'alice'], queueEnv), 0);
      const message =
        `the run for requestId ${requestId} finished (completed), but its per-leaver outcomes need a ` +
        `running worker to answer (task queue "${queue}"), and none did within 12 s; ` +
        `start one and retry \`offboard result ${requestId}\``;
      // The worker polled moments ago, so the server most likely let the query wait out its deadline;
      // under load it may instead have said "no poller seen" (below): the command says the same.
      expect(await waiting).toBe(4);
      expect(errors).toBe(`offboard: ${message}\n`);

      // Once no worker has polled the queue for the server's window (20 s), a query fails early as
      // FAILED_PRECONDITION "no poller seen" instead of waiting out its deadline. Wait for that state
      // (it lasts, as nothing polls the queue until the worker is back), so that the commands below
      // meet the server's other answer for certain.
      const runHandle = harness.env.client.workflow.getHandle(workflowIdFor(requestId));
      await eventually(
        'the server to see no poller on the task queue',
        async () => {
          const failed = await harness.env.client
            .withDeadline(Date.now() + 500, () => runHandle.query('progress'))
            .then(
              () => {
                throw new Error('a worker answered the query: none should be running');
              },
              (err: unknown) => (err as { cause?: { code?: number; details?: string } }).cause,
            );
          // Else DEADLINE_EXCEEDED (4): the server still counts a recent poller, and waited.
          return failed?.code === 9 && /no poller seen/.test(failed.details ?? '') ? true : undefined;
        },
        60_000,
      );

      // A finished run, asked again with no worker: the same, as a real process (killed, failing the
      // test, if it hangs), and as JSON.
      const again = expectExit(await runCli(['result', requestId, '--timeout', '3'], queueEnv, 60_000), 4);
      expect(again.stderr).toBe(`offboard: ${message}\n`);
      const asJson = await runCli(['result', requestId, '--timeout', '3', '--json'], queueEnv, 60_000);
      expect(json(expectExit(asJson, 4))).toEqual({ error: { kind: 'timeout', exitCode: 4, message } });

      // Doing what it says works.
      worker = await startWorker();
      const result = json(expectExit(await runCli(['result', requestId, '--json'], queueEnv), 0));
      expect(result).toMatchObject({ requestId, status: 'completed', leavers: 120, approvedBy: 'alice' });
      expect((result.chunks as unknown[]).length).toBeGreaterThan(1);
      expect(result.outcomes).toHaveLength(120);
    } finally {
      await worker.stop();
    }
  }, 170_000);

  it('a run no worker serves: status answers from the server within --timeout and says why progress is missing', async () => {
    const requestId = `cli-no-worker-${randomUUID()}`;
    const queue = `nobody-${randomUUID()}`;
    const request = file('no-worker.json', { requestId, leavers: leavers(300, 1) });
    expectExit(await runCli(['start', request], env({ OFFBOARDING_TASK_QUEUE: queue })), 0);
    try {
      // Killed (failing the test) after 25 s, below the default --timeout of 30: --timeout 2 must apply.
      const status = expectExit(
        await runCli(['status', requestId, '--timeout', '2'], env({ OFFBOARDING_TASK_QUEUE: queue }), 25_000),
        0,
      );
      expect(status.stdout).toContain(`request ${requestId} (${workflowIdFor(requestId)}): running, phase `);
      expect(status.stdout).toContain(
        `progress   unknown: the progress query got no answer within 2 s (is a worker polling task queue "${queue}"?)`,
      );
    } finally {
      await harness.env.client.workflow.getHandle(workflowIdFor(requestId)).terminate('test cleanup');
    }
  }, 90_000);
});
