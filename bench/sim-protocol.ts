import type { FaultSettings } from '../simulators/faults';

/**
 * Messages between the bench and its simulator host process (bench/sim-host.ts), over Node's IPC
 * channel. The host runs the project's own WpsSimulator and AuthingSimulator, and answers what the
 * bench needs to know about them: call counts with timestamps, and the directories' final state.
 */

/**
 * Start over: a directory of `users` active people in both systems, call records cleared, these
 * faults, and these ids refused by each vendor's action (a call holding one is refused whole).
 */
export interface ResetCommand {
  kind: 'reset';
  users: number;
  faults: Partial<FaultSettings>;
  refuse: Refusals;
}

export interface Refusals {
  wps: string[];
  authing: string[];
}

export interface StatsCommand {
  kind: 'stats';
}

/** Which of these ids are NOT in the target state (WPS `disabled`, Authing `Resigned`), or missing. */
export interface CheckCommand {
  kind: 'check';
  wpsUserIds: string[];
  authingUserIds: string[];
}

export type SimCommand = ResetCommand | StatsCommand | CheckCommand;

export interface SimRequest {
  id: number;
  command: SimCommand;
}

/** What one vendor's simulator saw since the last reset. */
export interface VendorStats {
  /** Every call recorded: API calls (and, for Authing, management-token calls). */
  calls: number;
  /** Calls answered 2xx (an Authing failure inside HTTP 200 counts here; none is configured). */
  accepted: number;
  /** HTTP 429 answers: injected throttling plus the requests-per-second limit. */
  throttled: number;
  /** Of `throttled`, those answered because the requests-per-second limit was reached. */
  rateLimited: number;
  /** HTTP 5xx answers. */
  serverErrors: number;
  /** Access tokens issued. */
  tokensIssued: number;
  /** Epoch ms of the first and last accepted call, undefined when none. */
  firstAcceptedAt?: number;
  lastAcceptedAt?: number;
  /** The most accepted calls in any one-second window (sliding, to the millisecond). */
  peakAcceptedPerSecond: number;
}

export interface SimStats {
  wps: VendorStats;
  authing: VendorStats;
  /**
   * Calls of both vendors inside their simulated latency at once: the most, and the mean from the
   * first call to the last (API and token calls; faults are decided after the latency).
   */
  inFlight: { peak: number; mean: number };
}

export interface CheckResult {
  wpsNotDisabled: string[];
  authingNotResigned: string[];
}

export type SimReply =
  | { id: number; ok: true; value: SimStats | CheckResult | null }
  | { id: number; ok: false; error: string };

/** Sent once by the host when both simulators listen. */
export interface SimReady {
  ready: true;
  wpsUrl: string;
  authingUrl: string;
}
