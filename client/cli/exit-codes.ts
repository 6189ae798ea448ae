/**
 * The CLI's exit codes, documented in docs/cli.md. Scripts branch on them, so they never change
 * meaning; a new case gets a new number.
 */
export const EXIT = {
  /** Done; for a finished run: every leaver's access is cut, or what remained was waived. */
  ok: 0,
  /** The run failed as a whole (a bad request, a bug), or is a 0.1.0 run that ended with failures. */
  runNotClean: 1,
  /** A usage error or invalid input (flags, the request file, an id type): nothing was sent. */
  usage: 2,
  /** No offboarding run for the requestId. */
  notFound: 3,
  /** The Temporal server cannot be reached, or did not answer in time. */
  unreachable: 4,
  /** Refused: the requestId names another request, or the run refused the operation in its state. */
  refused: 5,
  /** `check`: at least one check failed; each failed line names its fix. Nothing was changed. */
  checkFailed: 6,
  /** The run was cancelled (Temporal: Canceled); the report says what was and was not done. */
  cancelled: 7,
  /** The run's deadline passed with leavers whose access is not cut (Temporal: Failed). */
  accessNotCut: 8,
  /** A bug or an error nobody anticipated; the message says what happened. */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
