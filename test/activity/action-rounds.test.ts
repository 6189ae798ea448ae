import { MockActivityEnvironment } from '@temporalio/testing';
import {
  createActivities,
  type AuthingDirectory,
  type BatchInput,
  type WpsDirectory,
} from '../../activities';
import { VendorError, type VendorErrorDetails } from '../../activities/shared/errors';
import type { WpsUserStatus } from '../../activities/wps/client';
import type { SystemOutcome } from '../../workflows/outcome';
import { applicationFailureOf } from '../support/failures';

/**
 * What an attempt does after its disable failed in a way that may have taken effect
 * (activities/index.ts, ACTION_ROUNDS): read again, act again only on what is still pending; or
 * leave it to Temporal's retry. A directory in memory stands in for WPS 365, so every call the
 * activity makes, and every answer, is exact.
 */

const unusedAuthing: AuthingDirectory = {
  readUsers: () => Promise.reject(new Error('not used')),
  resignUsers: () => Promise.reject(new Error('not used')),
};

function vendorError(details: Partial<VendorErrorDetails>): VendorError {
  return new VendorError(
    { vendor: 'wps', kind: 'transient', operation: 'batch_disable', ...details },
    'wps batch_disable failed',
  );
}

/** A WPS directory whose disables answer, in turn, with `answers` (then succeed), recording every call. */
function directory(
  ids: string[],
  answers: Array<(userIds: readonly string[], users: Map<string, WpsUserStatus>) => Error | undefined>,
) {
  const users = new Map<string, WpsUserStatus>(ids.map((id) => [id, 'active']));
  const calls: string[] = [];
  let disables = 0;
  const wps: WpsDirectory = {
    readUsers: (userIds) => {
      calls.push(`read ${userIds.join(',')}`);
      return Promise.resolve(new Map(userIds.flatMap((id) => (users.has(id) ? [[id, users.get(id)!]] : []))));
    },
    disableUsers: (userIds) => {
      calls.push(`disable ${userIds.join(',')}`);
      disables += 1;
      const failure = answers[disables - 1]?.(userIds, users);
      if (failure) return Promise.reject(failure);
      for (const id of userIds) users.set(id, 'disabled');
      return Promise.resolve({ vendorRequestId: `req-${disables}` });
    },
  };
  return { wps, calls, users };
}

function disable(wps: WpsDirectory, userIds: string[]): Promise<SystemOutcome[]> {
  const activities = createActivities({ wps, authing: unusedAuthing });
  return new MockActivityEnvironment().run<[BatchInput], SystemOutcome[], typeof activities.disableWpsUsers>(
    activities.disableWpsUsers,
    { batch: 1, batches: 1, userIds },
  );
}

describe('after a disable that may have taken effect', () => {
  it('a 503 that disabled some users: the next round sends only the others; each keeps the request id that acted on it', async () => {
    const { wps, calls } = directory(
      ['w-1', 'w-2', 'w-3', 'w-4'],
      [
        (userIds, users) => {
          users.set('w-1', 'disabled'); // it did part of the work, then failed
          users.set('w-2', 'disabled');
          return vendorError({ httpStatus: 503, vendorRequestId: 'req-failed' });
        },
      ],
    );
    const outcomes = await disable(wps, ['w-1', 'w-2', 'w-3', 'w-4']);
    expect(calls).toEqual([
      'read w-1,w-2,w-3,w-4',
      'disable w-1,w-2,w-3,w-4',
      'read w-1,w-2,w-3,w-4',
      'disable w-3,w-4',
      'read w-1,w-2,w-3,w-4',
    ]);
    expect(outcomes).toEqual([
      { status: 'done', vendorRequestId: 'req-failed' },
      { status: 'done', vendorRequestId: 'req-failed' },
      { status: 'done', vendorRequestId: 'req-2' },
      { status: 'done', vendorRequestId: 'req-2' },
    ]);
  });

  it('at most 3 rounds: a vendor that keeps answering 503 fails the attempt into Temporal’s retry', async () => {
    const fail = () => vendorError({ httpStatus: 503 });
    const { wps, calls } = directory(['w-1'], [fail, fail, fail, fail]);
    const af = await applicationFailureOf(disable(wps, ['w-1']));
    expect(af).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });
    expect(calls.filter((c) => c.startsWith('disable'))).toHaveLength(3);
    expect(calls).toEqual(['read w-1', 'disable w-1', 'read w-1', 'disable w-1', 'read w-1', 'disable w-1']);
  });

  it('a 5xx that asks for a pause (Retry-After) is not acted on again here: the retry waits it', async () => {
    const { wps, calls } = directory(['w-1'], [() => vendorError({ httpStatus: 503, retryAfterMs: 5_000 })]);
    const af = await applicationFailureOf(disable(wps, ['w-1']));
    expect(af.nextRetryDelay).toBe(5_000);
    expect(calls).toEqual(['read w-1', 'disable w-1']);
  });

  it('a timeout or a dropped connection (no answer) is left to Temporal’s retry', async () => {
    const { wps, calls } = directory(['w-1'], [() => vendorError({ vendorCode: 'ECONNABORTED' })]);
    const af = await applicationFailureOf(disable(wps, ['w-1']));
    expect(af).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });
    expect(calls).toEqual(['read w-1', 'disable w-1']);
  });

  it('a refusal (not transient) is not acted on again either', async () => {
    const { wps, calls } = directory(
      ['w-1'],
      [() => vendorError({ kind: 'invalidRequest', httpStatus: 400 })],
    );
    const af = await applicationFailureOf(disable(wps, ['w-1']));
    expect(af).toMatchObject({ type: 'VendorRejectedRequest', nonRetryable: true });
    expect(calls).toEqual(['read w-1', 'disable w-1']);
  });
});
