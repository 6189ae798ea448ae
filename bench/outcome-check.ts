import type { CompleteResult } from '../workflows/result';
import type { SimProcess } from './sim-process';

/**
 * Whether every leaver's recorded outcome is right, against the simulators' directories: each must
 * be `done` or `already` in both systems (the bench's leavers all exist), and the directory must
 * agree (disabled in WPS 365, resigned in Authing). A leaver the vendors were told to refuse
 * (`refused`, an employee id) is left out: no outcome of it can be `done`.
 */
export interface OutcomeCheck {
  leavers: number;
  correct: number;
  /** A few of the wrong ones, for the report. */
  examples: string[];
}

const GOOD = new Set(['done', 'already']);

export async function checkOutcomes(
  sims: SimProcess,
  complete: CompleteResult,
  refused?: string,
): Promise<OutcomeCheck> {
  const outcomes = complete.outcomes.filter((o) => refused === undefined || o.employeeId !== refused);
  const result = {
    leavers: complete.leavers - (outcomes.length < complete.outcomes.length ? 1 : 0),
    outcomes,
  };
  const wpsIds = result.outcomes.flatMap((o) => (o.wpsUserId === undefined ? [] : [o.wpsUserId]));
  const authingIds = result.outcomes.flatMap((o) => (o.authingUserId === undefined ? [] : [o.authingUserId]));
  const directory = await sims.check(wpsIds, authingIds);
  const wpsWrong = new Set(directory.wpsNotDisabled);
  const authingWrong = new Set(directory.authingNotResigned);
  let correct = 0;
  const examples: string[] = [];
  for (const o of result.outcomes) {
    const problems: string[] = [];
    if (!GOOD.has(o.wps.status)) problems.push(`WPS ${o.wps.status}${o.wps.code ? ` (${o.wps.code})` : ''}`);
    if (o.wpsUserId !== undefined && wpsWrong.has(o.wpsUserId)) problems.push('WPS directory not disabled');
    if (!GOOD.has(o.authing.status))
      problems.push(`Authing ${o.authing.status}${o.authing.code ? ` (${o.authing.code})` : ''}`);
    if (o.authingUserId !== undefined && authingWrong.has(o.authingUserId))
      problems.push('Authing directory not resigned');
    if (problems.length === 0) correct += 1;
    else if (examples.length < 5) examples.push(`${o.employeeId ?? '?'}: ${problems.join(', ')}`);
  }
  // A leaver missing from the result is wrong too.
  const leavers = Math.max(result.leavers, result.outcomes.length);
  return { leavers, correct, examples };
}
