import { PassThrough } from 'node:stream';
import { ServiceError } from '@temporalio/client';
import { ConfigError } from '../../config/env';
import { EXIT } from '../../client/cli/exit-codes';
import { toFailure } from '../../client/cli/failure';
import { listQuery, parseTime } from '../../client/cli/list-query';
import { COMMANDS, runCli } from '../../client/cli/main';
import { progressBar, progressLine } from '../../client/cli/progress-view';
import { runOptionsFrom } from '../../client/run-options';
import type { Progress } from '../../workflows/messages';
import { emptyCounts } from '../../workflows/outcome';

/** The CLI's pure parts, and its wiring without a server (a connector that must not be called). */

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runCli(argv, {
    streams: { stdout, stderr },
    env: {},
    connector: () => Promise.reject(new Error('this test must not connect')),
  });
  return { code, stdout: out, stderr: err };
}

describe('list query', () => {
  it('always selects offboarding runs, and adds each filter', () => {
    expect(listQuery({})).toBe(`WorkflowType = 'offboarding'`);
    expect(
      listQuery({ phase: 'awaiting_approval', failed: true, since: '2026-11-01', until: '2026-11-30' }),
    ).toBe(
      `WorkflowType = 'offboarding' AND OffboardingPhase = 'awaiting_approval' AND OffboardingFailedCount > 0 ` +
        `AND StartTime >= '2026-11-01T00:00:00.000Z' AND StartTime < '2026-12-01T00:00:00.000Z'`,
    );
  });

  it('reads a time with its offset', () => {
    expect(parseTime('2026-11-30T18:00:00+08:00', '--since', false).toISOString()).toBe(
      '2026-11-30T10:00:00.000Z',
    );
  });

  it.each([
    [{ phase: 'done' }, /--phase must be one of validating, receiving, scheduled/],
    [{ since: 'yesterday' }, /--since must be a date \(2026-11-30\) or a time with an offset/],
    [{ until: '2026-11-30T18:00:00' }, /--until must be a date/],
    [{ since: '2026-12-01', until: '2026-11-01' }, /--since must be before --until/],
  ])('refuses %j', (filters, message) => {
    expect(() => listQuery(filters)).toThrow(message);
  });
});

describe('run options', () => {
  it('takes flags over the environment, and leaves unset ones to the workflow', () => {
    expect(
      runOptionsFrom({ batchSize: '20' }, { OFFBOARDING_BATCH_SIZE: '10', OFFBOARDING_CONCURRENCY: '8' }),
    ).toEqual({
      batchSize: 20,
      concurrency: 8,
    });
    expect(runOptionsFrom({}, {})).toEqual({});
    expect(runOptionsFrom({ approvalThreshold: '0' }, {})).toEqual({ approvalThreshold: 0 });
  });

  it.each([
    [{ batchSize: '51' }, {}, '--batch-size must be a whole number, 1 to 50; got "51"'],
    [{ concurrency: '0' }, {}, '--concurrency must be a whole number, 1 to 32; got "0"'],
    [
      {},
      { OFFBOARDING_APPROVAL_THRESHOLD: '1e3' },
      'OFFBOARDING_APPROVAL_THRESHOLD must be a whole number, 0 or more; got "1e3"',
    ],
  ])('names where a bad value came from: %j %j', (flags, env, message) => {
    expect(() => runOptionsFrom(flags, env)).toThrow(message);
  });
});

describe('progress line', () => {
  const base: Progress = {
    requestId: 'hr-1',
    phase: 'running',
    leavers: 120,
    leaversReceived: 120,
    batchesDone: 1,
    batchesTotal: 3,
    counts: { wps: { ...emptyCounts(), done: 48, already: 2 }, authing: emptyCounts() },
    approval: { required: false, threshold: 500 },
  };

  it('draws a bar over batches with counts per system', () => {
    expect(progressBar(1, 4, 8)).toBe('[##------]  25%');
    expect(progressBar(0, 0, 4)).toBe('[----]   0%');
    expect(progressLine(base)).toBe(
      'running [########----------------]  33% 1/3 batches, 120 leavers | WPS 365: done 48, already 2 | Authing: nothing yet',
    );
  });

  it('says what a waiting run waits for', () => {
    expect(progressLine({ ...base, phase: 'scheduled', nextWakeUp: '2026-11-30T10:00:00.000Z' })).toBe(
      'scheduled: scheduled for 2026-11-30T10:00:00.000Z',
    );
    expect(
      progressLine({
        ...base,
        phase: 'awaiting_approval',
        leavers: 600,
        approval: { required: true, threshold: 500 },
      }),
    ).toBe(
      'awaiting_approval: waiting for approval (600 leavers, threshold 500): offboard approve hr-1 --by NAME',
    );
  });
});

describe('CLI wiring (in process, no server)', () => {
  it('prints the overview with every command and the exit codes', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    for (const command of COMMANDS) expect(stdout).toContain(`  ${command.name} `);
    expect(stdout).toMatch(/Exit codes:\n {2}0 {3}done/);
  });

  it('without a command, prints the overview to stderr and exits 2', async () => {
    const { code, stderr, stdout } = await cli([]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('Usage: offboard <command>');
  });

  it.each(COMMANDS.map((c) => c.name))('%s --help shows its usage and the common options', async (name) => {
    const { code, stdout } = await cli([name, '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: offboard ${name}`);
    expect(stdout).toContain('--json');
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"; the commands are start, status'],
    [['status'], 'status needs a requestId (see offboard status --help)'],
    [['status', 'a', 'b'], 'status: unexpected argument b'],
    [['status', 'has space'], '"has space" is not a requestId: it must be 1-128 characters'],
    [['status', 'x', '--bogus'], "status: Unknown option '--bogus'"],
    [['status', 'x', '--timeout', 'soon'], '--timeout must be a number of seconds above 0; got "soon"'],
    [
      ['reschedule', 'x', 'tomorrow'],
      'effectiveAt (the second argument) must be an ISO 8601 time with an offset',
    ],
    [['approve', 'x'], 'approve needs --by NAME'],
    [['result', 'x', '--csv', '--json'], 'choose one of --json and --csv'],
    [['list', '--phase', 'finished'], '--phase must be one of'],
    [['start'], 'start needs a request file'],
    [['--json', 'status'], 'give the command first'],
  ])('refuses %j with exit 2 before connecting', async (argv, message) => {
    const { code, stdout, stderr } = await cli(argv);
    expect(code).toBe(2);
    // With --json the error is JSON on stdout, otherwise a line on stderr.
    expect(argv.includes('--json') ? stdout : stderr).toContain(message);
  });

  it('with --json, reports a usage error as JSON on stdout', async () => {
    const { code, stdout, stderr } = await cli(['status', '--json']);
    expect(code).toBe(2);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({
      error: { kind: 'usage', exitCode: 2, message: 'status needs a requestId (see offboard status --help)' },
    });
  });

  it('reports a malformed codec setting as a configuration error with exit 2, not as an unreachable server', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await runCli(['status', 'hr-1'], {
      streams: { stdout, stderr },
      env: {},
      connector: () =>
        Promise.reject(new ConfigError('PAYLOAD_CODEC_KEYS: entry 1 of 1 is not keyId:base64key')),
    });
    expect(code).toBe(2);
    expect(err).toBe(
      'offboard: configuration error: PAYLOAD_CODEC_KEYS: entry 1 of 1 is not keyId:base64key\n',
    );
  });

  it('reports a connection failure as "unreachable" with exit 4', async () => {
    const { code, stderr } = await cli(['status', 'hr-1']);
    expect(code).toBe(4);
    expect(stderr).toBe('offboard: this test must not connect\n');
  });
});

describe('failure mapping', () => {
  /** A gRPC error as @grpc/grpc-js makes it, wrapped as the SDK's query call throws it. */
  const failedQuery = (code: number, name: string, details: string): ServiceError =>
    new ServiceError('Failed to query Workflow', {
      cause: Object.assign(new Error(`${code} ${name}: ${details}`), { code, details, metadata: {} }),
    });
  const context = { requestId: 'hr-1', taskQueue: 'offboarding', timeoutMs: 4_000 };

  // A query no worker answers waits out its deadline, unless no worker has polled the task queue for
  // the server's window (20 s): then the server fails it, just before the deadline, as "no poller seen".
  it.each([
    [
      'waited out its deadline',
      failedQuery(4, 'DEADLINE_EXCEEDED', 'Deadline exceeded after 3.999s'),
      'no answer within 4 s (is a worker polling task queue "offboarding"?)',
    ],
    [
      'was cancelled at its deadline',
      failedQuery(1, 'CANCELLED', 'Cancelled on client'),
      'no answer within 4 s (is a worker polling task queue "offboarding"?)',
    ],
    [
      'found no poller',
      failedQuery(9, 'FAILED_PRECONDITION', 'no poller seen for task queue recently, worker may be down'),
      'no answer: the server has seen no worker polling task queue "offboarding" recently; start one',
    ],
  ])('a query that %s: no worker answered, exit 4 saying what to do', (_, err, message) => {
    const failure = toFailure(err, context);
    expect({ kind: failure.kind, exitCode: failure.exitCode, message: failure.message }).toEqual({
      kind: 'timeout',
      exitCode: EXIT.unreachable,
      message,
    });
    expect(failure.cause).toBe(err);
  });

  it('leaves another FAILED_PRECONDITION an internal error that says what the server said', () => {
    const err = failedQuery(
      9,
      'FAILED_PRECONDITION',
      'Workflow execution closed before WorkflowTaskStarted event',
    );
    const failure = toFailure(err, context);
    expect(failure.kind).toBe('internal');
    expect(failure.exitCode).toBe(EXIT.internal);
    expect(failure.message).toBe(
      'Failed to query Workflow: 9 FAILED_PRECONDITION: Workflow execution closed before WorkflowTaskStarted event',
    );
  });
});
