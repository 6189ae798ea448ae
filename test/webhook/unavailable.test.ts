import {
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { isUnavailable } from '../../webhook/server';

/** A gRPC error as @grpc/grpc-js makes it: a code, details and metadata. */
function grpcError(code: number, details = 'details'): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

/**
 * Which failures of a start the webhook answers 503 with Retry-After (HR retries the event), and
 * which it does not (a 500: retrying would fail the same way). The 503 itself, against a server that
 * is not there: webhook-server.test.ts.
 */
describe('webhook: which failures are worth a retry', () => {
  it.each([
    [1, 'CANCELLED (a deadline that passed, as the SDK reports it)'],
    [4, 'DEADLINE_EXCEEDED'],
    [8, 'RESOURCE_EXHAUSTED'],
    [14, 'UNAVAILABLE'],
  ])('gRPC %i, %s: retry later, bare or under the SDK’s ServiceError', (code) => {
    expect(isUnavailable(grpcError(code))).toBe(true);
    expect(isUnavailable(new ServiceError('Failed to start Workflow', { cause: grpcError(code) }))).toBe(
      true,
    );
    // Deeper: an error of ours wrapping the SDK's.
    const wrapped = new Error('start failed', {
      cause: new ServiceError('Failed to start Workflow', { cause: grpcError(code) }),
    });
    expect(isUnavailable(wrapped)).toBe(true);
  });

  it('an update that got no answer in time: retry later', () => {
    const err = new WorkflowUpdateRPCTimeoutOrCancelledError('Timed out or cancelled waiting for Update', {
      cause: grpcError(4),
    });
    expect(isUnavailable(err)).toBe(true);
  });

  it.each([
    [2, 'UNKNOWN'],
    [3, 'INVALID_ARGUMENT'],
    [5, 'NOT_FOUND'],
    [6, 'ALREADY_EXISTS'],
    [7, 'PERMISSION_DENIED'],
    [9, 'FAILED_PRECONDITION'],
    [13, 'INTERNAL'],
    [16, 'UNAUTHENTICATED'],
  ])('gRPC %i, %s: not a matter of time', (code) => {
    expect(isUnavailable(grpcError(code))).toBe(false);
    expect(isUnavailable(new ServiceError('Failed to start Workflow', { cause: grpcError(code) }))).toBe(
      false,
    );
  });

  it('anything that is not a gRPC error is not a matter of time', () => {
    expect(isUnavailable(new Error('boom'))).toBe(false);
    expect(isUnavailable(new ServiceError('Failed to start Workflow'))).toBe(false);
    expect(isUnavailable(new WorkflowExecutionAlreadyStartedError('started', 'wf', 'offboarding'))).toBe(
      false,
    );
    expect(isUnavailable('14')).toBe(false);
    expect(isUnavailable(undefined)).toBe(false);
  });
});
