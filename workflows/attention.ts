import { condition } from '@temporalio/workflow';
import { newRunState, runBatches, setGate, type BatchRunSettings, type BatchRunState } from './batch-runner';
import type { Waiver } from './messages';
import { isFailure, isOpen, SYSTEMS, type LeaverOutcome, type System } from './outcome';
import { planBatches } from './plan';
import type { Leaver } from './request';

/**
 * What a run does once its batches are done and some leavers' access is not cut: it does not end.
 * It waits in `needs_attention` for an operator (`retry` after a fix, `waive`, `cancel`), and tries
 * the transient failures again on its own on a durable backoff (a vendor back after an outage),
 * until its deadline. Shared by the whole-request run and the chunk runs of a large request.
 */

/** The first automatic retry comes this long after the run starts waiting; each next one twice as late. */
const FIRST_RETRY_MS = 60_000;
const MAX_RETRY_MS = 60 * 60_000;

export interface AttentionControl {
  /** Epoch ms after which the run stops retrying and ends with what remains. */
  deadlineMs: number;
  batchSize: number;
  isCancelled: () => boolean;
  /** How many `retry`s operators have asked for: a new one retries every failure now. */
  retries: () => number;
  /** An operator's waiver, taken (once) while the run waits. */
  takeWaiver: () => Waiver | undefined;
  /** The run waits: `remaining` leavers, the next automatic retry at `nextRetryMs`, if any. */
  onWaiting: (remaining: number, nextRetryMs: number | undefined) => void;
  /**
   * A retry pass of `batches` batches starts: asked by an operator, or automatic (the run then
   * still waits for an operator: its phase and a waiver stay open).
   */
  onRetrying: (batches: number, byOperator: boolean) => void;
}

/** Waits on and retries the run's open failures; returns the waiver applied, if any. */
export async function attend(
  state: BatchRunState,
  settings: BatchRunSettings,
  control: AttentionControl,
): Promise<Waiver | undefined> {
  let backoffMs = FIRST_RETRY_MS;
  let seen = control.retries();
  let waiver: Waiver | undefined;
  for (;;) {
    const open = state.outcomes.filter(isFailure);
    if (open.length === 0 || control.isCancelled()) return undefined;
    const now = Date.now();
    if (now >= control.deadlineMs) return undefined;
    const transient = open.some((o) => SYSTEMS.some((s) => isOpen(o[s]) && o[s].transient === true));
    const nextRetryMs = transient ? Math.min(now + backoffMs, control.deadlineMs) : undefined;
    control.onWaiting(open.length, nextRetryMs);
    const asked = await condition(
      () => {
        waiver ??= control.takeWaiver();
        return control.isCancelled() || control.retries() !== seen || waiver !== undefined;
      },
      (nextRetryMs ?? control.deadlineMs) - now,
    );
    // A cancel wins over anything else; a waiver that came with the timer's firing is still the
    // operator's word, so it is looked for once more.
    if (control.isCancelled()) return undefined;
    waiver ??= control.takeWaiver();
    if (waiver) return { ...waiver, leavers: waive(state) };
    let onlyTransient = true;
    if (asked) {
      seen = control.retries();
      backoffMs = FIRST_RETRY_MS;
      onlyTransient = false;
    } else if (Date.now() >= control.deadlineMs) {
      return undefined;
    } else {
      backoffMs = Math.min(backoffMs * 2, MAX_RETRY_MS);
    }
    await retryOpen(state, settings, control, onlyTransient);
  }
}

/** Runs the open failures (only the transient ones, or all) again, each leaver in the systems that failed. */
async function retryOpen(
  state: BatchRunState,
  settings: BatchRunSettings,
  control: AttentionControl,
  onlyTransient: boolean,
): Promise<void> {
  const again: Leaver[] = [];
  const at: number[] = [];
  const retried = (o: LeaverOutcome, s: System): boolean =>
    isOpen(o[s]) && (!onlyTransient || o[s].transient === true);
  state.outcomes.forEach((o, i) => {
    const wps = retried(o, 'wps') ? o.wpsUserId : undefined;
    const authing = retried(o, 'authing') ? o.authingUserId : undefined;
    if (wps === undefined && authing === undefined) return;
    again.push({
      ...(o.employeeId !== undefined ? { employeeId: o.employeeId } : {}),
      ...(wps !== undefined ? { wpsUserId: wps } : {}),
      ...(authing !== undefined ? { authingUserId: authing } : {}),
    });
    at.push(i);
  });
  if (again.length === 0) return;
  // A system the canary stopped (or whose first batch failed) is probed again with one user first.
  for (const system of SYSTEMS) {
    const key = system === 'wps' ? 'wpsUserId' : 'authingUserId';
    if (settings.gates[system].state === 'stopped' && again.some((l) => l[key] !== undefined))
      setGate(settings.gates[system], { state: 'unproven' });
  }
  const batches = planBatches(again, control.batchSize);
  control.onRetrying(batches.length, !onlyTransient);
  const pass = newRunState(again);
  const offset = settings.batchesTotal;
  settings.batchesTotal += batches.length;
  await runBatches(batches, pass, { ...settings, batchOffset: offset });
  pass.outcomes.forEach((outcome, j) => {
    const target = state.outcomes[at[j] ?? -1];
    if (!target) return;
    for (const system of SYSTEMS) {
      const key = system === 'wps' ? 'wpsUserId' : 'authingUserId';
      // Not retried, or not reached (cancelled first): the earlier failure stands.
      if (outcome[key] === undefined || outcome[system].status === 'skipped') continue;
      state.counts[system][target[system].status] -= 1;
      state.counts[system][outcome[system].status] += 1;
      target[system] = outcome[system];
    }
  });
  state.batchesDone += pass.batchesDone;
  state.failedLeavers = state.outcomes.filter(isFailure).length;
}

/** Marks every open failure waived (still `failed` in the counts); returns the leavers waived. */
function waive(state: BatchRunState): number {
  const open = state.outcomes.filter(isFailure);
  for (const outcome of open) {
    for (const system of SYSTEMS)
      if (isOpen(outcome[system])) outcome[system] = { ...outcome[system], waived: true };
  }
  state.failedLeavers = 0;
  return open.length;
}
