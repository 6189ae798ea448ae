import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import {
  isGrpcServiceError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { resolveSecret, type SecretSource } from '../activities/vendor/secret';
import type { RunOptions } from '../workflows/options';
import { splitLeavers } from '../workflows/plan';
import type { OffboardingRequest } from '../workflows/request';
import { validateRequest } from '../workflows/validation';
import { parseJson } from './json-syntax';
import { ConflictingRequestError, startOffboarding } from './offboarding';
import { BodyTooLargeError, readBody } from './webhook-body';
import { verifySignature } from './webhook-signature';

/**
 * The HR webhook: an HTTP server that turns a signed HR offboarding event into a run (docs/webhook.md).
 *
 *   POST /hr/offboarding-events   the request JSON, signed; 202 with the run, or 400/401/409/413/415
 *   GET  /healthz                 200 when the Temporal server answers, 503 when it does not
 *
 * Idempotent by event id: a body without a requestId gets `hr-event-<eventId>`, so the same event
 * always names the same run, and a retried event leads to the existing run (202, existing: true).
 * Logs one line per request with its status and ids of events and requests, never a body, a leaver
 * id or the secret.
 */

export const EVENTS_PATH = '/hr/offboarding-events';
export const HEALTH_PATH = '/healthz';
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
export const DEFAULT_TOLERANCE_SECONDS = 300;
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
  /**
   * Deadline for the Temporal calls of one event, per part of its leavers (a large request travels
   * in parts). Default 10 s: an HR system gets a 503 to retry rather than a hanging connection.
   */
  temporalTimeoutMs?: number;
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

function send(res: ServerResponse, answer: Answer, closeConnection: boolean): void {
  const body = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...(closeConnection ? { Connection: 'close' } : {}),
    ...answer.headers,
  });
  res.end(body);
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
    if (isGrpcServiceError(current)) return RETRY_LATER_GRPC_CODES.has(Number(current.code));
    current = current.cause;
  }
  return false;
}

/**
 * Remembers which event id each accepted signature came with, for twice the tolerance window: the
 * event id header is not signed, so without this a captured request whose body names no requestId
 * could be replayed within the window under another event id and start a second run. In memory:
 * per process (docs/webhook.md says so, and how to close the gap for good: send a requestId).
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
 * An unexpected error for the log: its name and message, and its causes' messages (the SDK's
 * ServiceError says only what it was doing, "Failed to start Workflow"; its cause says why, e.g. a
 * search attribute the namespace does not know). Error messages of the SDK and the server name
 * workflow ids and settings, never the webhook secret, which only the signature check sees.
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
  const temporalTimeoutMs = options.temporalTimeoutMs ?? 10_000;
  const log = options.log ?? ((line: string) => console.log(line));
  const ledger = new SignatureLedger(toleranceSeconds * 1000);

  async function health(): Promise<Answer> {
    try {
      // The cheapest call that needs the frontend to answer.
      await options.client.withDeadline(Date.now() + 2_000, () =>
        options.client.workflowService.getSystemInfo({}),
      );
      return { status: 200, body: { status: 'ok', temporal: 'ok' }, note: 'healthy' };
    } catch {
      return {
        status: 503,
        body: { status: 'unavailable', temporal: 'unreachable' },
        note: 'temporal unreachable',
      };
    }
  }

  async function event(req: IncomingMessage): Promise<Answer & { eventId?: string }> {
    if (!isJsonContentType(header(req, 'content-type'))) {
      return problem(415, 'unsupported_media_type', 'send the request as Content-Type: application/json');
    }
    let rawBody: Buffer;
    try {
      rawBody = await readBody(req, maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        return problem(413, 'too_large', `the body is over the limit of ${maxBodyBytes} bytes`, {
          limitBytes: maxBodyBytes,
        });
      }
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
    // The run is named after the (unsigned) event id only when the body names none: only then could a
    // replay under another event id start a second run.
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
      const run = await options.client.withDeadline(Date.now() + temporalTimeoutMs * Math.max(1, parts), () =>
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
        return {
          ...problem(503, 'unavailable', 'the Temporal server did not answer; retry later'),
          headers: { 'Retry-After': '5' },
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
        if (method === 'POST') answer = await event(req);
        else answer = { ...problem(405, 'method_not_allowed', 'use POST'), headers: { Allow: 'POST' } };
      } else {
        answer = problem(404, 'not_found', `no such endpoint; POST ${EVENTS_PATH} or GET ${HEALTH_PATH}`);
      }
    } catch (err) {
      // The message may come from anywhere: it goes to the log (as a name and message), not to the caller.
      log(`hr-webhook: error: ${describeError(err)}`);
      answer = problem(500, 'internal', 'internal error; see the webhook log');
    }
    // A body left unread (refused early, or over the limit) is not drained: close the connection instead.
    send(res, answer, !req.complete);
    const eventNote = answer.eventId !== undefined ? ` event=${answer.eventId}` : '';
    log(
      `hr-webhook: ${method} ${path} ${answer.status}${eventNote} ${answer.note} (${Date.now() - started} ms)`,
    );
  }

  const server = http.createServer((req, res) => void handle(req, res));
  // Slow senders cannot hold connections open for long.
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  return server;
}
