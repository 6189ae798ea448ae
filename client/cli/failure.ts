import { ENCRYPTED_ENCODING, PayloadDecryptionError } from '../../codec/aes-gcm-codec';
import {
  isGrpcServiceError,
  NamespaceNotFoundError,
  ServiceError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { InvalidRequestError } from '../../workflows/validation';
import { ConflictingRequestError, RunFinishedError } from '../offboarding';
import { RequestFileError } from '../request-file';
import { RunOptionError } from '../run-options';
import { EXIT, type ExitCode } from './exit-codes';

/** What went wrong, as scripts see it in `--json` output (`error.kind`) and in the exit code. */
export type FailureKind =
  | 'usage'
  | 'invalid_request'
  | 'not_found'
  | 'unreachable'
  | 'timeout'
  | 'refused'
  | 'conflict'
  | 'run_failed'
  | 'internal';

const EXIT_OF: Record<FailureKind, ExitCode> = {
  usage: EXIT.usage,
  invalid_request: EXIT.usage,
  not_found: EXIT.notFound,
  unreachable: EXIT.unreachable,
  timeout: EXIT.unreachable,
  refused: EXIT.refused,
  conflict: EXIT.refused,
  run_failed: EXIT.runNotClean,
  internal: EXIT.internal,
};

/** An error the CLI reports: one clear message, a kind, an exit code, and the cause kept. */
export class CliFailure extends Error {
  readonly exitCode: ExitCode;
  /** Structured detail for `--json` output, e.g. the list of problems in a request file. */
  readonly details: unknown;

  constructor(
    readonly kind: FailureKind,
    message: string,
    options?: { cause?: unknown; details?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliFailure';
    this.exitCode = EXIT_OF[kind];
    this.details = options?.details;
  }
}

export function usage(message: string): CliFailure {
  return new CliFailure('usage', message);
}

/** What the command was doing, so that an SDK error can be told in the operator's terms. */
export interface FailureContext {
  requestId?: string;
  address?: string;
  taskQueue?: string;
  timeoutMs?: number;
}

// gRPC status codes (fixed by the gRPC spec), named here rather than importing @grpc/grpc-js, which
// is only the SDK's dependency.
const GRPC_CANCELLED = 1;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_NOT_FOUND = 5;
const GRPC_FAILED_PRECONDITION = 9;
const GRPC_UNAVAILABLE = 14;

/** The gRPC error behind `err`: itself, or the cause of the SDK's ServiceError ("Failed to query Workflow"). */
function grpcErrorOf(err: unknown): { code: number; details: string } | undefined {
  if (isGrpcServiceError(err)) return err;
  if (err instanceof ServiceError && isGrpcServiceError(err.cause)) return err.cause;
  return undefined;
}

/**
 * The server gave up on a call that a worker must answer (a query, even a closed run's) because no
 * worker has polled the task queue lately: FAILED_PRECONDITION "no poller seen ...". Had one polled
 * within the server's window (20 s), the call would have waited out its deadline instead: both say
 * that no worker answered, and map alike.
 */
function isNoPollerSeen(err: unknown): boolean {
  const grpc = grpcErrorOf(err);
  return grpc?.code === GRPC_FAILED_PRECONDITION && /no poller seen/i.test(grpc.details);
}

/** The SDK's payload converter met an encrypted payload with no codec to decrypt it. */
function isUndecodedEncryption(err: unknown): boolean {
  return err instanceof Error && err.message.includes(`Unknown encoding: ${ENCRYPTED_ENCODING}`);
}

/** Maps anything a command threw to a CliFailure with a message an operator can act on. */
export function toFailure(err: unknown, context: FailureContext = {}): CliFailure {
  if (err instanceof CliFailure) return err;
  const run = context.requestId !== undefined ? `requestId ${context.requestId}` : 'this requestId';
  if (err instanceof RequestFileError) {
    return new CliFailure('invalid_request', err.message, { cause: err, details: err.problems });
  }
  if (err instanceof InvalidRequestError) {
    return new CliFailure('invalid_request', err.message, { cause: err, details: err.issues });
  }
  if (err instanceof RunOptionError) return new CliFailure('usage', err.message, { cause: err });
  if (err instanceof ConflictingRequestError) return new CliFailure('conflict', err.message, { cause: err });
  if (err instanceof RunFinishedError) return new CliFailure('refused', err.message, { cause: err });
  if (err instanceof WorkflowNotFoundError) {
    return new CliFailure('not_found', `no offboarding run for ${run}`, { cause: err });
  }
  if (err instanceof NamespaceNotFoundError) {
    return new CliFailure('not_found', `${err.message} (set TEMPORAL_NAMESPACE)`, { cause: err });
  }
  if (err instanceof WorkflowUpdateFailedError) {
    // The workflow refused the operation; its ApplicationFailure says why in the operator's terms.
    return new CliFailure('refused', err.cause?.message ?? err.message, { cause: err });
  }
  if (err instanceof WorkflowFailedError) {
    return new CliFailure('run_failed', `the run for ${run} failed: ${err.cause?.message ?? err.message}`, {
      cause: err,
    });
  }
  if (err instanceof PayloadDecryptionError || isUndecodedEncryption(err)) {
    return new CliFailure(
      'internal',
      `the run's data is encrypted and this client cannot decrypt it (${(err as Error).message}): set PAYLOAD_CODEC_KEYS or PAYLOAD_CODEC_KEYS_FILE to the keys the worker uses`,
      { cause: err },
    );
  }
  const noAnswer =
    `no answer within ${Math.round((context.timeoutMs ?? 0) / 1000)} s` +
    (context.taskQueue !== undefined ? ` (is a worker polling task queue "${context.taskQueue}"?)` : '');
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new CliFailure('timeout', noAnswer, { cause: err });
  }
  const code = grpcErrorOf(err)?.code;
  // The CLI cancels no call itself: a cancelled call is one whose deadline passed (the SDK reports
  // either code, depending on where the call was when time ran out).
  if (code === GRPC_DEADLINE_EXCEEDED || code === GRPC_CANCELLED) {
    return new CliFailure('timeout', noAnswer, { cause: err });
  }
  // The same "no worker answered" as a deadline passing (isNoPollerSeen), said as the server knows it.
  if (isNoPollerSeen(err)) {
    const queue =
      context.taskQueue !== undefined ? `task queue "${context.taskQueue}"` : "the run's task queue";
    const message = `no answer: the server has seen no worker polling ${queue} recently; start one`;
    return new CliFailure('timeout', message, { cause: err });
  }
  if (code === GRPC_UNAVAILABLE) {
    return new CliFailure(
      'unreachable',
      `the Temporal server at ${context.address ?? 'TEMPORAL_ADDRESS'} is unreachable: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (code === GRPC_NOT_FOUND)
    return new CliFailure('not_found', `no offboarding run for ${run}`, { cause: err });
  // The SDK's ServiceError says only what it was doing ("Failed to query Workflow"); its cause says why.
  const cause = err instanceof ServiceError && err.cause ? `: ${err.cause.message}` : '';
  const message = err instanceof Error ? `${err.message}${cause}` : String(err);
  return new CliFailure('internal', message, { cause: err });
}
