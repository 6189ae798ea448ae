import { randomUUID } from 'node:crypto';
import { completeResult, startOffboarding } from '../../client/offboarding';
import { generateDirectory } from '../../simulators/directory';
import type { FaultSettings } from '../../simulators/faults';
import { progressQuery } from '../../workflows/messages';
import type { RunOptions } from '../../workflows/options';
import type { CompleteResult } from '../../workflows/result';
import type { Leaver } from '../../workflows/request';
import { startStormHarness, type StormHarness } from '../support/fault-storm';
import { leaversOf } from '../support/leavers';
import { countOutcomes, outcomeProblems, snapshotDirectories } from '../support/outcome-checks';
import { sleep, waitUntil, within } from '../support/wait';

/** People in the simulators' directories; every 10th is already disabled in WPS and resigned in Authing. */
const DIRECTORY = 1000;
const ALREADY_EVERY = 10;
/** The vendor clients give up on an unanswered request after this long (the product default is 15 s). */
const HTTP_TIMEOUT_MS = 3000;
/** Batches of 10: a few hundred leavers then make a hundred or more vendor calls for a storm to hit. */
const STORM_RUN: RunOptions = { batchSize: 10 };

/**
 * Fault storms from the simulators, each over its own few hundred leavers: 30% 5xx; 429s with
 * Retry-After; hangs that only the HTTP client's timeout ends; tokens revoked mid-run; a vendor
 * down for a minute, then back. In every storm nothing is lost: each leaver has exactly one
 * outcome, and the outcomes match the simulators' directories exactly (disabled in WPS, resigned in
 * Authing, once; `already` for those who were so before; nobody failed or skipped).
 */
describe('fault storms from the vendor simulators', () => {
  let harness: StormHarness;

  beforeAll(async () => {
    harness = await startStormHarness(generateDirectory(DIRECTORY, ALREADY_EVERY), {
      httpTimeoutMs: HTTP_TIMEOUT_MS,
      queuePrefix: 'fault-storm',
    });
  });
  const handles: Array<{ terminate(reason: string): Promise<unknown> }> = [];
  afterAll(async () => {
    // A run a failed test left behind would keep polling while the connection closes.
    await Promise.all(handles.map((h) => h.terminate('fault-storm test file done').catch(() => undefined)));
    await harness?.stop();
  }, 60_000);
  afterEach(() => harness.calm());

  const storm = (faults: Partial<FaultSettings>, seed: number): void => {
    harness.sims.wps.configure({ faults: { ...faults, seed } });
    harness.sims.authing.configure({ faults: { ...faults, seed: seed + 1 } });
  };

  async function start(leavers: Leaver[], runOptions: RunOptions = {}) {
    const before = snapshotDirectories(harness.sims);
    const calls = { wps: harness.sims.wps.calls.length, authing: harness.sims.authing.calls.length };
    const run = await startOffboarding(
      harness.env.client,
      { requestId: `storm-${randomUUID()}`, leavers },
      { taskQueue: harness.taskQueue, namespace: 'default', runOptions },
    );
    handles.push(run.handle);
    return { run, before, calls };
  }

  /** The run's result, checked against the directories: every leaver offboarded, exactly once. */
  async function expectEveryoneOffboarded(
    leavers: Leaver[],
    started: Awaited<ReturnType<typeof start>>,
    timeoutMs: number,
  ): Promise<CompleteResult> {
    const { sims } = harness;
    const summary = await within(started.run.handle.result(), timeoutMs, 'the run to finish in the storm');
    const result = await completeResult(harness.env.client, summary);
    expect(outcomeProblems(leavers, result.outcomes, sims, started.before)).toEqual([]);
    expect(result.status).toBe('completed');
    expect(result.failedLeavers).toBe(0);
    // Those who were gone before the run: `already`, and not acted on again.
    const already = leavers.filter((l) => started.before.wps.get(l.wpsUserId ?? '') === 'disabled');
    expect(already.length).toBe(Math.floor(leavers.length / ALREADY_EVERY));
    const counts = countOutcomes(result.outcomes);
    expect(result.totals).toEqual(counts);
    expect(counts.wps).toEqual({
      done: leavers.length - already.length,
      already: already.length,
      not_found: 0,
      failed: 0,
      skipped: 0,
    });
    expect(counts.authing).toEqual(counts.wps);
    for (const leaver of leavers) {
      // In the directories: every WPS leaver disabled, every Authing leaver resigned...
      expect(sims.wps.users.get(leaver.wpsUserId ?? '')).toBe('disabled');
      expect(sims.authing.users.get(leaver.authingUserId ?? '')?.status).toBe('Resigned');
    }
    // ...and resigned once: no retry resigned anyone a second time, and nobody outside the request.
    const ids = new Set(leavers.map((l) => l.authingUserId));
    const wasActive = new Set(leavers.filter((l) => !already.includes(l)).map((l) => l.authingUserId));
    const resignedNow = new Map<string, number>();
    for (const r of sims.authing.resignations) {
      if (ids.has(r.userId)) resignedNow.set(r.userId, (resignedNow.get(r.userId) ?? 0) + 1);
    }
    expect([...resignedNow.keys()].sort()).toEqual([...wasActive].sort());
    expect([...resignedNow.values()].every((n) => n === 1)).toBe(true);
    return result;
  }

  it('30% of calls answered 503 by both vendors: retried until everyone is done', async () => {
    const leavers = leaversOf(1, 200);
    const faultsBefore = { ...harness.sims.wps.faults.counts };
    // Every attempt needs its read, action and read-back answered (0.7³: about 1 in 3), and backs off
    // exponentially up to a minute; with many calls side by side, some lane's tail would decide the
    // run's length. Concurrency 1 makes one call at a time (the faults are seeded, and the calls
    // come nearly in one order), so the storm stays close to the one this seed was chosen for; the
    // clients' own retries and the re-read rounds absorb most of it (a run takes a second or two).
    storm({ serverErrorRate: 0.3 }, 98);
    const started = await start(leavers, { concurrency: 1 });
    await expectEveryoneOffboarded(leavers, started, 150_000);
    expect(harness.sims.wps.faults.counts.serverErrors).toBeGreaterThan(faultsBefore.serverErrors);
    expect(
      harness.sims.wps.calls.slice(started.calls.wps).filter((c) => c.status === 503).length,
    ).toBeGreaterThanOrEqual(6);
    expect(
      harness.sims.authing.calls.slice(started.calls.authing).filter((c) => c.httpStatus === 503).length,
    ).toBeGreaterThanOrEqual(6);
  }, 170_000);

  it('429 with Retry-After from both vendors, and a rate limit on WPS: retried after the wait, everyone done', async () => {
    const leavers = leaversOf(201, 200);
    storm({ throttleRate: 0.3, retryAfterSeconds: 2 }, 202);
    harness.sims.wps.configure({ faults: { rateLimitPerSecond: 15 } });
    const started = await start(leavers, STORM_RUN);
    await expectEveryoneOffboarded(leavers, started, 150_000);
    const wpsCalls = harness.sims.wps.calls.slice(started.calls.wps);
    const authingCalls = harness.sims.authing.calls.slice(started.calls.authing);
    expect(wpsCalls.filter((c) => c.status === 429).length).toBeGreaterThan(5);
    expect(authingCalls.filter((c) => c.httpStatus === 429).length).toBeGreaterThan(5);
  }, 170_000);

  it('calls that hang forever: the HTTP client cuts each, the attempt is retried, everyone done', async () => {
    const leavers = leaversOf(401, 150);
    const hungBefore = harness.sims.wps.faults.counts.hung + harness.sims.authing.faults.counts.hung;
    storm({ hangRate: 0.15 }, 303);
    // Which calls the seeded shares hit depends on the order the lanes' calls arrive in; the first
    // batch_disable is made to hang as well, so that a hung action is always among them.
    const faults = harness.sims.wps.faults;
    const drawn = faults.before.bind(faults);
    let disableHung = false;
    faults.before = async (call) => {
      const fault = await drawn(call);
      if (disableHung || call?.path !== '/v7/users/batch_disable' || fault) return fault;
      disableHung = true;
      faults.counts.hung += 1;
      return { kind: 'hang' };
    };
    try {
      const started = await start(leavers, STORM_RUN);
      await expectEveryoneOffboarded(leavers, started, 160_000);
      const hung = harness.sims.wps.faults.counts.hung + harness.sims.authing.faults.counts.hung - hungBefore;
      // More hangs than the run's call slots (4): a run that waited for a hang to end by itself would
      // never finish.
      expect(hung).toBeGreaterThan(4);
      // Made so above; the check is that the simulator recorded it as a hang (no answer).
      expect(
        harness.sims.wps.calls
          .slice(started.calls.wps)
          .some((c) => c.fault === 'hang' && c.path === '/v7/users/batch_disable'),
      ).toBe(true);
    } finally {
      faults.before = drawn;
    }
  }, 175_000);

  it('tokens revoked by both vendors in the middle of the run: new tokens fetched, everyone done', async () => {
    const { sims } = harness;
    const leavers = leaversOf(551, 200);
    storm({ latencyMs: 40 }, 404);
    const tokens = { wps: sims.wps.issuedTokens.length, authing: sims.authing.issuedTokens.length };
    const started = await start(leavers, { batchSize: 25, concurrency: 2 });
    const disabled = (): number =>
      leavers.filter((l) => sims.wps.users.get(l.wpsUserId ?? '') === 'disabled').length;
    const resigned = (): number =>
      leavers.filter((l) => sims.authing.users.get(l.authingUserId ?? '')?.status === 'Resigned').length;
    const initiallyResigned = resigned();
    // Each vendor's tokens revoked while the run still had work to do in that system. (WPS may be
    // done by the time Authing's are: the lanes run the next batch's WPS step beside this batch's
    // Authing step.)
    await waitUntil(() => disabled() >= 70, 'a third of the leavers disabled', 90_000, 10);
    sims.wps.revokeTokens();
    expect(disabled()).toBeLessThan(leavers.length);
    await waitUntil(() => resigned() >= initiallyResigned + 50, 'fifty leavers resigned', 90_000, 10);
    sims.authing.revokeTokens();
    expect(resigned()).toBeLessThan(leavers.length);
    await expectEveryoneOffboarded(leavers, started, 150_000);
    // Each vendor refused the old token at least once, and the worker fetched a new one.
    expect(sims.wps.calls.slice(started.calls.wps).some((c) => c.status === 401)).toBe(true);
    expect(sims.authing.calls.slice(started.calls.authing).some((c) => c.authorization === 'invalid')).toBe(
      true,
    );
    expect(sims.wps.issuedTokens.length).toBeGreaterThan(tokens.wps);
    expect(sims.authing.issuedTokens.length).toBeGreaterThan(tokens.authing);
  }, 175_000);

  it('Authing down for a minute, then back: WPS goes on, Authing is retried and everyone is resigned', async () => {
    const { sims } = harness;
    const leavers = leaversOf(751, 200);
    sims.authing.configure({ faults: { down: true } });
    const resignationsBefore = sims.authing.resignations.length;
    const started = await start(leavers);
    const downSince = Date.now();
    // WPS is not held up by the outage.
    await waitUntil(
      () => leavers.every((l) => sims.wps.users.get(l.wpsUserId ?? '') === 'disabled'),
      'every leaver disabled in WPS while Authing is down',
      50_000,
      100,
    );
    await sleep(Math.max(0, 60_000 - (Date.now() - downSince)));
    expect(sims.authing.resignations.length).toBe(resignationsBefore);
    expect(
      sims.authing.calls.slice(started.calls.authing).filter((c) => c.httpStatus === 503).length,
    ).toBeGreaterThan(4);
    const progress = await started.run.handle.query(progressQuery);
    expect(progress.phase).toBe('running');
    sims.authing.configure({ faults: { down: false } });
    await expectEveryoneOffboarded(leavers, started, 110_000);
  }, 200_000);
});
