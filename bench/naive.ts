import type { OffboardingRequest } from '../workflows/request';
import { scriptClients, type SequentialTarget } from './sequential';

/**
 * The naive script the issue compares against: a loop over the leavers, one signed call per leaver
 * and system (WPS disable, then Authing resign), one call at a time, no batching, no read-back, no
 * Temporal. A loop is linear in its leavers by construction, so it is timed on the first `sample`
 * leavers and scaled to the whole request (timing 20,000 calls of 50 ms would add 17 minutes).
 */
export interface NaiveRun {
  /** Leavers actually looped over. */
  sampled: number;
  sampleMs: number;
  calls: number;
  /** `sampleMs` scaled to every leaver of the request. */
  estimatedMs: number;
}

export async function runNaive(
  target: SequentialTarget,
  request: OffboardingRequest,
  sample: number,
): Promise<NaiveRun> {
  const { wps, authing } = scriptClients(target);
  const type = request.authingUserIdType ?? 'user_id';
  const leavers = sample > 0 ? request.leavers.slice(0, sample) : request.leavers;
  let calls = 0;
  const started = performance.now();
  for (const leaver of leavers) {
    if (leaver.wpsUserId !== undefined) {
      await wps.disableUsers([leaver.wpsUserId]);
      calls += 1;
    }
    if (leaver.authingUserId !== undefined) {
      await authing.resignUsers([leaver.authingUserId], type);
      calls += 1;
    }
  }
  const sampleMs = performance.now() - started;
  return {
    sampled: leavers.length,
    sampleMs,
    calls,
    estimatedMs: leavers.length === 0 ? 0 : (sampleMs * request.leavers.length) / leavers.length,
  };
}
