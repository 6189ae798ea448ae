import { PassThrough } from 'node:stream';
import { runCli as runCliInProcess } from '../../client/cli/main';
import type { CheckRow } from '../../client/cli/check';
import { freePort } from '../../scripts/lib/ports';
import type { AuthingSimulatorOptions } from '../../simulators/authing/server';
import { generateDirectory } from '../../simulators/directory';
import type { WpsSimulatorOptions } from '../../simulators/wps/server';
import { buildDist, childEnv, runCli } from '../support/compiled';
import type { Finished } from '../support/processes';
import { startSimulators, type RunningSimulators } from '../support/simulators';

interface CheckDocument {
  ok: boolean;
  failed: number;
  readOnly: boolean;
  checks: CheckRow[];
}

/**
 * Simulator options that other changes add (clockOffsetMs, itemIdField, recordIdField, basePath):
 * passed untyped, so that this file compiles before and after they exist.
 */
const wpsOptions = (o: Record<string, unknown>): Partial<WpsSimulatorOptions> =>
  o as unknown as Partial<WpsSimulatorOptions>;
const authingOptions = (o: Record<string, unknown>): Partial<AuthingSimulatorOptions> =>
  o as unknown as Partial<AuthingSimulatorOptions>;

/**
 * `offboard check` as operators run it (`node dist/client/cli.js check`), a real process with the
 * worker's variables, against both simulators in this process, healthy or broken one way at a time.
 * No Temporal server: TEMPORAL_ADDRESS points at a closed port.
 */
describe('offboard check (real process, simulators, no Temporal)', () => {
  const directory = generateDirectory(3, 3); // wps-3 is disabled, au-3 resigned
  const started: RunningSimulators[] = [];
  let closedTemporal: string;

  beforeAll(async () => {
    buildDist();
    closedTemporal = `127.0.0.1:${await freePort()}`;
  }, 170_000);
  afterAll(async () => {
    await Promise.all(started.map((s) => s.close()));
  });

  async function simulators(
    options: { wps?: Partial<WpsSimulatorOptions>; authing?: Partial<AuthingSimulatorOptions> } = {},
  ): Promise<RunningSimulators> {
    const sims = await startSimulators(directory, options);
    started.push(sims);
    return sims;
  }

  function env(sims: RunningSimulators, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
    const settings: Record<string, string | undefined> = {
      WPS_BASE_URL: sims.wpsUrl,
      WPS_APP_ID: sims.credentials.wpsAppId,
      WPS_APP_KEY: sims.credentials.wpsAppKey,
      AUTHING_BASE_URL: sims.authingUrl,
      AUTHING_USERPOOL_ID: sims.credentials.userPoolId,
      AUTHING_ACCESS_KEY_ID: sims.credentials.accessKeyId,
      AUTHING_ACCESS_KEY_SECRET: sims.credentials.accessKeySecret,
      ...extra,
    };
    const base = childEnv({ TEMPORAL_ADDRESS: closedTemporal });
    // This machine's own vendor settings (a *_FILE, say) must not steer the check.
    for (const name of Object.keys(base)) if (/^(WPS|AUTHING)_/.test(name)) delete base[name];
    for (const [name, value] of Object.entries(settings)) if (value !== undefined) base[name] = value;
    return base;
  }

  const USERS = [
    '--wps-user',
    'wps-1',
    '--wps-user',
    'wps-3',
    '--authing-user',
    'au-1',
    '--authing-user',
    'au-3',
  ];

  async function check(
    sims: RunningSimulators,
    extra: Record<string, string | undefined> = {},
    args: string[] = [],
  ): Promise<{ finished: Finished; doc: CheckDocument }> {
    const finished = await runCli(['check', ...USERS, '--json', ...args], env(sims, extra));
    let doc: CheckDocument;
    try {
      doc = JSON.parse(finished.stdout) as CheckDocument;
    } catch {
      throw new Error(
        `not JSON (exit ${String(finished.code)})\nstdout:\n${finished.stdout}\nstderr:\n${finished.stderr}`,
      );
    }
    expectReadOnlyAndQuiet(sims, finished, Object.values(extra));
    return { finished, doc };
  }

  function row(doc: CheckDocument, check: CheckRow['check'], vendor: CheckRow['vendor']): CheckRow {
    const found = doc.checks.find((r) => r.check === check && r.vendor === vendor);
    if (!found) throw new Error(`no ${check}/${vendor} row in ${JSON.stringify(doc.checks, null, 2)}`);
    return found;
  }

  /** Every row of `vendor` passes: the broken side must not drag the other down. */
  function passesFor(doc: CheckDocument, vendor: CheckRow['vendor']): void {
    const rows = doc.checks.filter((r) => r.vendor === vendor);
    expect(rows.map((r) => `${r.check}: ${r.result}`)).toEqual(rows.map((r) => `${r.check}: pass`));
  }

  /** Nothing was disabled or resigned, and no secret or token was printed. */
  function expectReadOnlyAndQuiet(
    sims: RunningSimulators,
    finished: Finished,
    extraSecrets: unknown[],
  ): void {
    expect(sims.wps.calls.filter((c) => c.path.includes('batch_disable'))).toEqual([]);
    expect(sims.authing.calls.filter((c) => c.path.includes('resign'))).toEqual([]);
    expect(sims.authing.resignations).toEqual([]);
    expect([...sims.wps.users.values()]).toEqual(directory.wps.map((u) => u.status));
    const printed = finished.stdout + finished.stderr;
    const secrets = [
      sims.credentials.wpsAppKey,
      sims.credentials.accessKeySecret,
      ...sims.wps.issuedTokens,
      ...sims.authing.issuedTokens,
      ...extraSecrets.filter((s): s is string => typeof s === 'string' && /(key|secret)/i.test(s)),
    ];
    for (const secret of secrets) expect(printed).not.toContain(secret);
  }

  it('passes against healthy simulators: exit 0, a table of passes, one read each, nothing changed', async () => {
    const sims = await simulators();
    const { finished, doc } = await check(sims);
    if (finished.code !== 0) throw new Error(`exit ${String(finished.code)}: ${finished.stdout}`);
    expect(doc.ok).toBe(true);
    expect(doc.readOnly).toBe(true);
    expect(doc.checks.map((r) => `${r.check}/${r.vendor}: ${r.result}`)).toEqual([
      'configuration/all: pass',
      'token/wps: pass',
      'read/wps: pass',
      'answer/wps: pass',
      'clock/wps: pass',
      'token/authing: pass',
      'read/authing: pass',
      'answer/authing: pass',
      'clock/authing: pass',
    ]);
    expect(row(doc, 'answer', 'wps').users).toEqual({ 'wps-1': 'active', 'wps-3': 'disabled' });
    expect(row(doc, 'answer', 'authing').users).toEqual({ 'au-1': 'Activated', 'au-3': 'Resigned' });
    expect(Math.abs(row(doc, 'clock', 'wps').clock?.offsetMs ?? NaN)).toBeLessThan(5_000);
    // One signed read per vendor.
    expect(sims.wps.calls.map((c) => c.path)).toEqual(['/v7/users/batch_read']);
    expect(sims.wps.calls[0]?.signatureValid).toBe(true);
    expect(sims.authing.calls.filter((c) => c.path === '/api/v3/get-user-batch')).toHaveLength(1);

    const human = await runCli(['check', ...USERS], env(sims));
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^check\s+vendor\s+result\s+detail$/m);
    expect(human.stdout).toMatch(/^read\s+wps\s+pass\s+KSO-1 signed batch_read answered/m);
    expect(human.stdout).toContain('all 9 checks passed; nothing was changed (read-only)');
    expectReadOnlyAndQuiet(sims, human, []);
  });

  it('a wrong WPS_APP_KEY fails the WPS token and names WPS_APP_KEY; Authing still passes', async () => {
    const sims = await simulators();
    const wrong = `wps-key-wrong-${Date.now()}`;
    const { finished, doc } = await check(sims, { WPS_APP_KEY: wrong });
    expect(finished.code).toBe(6);
    const token = row(doc, 'token', 'wps');
    expect(token.result).toBe('fail');
    expect(token.fix).toContain('WPS_APP_KEY');
    expect(row(doc, 'read', 'wps').result).toBe('skip');
    passesFor(doc, 'authing');

    const human = await runCli(['check', ...USERS], env(sims, { WPS_APP_KEY: wrong }));
    expect(human.code).toBe(6);
    expect(human.stdout).toMatch(/^token\s+wps\s+FAIL\s+/m);
    expect(human.stdout).toMatch(/^\s+fix: WPS_APP_ID and WPS_APP_KEY/m);
    expect(human.stdout).toMatch(/1 of 9 checks failed/);
    expectReadOnlyAndQuiet(sims, human, [wrong]);
  });

  it('a wrong AUTHING_ACCESS_KEY_SECRET fails the Authing token and names it; WPS still passes', async () => {
    const sims = await simulators();
    const { finished, doc } = await check(sims, {
      AUTHING_ACCESS_KEY_SECRET: `authing-secret-wrong-${Date.now()}`,
    });
    expect(finished.code).toBe(6);
    const token = row(doc, 'token', 'authing');
    expect(token.result).toBe('fail');
    expect(token.fix).toContain('AUTHING_ACCESS_KEY_SECRET');
    passesFor(doc, 'wps');
  });

  it('a WPS clock an hour off fails the signed read and the clock, naming the clock (not the key)', async () => {
    const sims = await simulators({ wps: wpsOptions({ clockOffsetMs: 3_600_000 }) });
    const { finished, doc } = await check(sims);
    expect(finished.code).toBe(6);
    const read = row(doc, 'read', 'wps');
    expect(read.result).toBe('fail');
    expect(read.error?.kind).toBe('signature');
    expect(read.fix).toMatch(/^this machine's clock: this machine is 1 h 0 min behind WPS 365/);
    const clock = row(doc, 'clock', 'wps');
    expect(clock.result).toBe('fail');
    expect(clock.fix).toContain("this machine's clock");
    expect(clock.clock?.offsetMs).toBeGreaterThan(3_590_000);
    expect(clock.clock?.offsetMs).toBeLessThan(3_610_000);
    passesFor(doc, 'authing');
  });

  it('an Authing clock an hour off fails the Authing clock check only', async () => {
    const sims = await simulators({ authing: authingOptions({ clockOffsetMs: -3_600_000 }) });
    const { finished, doc } = await check(sims);
    expect(finished.code).toBe(6);
    const clock = row(doc, 'clock', 'authing');
    expect(clock.result).toBe('fail');
    expect(clock.detail).toContain('this machine is 1 h 0 min ahead of Authing');
    expect(clock.fix).toContain("this machine's clock");
    // WPS agrees with this machine: the fix says the vendor's clock may be the one off.
    expect(clock.fix).toContain('WPS 365 agrees with this machine');
    for (const check of ['token', 'read', 'answer'] as const)
      expect(row(doc, check, 'authing').result).toBe('pass');
    passesFor(doc, 'wps');
  });

  it('a WPS app without the contacts scope fails the read, naming the permission scope', async () => {
    const sims = await simulators({ wps: wpsOptions({ grantedScopes: [] }) });
    const { finished, doc } = await check(sims);
    expect(finished.code).toBe(6);
    expect(row(doc, 'token', 'wps').result).toBe('pass');
    const read = row(doc, 'read', 'wps');
    expect(read.result).toBe('fail');
    expect(read.fix).toMatch(/^permission: grant the WPS app the scope kso\.contact\.readwrite/);
    passesFor(doc, 'authing');
  });

  it('a wrong AUTHING_USERPOOL_ID fails the Authing read, naming it', async () => {
    const sims = await simulators();
    const { finished, doc } = await check(sims, { AUTHING_USERPOOL_ID: 'another-pool' });
    expect(finished.code).toBe(6);
    expect(row(doc, 'token', 'authing').result).toBe('pass');
    expect(row(doc, 'read', 'authing').fix).toMatch(/^AUTHING_USERPOOL_ID: /);
    passesFor(doc, 'wps');
  });

  it('a renamed WPS field (items[].user_id) fails the answer against its contract; the read itself passed', async () => {
    const sims = await simulators({ wps: wpsOptions({ itemIdField: 'user_id' }) });
    const { finished, doc } = await check(sims);
    expect(finished.code).toBe(6);
    expect(row(doc, 'read', 'wps').result).toBe('pass');
    const answer = row(doc, 'answer', 'wps');
    expect(answer.result).toBe('fail');
    expect(answer.error?.kind).toBe('protocol');
    expect(answer.error?.field).toMatch(/^data\.items\[0\]/);
    expect(answer.detail).toContain('breaks its contract');
    expect(answer.fix).toContain('WPS_BASE_URL');
    expect(answer.fix).toContain('the vendor changed its answers');
    passesFor(doc, 'authing');
  });

  it('a renamed Authing field (id for userId) fails the Authing answer against its contract', async () => {
    const sims = await simulators({ authing: authingOptions({ recordIdField: 'id' }) });
    const { finished, doc } = await check(sims);
    expect(finished.code).toBe(6);
    expect(row(doc, 'read', 'authing').result).toBe('pass');
    const answer = row(doc, 'answer', 'authing');
    expect(answer.result).toBe('fail');
    expect(answer.error?.kind).toBe('protocol');
    expect(answer.fix).toContain('AUTHING_BASE_URL');
    passesFor(doc, 'wps');
  });

  it('a WPS gateway prefix: WPS_BASE_URL without it fails naming WPS_BASE_URL; with it, every check passes', async () => {
    const sims = await simulators({ wps: wpsOptions({ basePath: '/openapi' }) });
    const without = await check(sims);
    expect(without.finished.code).toBe(6);
    const failedWps = without.doc.checks.filter((r) => r.vendor === 'wps' && r.result === 'fail');
    expect(failedWps.length).toBeGreaterThan(0);
    expect(failedWps[0]?.fix).toMatch(/^WPS_BASE_URL: /);
    passesFor(without.doc, 'authing');

    const withPrefix = await check(sims, { WPS_BASE_URL: `${sims.wpsUrl}/openapi` });
    expect(withPrefix.doc.checks.filter((r) => r.result !== 'pass')).toEqual([]);
    expect(withPrefix.finished.code).toBe(0);
  });

  it('a WPS host that does not answer fails the token naming WPS_BASE_URL; the clock is skipped', async () => {
    const sims = await simulators();
    const { finished, doc } = await check(sims, { WPS_BASE_URL: `http://127.0.0.1:${await freePort()}` });
    expect(finished.code).toBe(6);
    const token = row(doc, 'token', 'wps');
    expect(token.fix).toMatch(/^WPS_BASE_URL: nothing answered at/);
    expect(row(doc, 'clock', 'wps').result).toBe('skip');
    passesFor(doc, 'authing');
  });

  it('a missing variable fails the configuration, naming it, and skips the rest', async () => {
    const sims = await simulators();
    const { finished, doc } = await check(sims, { WPS_APP_ID: undefined });
    expect(finished.code).toBe(6);
    const configuration = row(doc, 'configuration', 'all');
    expect(configuration.result).toBe('fail');
    expect(configuration.fix).toContain('WPS_APP_ID');
    expect(doc.checks.filter((r) => r.result === 'pass')).toEqual([]);
    expect(sims.wps.calls).toEqual([]);
    expect(sims.authing.calls).toEqual([]);
  });
});

describe('offboard check: usage (in process, nothing sent)', () => {
  async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    stderr.on('data', (d: Buffer) => (err += d.toString()));
    // Base URLs nothing listens on: a usage error must be found before anything is sent.
    const env = {
      WPS_BASE_URL: 'http://127.0.0.1:9',
      WPS_APP_ID: 'app',
      WPS_APP_KEY: 'k',
      AUTHING_BASE_URL: 'http://127.0.0.1:9',
      AUTHING_USERPOOL_ID: 'p',
      AUTHING_ACCESS_KEY_ID: 'p',
      AUTHING_ACCESS_KEY_SECRET: 's',
    };
    const code = await runCliInProcess(argv, { streams: { stdout, stderr }, env });
    return { code, stdout: out, stderr: err };
  }

  it.each([
    [['check', '--authing-user', 'au-1'], 'check needs --wps-user ID'],
    [['check', '--wps-user', 'wps-1'], 'check needs --authing-user ID'],
    [
      ['check', '--wps-user', 'a', '--authing-user', 'b', '--authing-user-id-type', 'custom_field'],
      '--authing-user-id-type must be one of user_id, external_id',
    ],
    [['check', '--wps-user', 'a b', '--authing-user', 'b'], '--wps-user "a b": must not contain whitespace'],
    [['check', '--wps-user', 'a', '--wps-user', 'a', '--authing-user', 'b'], '--wps-user "a": duplicates'],
    [['check', '--wps-user', 'a', '--authing-user', 'b,c'], '--authing-user "b,c": must not contain a comma'],
    [['check', 'extra', '--wps-user', 'a', '--authing-user', 'b'], 'check: unexpected argument extra'],
  ])('refuses %j with exit 2', async (argv, message) => {
    const { code, stderr } = await cli(argv);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('has --help with its flags and exit codes, and is in the overview', async () => {
    const help = await cli(['check', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: offboard check --wps-user ID --authing-user ID');
    expect(help.stdout).toContain('6 a check failed');
    const overview = await cli(['--help']);
    expect(overview.stdout).toMatch(/^ {2}check {9}read-only preflight/m);
    expect(overview.stdout).toMatch(/^ {2}6 {3}check: a check failed/m);
  });
});
