import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import {
  isGrpcServiceError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { resolveSecret, type SecretSource } from '../activities/shared/secret';
import type { RunOptions } from '../workflows/options';
import { splitLeavers } from '../workflows/plan';
import type { OffboardingRequest } from '../workflows/request';
import { validateRequest } from '../workflows/validation';
import { parseJson } from '../client/json-syntax';
import { ConflictingRequestError, startOffboarding } from '../client/offboarding';
import { BodyTooLargeError, declaresTooLarge, discardBody, hasBody, readBody } from './body';
import { verifySignature } from './signature';

/**
 * The HR webhook: an HTTP server that turns a signed HR offboarding event into a run; endpoints,
 * answers and idempotency by event id: docs/webhook.md. Logs one line per request, never a body, a
 * leaver id or the secret.
 */

export const EVENTS_PATH = '/hr/offboarding-events';
export const HEALTH_PATH = '/healthz';
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
export const DEFAULT_TOLERANCE_SECONDS = 300;
/** Temporal's time to answer an event's start (per part of a large request), then a 503: docs/webhook.md. */
export const DEFAULT_TEMPORAL_TIMEOUT_MS = 10_000;
/** Temporal's time to answer GET /healthz, then a 503: docs/webhook.md. */
export const HEALTH_TIMEOUT_MS = 2_000;
/** What more of an unread body is dropped after an early answer (`send`), and for how long. */
export const UNREAD_BODY_DISCARD_BYTES = 64 * 1024 * 1024;
export const UNREAD_BODY_DISCARD_MS = 10_000;
/** The requestId of an event whose body names none. */
export const EVENT_REQUEST_PREFIX = 'hr-event-';

// Fits in a requestId (128 characters) with the prefix; the same characters a requestId allows.
const EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

export interface WebhookOptions {
  /** The shared secret (a value, or a provider called per request, e.g. to follow a rotation). */
  secret: SecretSource;
  client: Client;
  taskQueue: string;
  namespace: string;
  /** Web UI base, for the run's link. Default http://localhost:8233. */
  uiBaseUrl?: string;
  /** How runs started from events are carried out (batch size, approval threshold...). */
  runOptions?: RunOptions;
  /** Default 10 MiB. */
  maxBodyBytes?: number;
  /** Largest accepted distance between X-HR-Timestamp and now. Default 300 s. */
  toleranceSeconds?: number;
  /**
   * Milliseconds since the epoch, for judging X-HR-Timestamp; tests move the clock. Deadlines of
   * Temporal calls always use the real clock (the server compares them with its own).
   */
  now?: () => number;
  /** Default DEFAULT_TEMPORAL_TIMEOUT_MS: an HR system gets a 503 to retry, not a hanging connection. */
  temporalTimeoutMs?: number;
  /** Arms the timer of a deadline (withinDeadline); tests fire it themselves. Default: setTimeout. */
  deadlineTimer?: DeadlineTimer;
  /** One line per request. Default: console.log. */
  log?: (line: string) => void;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  /** What the log line adds after the status. */
  note: string;
}

function problem(
  status: number,
  error: string,
  message: string,
  extra: Record<string, unknown> = {},
): Answer {
  return { status, body: { error, message, ...extra }, note: error };
}

/**
 * Writes the answer. A request whose body is still (partly) unread is answered at once with
 * `Connection: close`, and the rest of its body dropped before the connection closes (discardBody
 * says why). A client waiting for `100 Continue`, which it was not sent, sends no body: it closes at once.
 */
function send(req: IncomingMessage, res: ServerResponse, answer: Answer, continueWithheld: boolean): void {
  const body = JSON.stringify(answer.body);
  const unread = !req.complete && hasBody(req);
  res.writeHead(answer.status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...(unread ? { Connection: 'close' } : {}),
    ...answer.headers,
  });
  if (!unread || continueWithheld) {
    res.end(body);
    return;
  }
  // The whole answer goes out now (its Content-Length tells the client it is complete); ending the
  // response, which makes Node close the connection, waits until the client stopped sending.
  res.write(body);
  void discardBody(req, UNREAD_BODY_DISCARD_BYTES, UNREAD_BODY_DISCARD_MS).then(() => res.end());
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function isJsonContentType(value: string | undefined): boolean {
  const media = value?.split(';')[0]?.trim().toLowerCase();
  return media === 'application/json';
}

/**
 * gRPC status codes (fixed by the gRPC spec) that mean "not now" rather than "no": 1 CANCELLED and
 * 4 DEADLINE_EXCEEDED (the SDK reports a deadline that passed as either, depending on where the call
 * was), 8 RESOURCE_EXHAUSTED (the server's rate limits), 14 UNAVAILABLE.
 */
export const RETRY_LATER_GRPC_CODES: ReadonlySet<number> = new Set([1, 4, 8, 14]);

/**
 * Whether a failed start is worth retrying later (a 503 with Retry-After): Temporal did not answer
 * in time, or was unreachable or overloaded. The gRPC error may sit under the SDK's own errors.
 */
export function isUnavailable(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 5; depth += 1) {
    if (current instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
    if (current instanceof TemporalDeadlineError) return true;
    if (isGrpcServiceError(current)) return RETRY_LATER_GRPC_CODES.has(Number(current.code));
    current = current.cause;
  }
  return false;
}

/** Arms a timer that calls `fire` after `ms`; returns what disarms it. */
export type DeadlineTimer = (ms: number, fire: () => void) => () => void;

const realTimer: DeadlineTimer = (ms, fire) => {
  const timer = setTimeout(fire, ms);
  return () => clearTimeout(timer);
};

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** Temporal did not answer within the deadline (withinDeadline): worth retrying later. */
export class TemporalDeadlineError extends Error {
  constructor(
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`the Temporal server did not answer within ${seconds(timeoutMs)}`, options);
    this.name = 'TemporalDeadlineError';
  }
}

/**
 * Runs `fn`'s Temporal calls under one deadline, `timeoutMs` from now, and gives up at that deadline
 * whatever they are doing (TemporalDeadlineError). The gRPC deadline alone does not bound them: the
 * SDK finds it passed only at its next attempt, after backoff sleeps of up to 5 s. A call `fn` makes
 * after the deadline fails at once, so nothing starts after the give-up.
 */
export function withinDeadline<T>(
  client: Pick<Client, 'withDeadline'>,
  timeoutMs: number,
  fn: () => Promise<T>,
  timer: DeadlineTimer = realTimer,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const call = client.withDeadline(deadline, fn).catch((err: unknown) => {
    // The gRPC deadline and the timer run out together: either way, it is the deadline.
    if (isUnavailable(err) && Date.now() >= deadline)
      throw new TemporalDeadlineError(timeoutMs, { cause: err });
    throw err;
  });
  let disarm: () => void = () => undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    disarm = timer(timeoutMs, () => reject(new TemporalDeadlineError(timeoutMs)));
  });
  // Whichever settles second is dropped (race handles both).
  return Promise.race([call, expired]).finally(() => disarm());
}

// The Temporal calls of each server's requests that have not settled yet (temporalCallsSettled).
const callsOf = new WeakMap<http.Server, Set<Promise<unknown>>>();

/**
 * Resolves once every Temporal call of the server's requests has settled, those given up on at their
 * deadline included: an SDK retry asleep at the deadline still wakes up (within about 6 s) and then
 * fails. Close the client's connection only after this: a retry that wakes up on a closed connection
 * throws where nothing can catch it, and the process dies.
 */
export async function temporalCallsSettled(server: http.Server): Promise<void> {
  const calls = callsOf.get(server);
  while (calls !== undefined && calls.size > 0) await Promise.allSettled([...calls]);
}

/**
 * Remembers which event id each accepted signature came with, for twice the tolerance window: the
 * event id header is not signed, so a captured request naming no requestId could otherwise start a
 * second run under another event id. Per process (docs/webhook.md, "Idempotency").
 */
class SignatureLedger {
  private readonly seen = new Map<string, { eventId: string; expiresAt: number }>();

  constructor(private readonly windowMs: number) {}

  /** False when the signature was used with another event id. */
  admit(signature: string, eventId: string, nowMs: number): boolean {
    for (const [key, entry] of this.seen) if (entry.expiresAt <= nowMs) this.seen.delete(key);
    const entry = this.seen.get(signature);
    if (entry && entry.eventId !== eventId) return false;
    this.seen.set(signature, { eventId, expiresAt: nowMs + 2 * this.windowMs });
    return true;
  }
}

/**
 * An unexpected error for the log: its name and message, and its causes' (the SDK's ServiceError
 * says only what it was doing; its cause says why). These name workflow ids and settings, never the
 * webhook secret, which only the signature check sees.
 */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return 'unknown error';
  const parts = [`${err.name}: ${err.message}`];
  let cause: unknown = err.cause;
  for (let depth = 0; cause instanceof Error && depth < 3; depth += 1) {
    parts.push(cause.message);
    cause = cause.cause;
  }
  return parts.join(': ');
}

export function createWebhookServer(options: WebhookOptions): http.Server {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = options.now ?? Date.now;
  const temporalTimeoutMs = options.temporalTimeoutMs ?? DEFAULT_TEMPORAL_TIMEOUT_MS;
  const deadlineTimer = options.deadlineTimer ?? realTimer;
  const log = options.log ?? ((line: string) => console.log(line));
  const ledger = new SignatureLedger(toleranceSeconds * 1000);
  // Requests whose client sent `Expect: 100-continue` and was not yet told to send the body.
  const awaitingContinue = new WeakSet<IncomingMessage>();
  const calls = new Set<Promise<unknown>>();

  /** `fn` under one deadline (withinDeadline), its calls counted until they settle (temporalCallsSettled). */
  function temporal<T>(timeoutMs: number, fn: () => Promise<T>): Promise<T> {
    return withinDeadline(
      options.client,
      timeoutMs,
      () => {
        const call = fn();
        calls.add(call);
        const forget = (): void => void calls.delete(call);
        call.then(forget, forget);
        return call;
      },
      deadlineTimer,
    );
  }

  async function health(): Promise<Answer> {
    try {
      // The cheapest call that needs the frontend to answer.
      await temporal(HEALTH_TIMEOUT_MS, () => options.client.workflowService.getSystemInfo({}));
      return { status: 200, body: { status: 'ok', temporal: 'ok' }, note: 'healthy' };
    } catch {
      return {
        status: 503,
        body: { status: 'unavailable', temporal: 'unreachable' },
        note: 'temporal unreachable',
      };
    }
  }

  async function event(req: IncomingMessage, res: ServerResponse): Promise<Answer & { eventId?: string }> {
    if (!isJsonContentType(header(req, 'content-type'))) {
      return problem(415, 'unsupported_media_type', 'send the request as Content-Type: application/json');
    }
    const tooLarge = (): Answer =>
      problem(413, 'too_large', `the body is over the limit of ${maxBodyBytes} bytes`, {
        limitBytes: maxBodyBytes,
      });
    // Refused unread; a client waiting for `100 Continue` is not sent it, so it sends nothing.
    if (declaresTooLarge(req, maxBodyBytes)) return tooLarge();
    if (awaitingContinue.delete(req)) res.writeContinue();
    let rawBody: Buffer;
    try {
      rawBody = await readBody(req, maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return tooLarge();
      throw err;
    }

    const verified = verifySignature(
      { timestamp: header(req, 'x-hr-timestamp'), signature: header(req, 'x-hr-signature'), rawBody },
      (await resolveSecret(options.secret)).reveal(),
      { nowMs: now(), toleranceSeconds },
    );
    if (!verified.ok) return problem(401, 'unauthorized', verified.reason);

    const eventId = header(req, 'x-hr-event-id');
    if (eventId === undefined || !EVENT_ID.test(eventId)) {
      return problem(
        400,
        'invalid_event_id',
        'X-HR-Event-Id must be 1-100 characters of letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
      );
    }
    const parsed = parseJson(rawBody.toString('utf8'));
    if (!parsed.ok) {
      const { line, column, message } = parsed.problem;
      return {
        ...problem(400, 'malformed_json', `the body is not JSON: line ${line}, column ${column}: ${message}`),
        eventId,
      };
    }
    const input = parsed.value;
    const derived =
      typeof input === 'object' && input !== null && !Array.isArray(input) && !('requestId' in input);
    // Only a run named after the (unsigned) event id could be started twice by a replay (SignatureLedger).
    if (derived && !ledger.admit(verified.signature, eventId, now())) {
      return problem(401, 'unauthorized', 'this signature was already used with another X-HR-Event-Id');
    }
    const request = derived ? { ...input, requestId: `${EVENT_REQUEST_PREFIX}${eventId}` } : input;
    const validation = validateRequest(request);
    if (!validation.ok) {
      const n = validation.issues.length;
      return {
        ...problem(
          400,
          'invalid_request',
          `invalid offboarding request (${n} problem${n === 1 ? '' : 's'})`,
          {
            issues: validation.issues,
          },
        ),
        note: `invalid_request (${n} problem${n === 1 ? '' : 's'})`,
        eventId,
      };
    }

    try {
      const parts = splitLeavers(validation.request.leavers).length;
      // One deadline for the whole start, retries and parts included.
      const run = await temporal(temporalTimeoutMs * Math.max(1, parts), () =>
        startOffboarding(options.client, request as OffboardingRequest, {
          taskQueue: options.taskQueue,
          namespace: options.namespace,
          ...(options.uiBaseUrl !== undefined ? { uiBaseUrl: options.uiBaseUrl } : {}),
          ...(options.runOptions !== undefined ? { runOptions: options.runOptions } : {}),
          note: `HR event ${eventId}`,
        }),
      );
      return {
        status: 202,
        body: {
          eventId,
          requestId: run.requestId,
          workflowId: run.workflowId,
          existing: run.existing,
          uiUrl: run.uiUrl,
        },
        note: `request=${run.requestId} ${run.existing ? 'existing run' : 'started'}`,
        eventId,
      };
    } catch (err) {
      if (err instanceof ConflictingRequestError) {
        return { ...problem(409, 'conflict', err.message), eventId };
      }
      if (isUnavailable(err)) {
        const late = err instanceof TemporalDeadlineError;
        return {
          ...problem(
            503,
            'unavailable',
            late
              ? `${err.message}; retry later`
              : 'the Temporal server is unreachable or overloaded; retry later',
          ),
          headers: { 'Retry-After': '5' },
          note: late ? `unavailable (no answer within ${seconds(err.timeoutMs)})` : 'unavailable',
          eventId,
        };
      }
      throw err;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    let answer: Answer & { eventId?: string };
    try {
      if (path === HEALTH_PATH) {
        answer =
          method === 'GET' || method === 'HEAD'
            ? await health()
            : { ...problem(405, 'method_not_allowed', 'use GET'), headers: { Allow: 'GET, HEAD' } };
      } else if (path === EVENTS_PATH) {
        if (method === 'POST') answer = await event(req, res);
        else answer = { ...problem(405, 'method_not_allowed', 'use POST'), headers: { Allow: 'POST' } };
      } else {
        answer = problem(404, 'not_found', `no such endpoint; POST ${EVENTS_PATH} or GET ${HEALTH_PATH}`);
      }
    } catch (err) {
      // The message may come from anywhere: to the log, not to the caller.
      log(`hr-webhook: error: ${describeError(err)}`);
      answer = problem(500, 'internal', 'internal error; see the webhook log');
    }
    send(req, res, answer, awaitingContinue.has(req));
    const eventNote = answer.eventId !== undefined ? ` event=${answer.eventId}` : '';
    log(
      `hr-webhook: ${method} ${path} ${answer.status}${eventNote} ${answer.note} (${Date.now() - started} ms)`,
    );
  }

  const server = http.createServer((req, res) => void handle(req, res));
  callsOf.set(server, calls);
  // `Expect: 100-continue` (curl sends it for bodies over 1 MiB): the body is asked for only once
  // the request passed the checks before it, so a refused one is never sent.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    awaitingContinue.add(req);
    void handle(req, res);
  });
  // Slow senders cannot hold connections open for long.
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  return server;
}
