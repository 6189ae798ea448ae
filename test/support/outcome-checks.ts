import type { AuthingStatus } from '../../simulators/authing/server';
import type { WpsStatus } from '../../simulators/wps/server';
import {
  emptyCounts,
  SYSTEMS,
  type LeaverOutcome,
  type OutcomeCounts,
  type OutcomeStatus,
  type System,
} from '../../workflows/outcome';
import type { Leaver } from '../../workflows/request';
import type { CompleteResult } from '../../workflows/result';
import type { RunningSimulators } from './simulators';

/**
 * The resilience tests' verdict on a run: each leaver's recorded outcome against what the simulators
 * hold and what they were asked to do. Returned as a list of readable problems (empty: all good), so
 * that a failure names the leavers that went wrong instead of stopping at the first of 2,000 expects.
 */

/** Every user's status in both simulators at one moment (take one before the run). */
export interface DirectorySnapshot {
  wps: Map<string, WpsStatus>;
  authing: Map<string, AuthingStatus>;
}

export function snapshotDirectories(sims: RunningSimulators): DirectorySnapshot {
  return {
    wps: new Map(sims.wps.users),
    authing: new Map([...sims.authing.users].map(([id, user]) => [id, user.status] as const)),
  };
}

/** Ids each simulator carried an action out for (a batch_disable answered 200; a resignation). */
export function actedIds(sims: RunningSimulators): Record<System, Set<string>> {
  const wps = new Set<string>();
  for (const call of sims.wps.calls) {
    if (call.path === '/v7/users/batch_disable' && call.status === 200)
      for (const id of call.userIds) wps.add(id);
  }
  return { wps, authing: new Set(sims.authing.resignations.map((r) => r.userId)) };
}

export interface CheckOptions {
  /**
   * A worker died during the run: an attempt that acted may have died before its checkpoint
   * reached the server, so its retry finds the user already so and says `already`. Allowed then.
   */
  afterCrash?: boolean;
}

const TARGET: Record<System, string> = { wps: 'disabled', authing: 'Resigned' };
const ID_FIELD = { wps: 'wpsUserId', authing: 'authingUserId' } as const;
const MAX_LISTED = 25;

function currentStatus(sims: RunningSimulators, system: System, id: string): string | undefined {
  return system === 'wps' ? sims.wps.users.get(id) : sims.authing.users.get(id)?.status;
}

/**
 * Problems with the outcomes of `leavers` (in request order): exactly one outcome per leaver, and per
 * system the outcome the directories call for. A user who was there and not yet so must be so now
 * and acted on (`done`); one already so must be `already` and left alone; one not there `not_found`.
 */
export function outcomeProblems(
  leavers: readonly Leaver[],
  outcomes: readonly LeaverOutcome[],
  sims: RunningSimulators,
  before: DirectorySnapshot,
  options: CheckOptions = {},
): string[] {
  const problems: string[] = [];
  if (outcomes.length !== leavers.length) {
    problems.push(`${outcomes.length} outcomes for ${leavers.length} leavers`);
  }
  const acted = actedIds(sims);
  leavers.forEach((leaver, i) => {
    const outcome = outcomes[i];
    if (!outcome) return;
    for (const field of ['employeeId', 'wpsUserId', 'authingUserId'] as const) {
      if (outcome[field] !== leaver[field])
        problems.push(
          `leavers[${i}]: outcome is for ${field} ${String(outcome[field])}, not ${String(leaver[field])}`,
        );
    }
    for (const system of SYSTEMS) {
      const id = leaver[ID_FIELD[system]];
      const got = outcome[system].status;
      const where = `leavers[${i}] ${system} ${String(id)}`;
      if (id === undefined) {
        if (got !== 'skipped') problems.push(`${where}: no id, yet outcome ${got}`);
        continue;
      }
      const was = system === 'wps' ? before.wps.get(id) : before.authing.get(id);
      const now = currentStatus(sims, system, id);
      const didAct = acted[system].has(id);
      const state = `(was ${String(was)}, now ${String(now)}, ${didAct ? 'acted on' : 'never acted on'})`;
      let allowed: OutcomeStatus[];
      if (was === undefined) {
        allowed = ['not_found'];
        if (didAct) problems.push(`${where}: not in the directory, yet acted on`);
      } else if (was === TARGET[system]) {
        allowed = ['already'];
        if (didAct) problems.push(`${where}: already ${TARGET[system]}, yet acted on again`);
      } else {
        allowed = options.afterCrash ? ['done', 'already'] : ['done'];
        if (now !== TARGET[system] || !didAct) problems.push(`${where}: skipped by the vendor ${state}`);
      }
      if (!allowed.includes(got))
        problems.push(`${where}: outcome ${got}, wanted ${allowed.join(' or ')} ${state}`);
    }
  });
  return problems.length > MAX_LISTED
    ? [...problems.slice(0, MAX_LISTED), `... and ${problems.length - MAX_LISTED} more`]
    : problems;
}

/** The counts the outcomes add up to, per system. */
export function countOutcomes(outcomes: readonly LeaverOutcome[]): Record<System, OutcomeCounts> {
  const counts = { wps: emptyCounts(), authing: emptyCounts() };
  for (const outcome of outcomes) for (const system of SYSTEMS) counts[system][outcome[system].status] += 1;
  return counts;
}

/**
 * The verdict shared by the crash and restart tests: every leaver offboarded in both systems, once,
 * as the directories say; `already` is allowed for a user whose acting attempt died before reporting.
 */
export function expectEveryLeaverOffboardedAfterCrash(
  leavers: readonly Leaver[],
  result: CompleteResult,
  sims: RunningSimulators,
  before: DirectorySnapshot,
): void {
  expect(outcomeProblems(leavers, result.outcomes, sims, before, { afterCrash: true })).toEqual([]);
  const counts = countOutcomes(result.outcomes);
  expect(counts.wps.done + counts.wps.already).toBe(leavers.length);
  expect(counts.authing.done + counts.authing.already).toBe(leavers.length);
  expect(result.totals).toEqual(counts);
  expect(result.failedLeavers).toBe(0);
}
