import {
  ActivityFailure,
  ApplicationFailure,
  DefaultFailureConverter,
  defaultPayloadConverter,
  RetryState,
  TimeoutFailure,
} from '@temporalio/common';
import { failureConverter as encodingConverter } from '../../codec/failure-converter';
import { failureOutcome } from '../../workflows/batch-runner';

/**
 * How a batch's final activity failure becomes a leaver's recorded outcome (workflows/batch-runner.ts).
 * The failures are built as the SDK hands them to the workflow.
 */
describe('failureOutcome', () => {
  const vendor503 = ApplicationFailure.create({
    message: 'wps batch_read failed: HTTP 503, "service unavailable"',
    type: 'VendorUnavailable',
    details: [{ vendorCode: '503', vendorRequestId: 'req-9' }],
  });
  const gaveUp = (message: ApplicationFailure | TimeoutFailure) =>
    new ActivityFailure('activity failed', 'disableWpsUsers', '1', RetryState.TIMEOUT, 'w', message);

  it('the window ran out between attempts: the last error, said to be the last', () => {
    expect(failureOutcome(gaveUp(vendor503))).toEqual({
      status: 'failed',
      code: '503',
      vendorRequestId: 'req-9',
      message:
        'gave up at the end of the retry window; last error: wps batch_read failed: HTTP 503, "service unavailable"',
      // Transient: the run retries it on its own while it waits for an operator.
      transient: true,
    });
  });

  it.each([
    ['in plain text', new DefaultFailureConverter()],
    ['encoded (PAYLOAD_CODEC_KEYS set: "Encoded failure" in the history)', encodingConverter],
  ])(
    'the window ran out during an attempt: the last failed attempt, kept in the timeout, is recorded (%s)',
    (_, converter) => {
      const timeout = new TimeoutFailure('activity ScheduleToClose timeout', undefined, 'SCHEDULE_TO_CLOSE');
      // As the workflow receives it: the SDK's converter keeps the last attempt's failure only in the
      // timeout's raw failure (decrypted by the worker's codec before it reaches the workflow).
      timeout.failure = {
        message: 'activity ScheduleToClose timeout',
        cause: converter.errorToFailure(vendor503, defaultPayloadConverter),
      };
      expect(failureOutcome(gaveUp(timeout))).toEqual({
        status: 'failed',
        code: '503',
        vendorRequestId: 'req-9',
        message:
          'gave up at the end of the retry window; last error: wps batch_read failed: HTTP 503, "service unavailable"',
        transient: true,
      });
    },
  );

  it('a last failure that cannot be decoded (still encrypted) is recorded as it stands, without failing the workflow task', () => {
    const timeout = new TimeoutFailure('activity ScheduleToClose timeout', undefined, 'SCHEDULE_TO_CLOSE');
    const encrypted = {
      metadata: { encoding: new TextEncoder().encode('binary/encrypted') },
      data: new Uint8Array([1, 2]),
    };
    timeout.failure = {
      message: 'activity ScheduleToClose timeout',
      cause: {
        message: 'Encoded failure',
        encodedAttributes: encrypted,
        applicationFailureInfo: { type: 'VendorUnavailable' },
      },
    };
    expect(failureOutcome(gaveUp(timeout))).toEqual({
      status: 'failed',
      code: 'VendorUnavailable',
      message: 'gave up at the end of the retry window; last error: Encoded failure',
      transient: true,
    });
  });

  it('a refusal that is not retryable ends at once: not transient, never retried on its own', () => {
    const refused = ApplicationFailure.nonRetryable(
      'wps batch_disable refused: 400000001',
      'VendorRejectedRequest',
    );
    const failure = new ActivityFailure(
      'activity failed',
      'disableWpsUsers',
      '1',
      RetryState.NON_RETRYABLE_FAILURE,
      'w',
      refused,
    );
    expect(failureOutcome(failure).transient).toBeUndefined();
  });

  it('a timeout before any attempt failed says so', () => {
    const timeout = new TimeoutFailure('activity ScheduleToClose timeout', undefined, 'SCHEDULE_TO_CLOSE');
    expect(failureOutcome(gaveUp(timeout))).toMatchObject({
      status: 'failed',
      code: 'TimeoutFailure',
      message: 'gave up at the end of the retry window; last error: activity ScheduleToClose timeout',
    });
  });
});
