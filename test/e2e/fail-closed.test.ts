import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDirectory } from '../../simulators/directory';
import { buildDist, childEnv, runCli } from '../support/compiled';
import { startWorkflowHarness, type WorkflowHarness } from '../support/harness';
import { leaversOf } from '../support/leavers';
import type { Finished } from '../support/processes';

/**
 * The issue's acceptance runs, as an operator makes them (`offboard start --wait`, a real process)
 * against a vendor whose answers we would misread: 1,000 leavers, two chunks' worth of batches, and
 * the run must not end green while access stays in place.
 */
describe('fail closed against a misread vendor (CLI, dev server, worker, simulators)', () => {
  let harness: WorkflowHarness;
  let dir: string;

  beforeAll(async () => {
    buildDist();
    harness = await startWorkflowHarness(generateDirectory(2_200, 0), 'fail-closed');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offboard-fail-closed-'));
  }, 170_000);
  afterAll(async () => {
    await harness?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => harness.sims.wps.configure({ itemIdField: 'id', disableNoop: false }));

  const offboard = (...args: string[]): Promise<Finished> =>
    runCli(
      args,
      childEnv({
        TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS ?? '',
        TEMPORAL_NAMESPACE: 'default',
        OFFBOARDING_TASK_QUEUE: harness.taskQueue,
        // The harness's worker runs without encryption: say so, or the CLI refuses to start.
        OFFBOARD_PLAINTEXT_PAYLOADS: '1',
      }),
    );
  const requestFile = (from: number, count: number): { file: string; requestId: string } => {
    const requestId = `fail-closed-${randomUUID()}`;
    const file = path.join(dir, `${requestId}.json`);
    fs.writeFileSync(file, JSON.stringify({ requestId, leavers: leaversOf(from, count) }));
    return { file, requestId };
  };
  const wpsTouched = (from: number, count: number): number =>
    leaversOf(from, count).filter((l) => harness.sims.wps.users.get(l.wpsUserId ?? '') !== 'active').length;
  const disables = () => harness.sims.wps.calls.filter((c) => c.path === '/v7/users/batch_disable');
  /** Waits until the run waits for an operator (its leavers' access not all cut). */
  const untilAttention = async (requestId: string): Promise<void> => {
    const until = Date.now() + 240_000;
    for (;;) {
      const status = await offboard('status', requestId, '--json');
      const progress = (JSON.parse(status.stdout || '{}') as { progress?: { phase?: string } }).progress;
      if (progress?.phase === 'needs_attention') return;
      if (Date.now() > until) throw new Error(`${requestId} did not wait for attention: ${status.stdout}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  };
  /** Not green: the run waits, and once cancelled its report shows every failure (exit 7). */
  const cancelled = async (requestId: string) => {
    await untilAttention(requestId);
    expect((await offboard('cancel', requestId, '--reason', 'test over')).code).toBe(0);
    return offboard('result', requestId, '--wait');
  };

  it('batch_read items naming the id field differently: a VendorProtocolError, no WPS user touched, exit non-zero', async () => {
    harness.sims.wps.configure({ itemIdField: 'user_id' });
    const before = disables().length;
    const { file, requestId } = requestFile(1, 1_000);
    expect((await offboard('start', file, '--approval-threshold', '2000')).code).toBe(0);
    const run = await cancelled(requestId);

    expect(run.code).toBe(7);
    expect(disables().length - before).toBe(0);
    expect(wpsTouched(1, 1_000)).toBe(0);
    // Nobody reads it as done: every WPS leaver failed, none not_found.
    expect(run.stdout).toMatch(/cancelled \(1000 leavers, 1000 failed\)/);
    expect(run.stdout).toMatch(/WPS 365: failed 1000/);
    expect(run.stdout).not.toMatch(/not_found/);
    const result = await offboard('result', requestId, '--json');
    expect(result.stdout).toContain('VendorProtocolError');
  }, 300_000);

  it('a batch_disable that is accepted and changes nothing: one WPS user touched, Authing resigns everyone, not green (two chunks)', async () => {
    harness.sims.wps.configure({ disableNoop: true });
    const before = disables().length;
    const { file, requestId } = requestFile(1_001, 1_200);
    expect((await offboard('start', file, '--approval-threshold', '2000')).code).toBe(0);
    const run = await cancelled(requestId);

    expect(run.code).toBe(7);
    const sent = disables().slice(before);
    expect(sent.map((c) => c.userIds.length)).toEqual([1]);
    expect(run.stdout).toMatch(/cancelled \(1200 leavers, 1200 failed\)/);
    expect(run.stdout).toMatch(/Authing: done 1200/);
    for (const l of leaversOf(1_001, 1_200)) {
      expect(harness.sims.authing.users.get(l.authingUserId ?? '')?.status).toBe('Resigned');
    }
  }, 300_000);
});
