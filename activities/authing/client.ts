import type { AxiosInstance, AxiosResponse } from 'axios';
import { AUTHING_USER_ID_TYPES, type AuthingUserIdType } from '../../workflows/request';
import {
  resolveCallRetryPolicy,
  withCallRetry,
  type CallKind,
  type CallRetryOptions,
  type CallRetryPolicy,
} from '../vendor/call-retry';
import { pacerFor, type Pacer } from '../vendor/call-pacer';
import { createHttpClient, headerValue, send } from '../vendor/http';
import type { VendorMetrics } from '../vendor/metrics';
import { resolveSecret, type SecretSource } from '../vendor/secret';
import { TokenCache } from '../vendor/token-cache';
import {
  authingFailure,
  envelopeOf,
  isOk,
  isUnauthorized,
  refusedLocally,
  unconfirmed,
  type AuthingAnswer,
} from './errors';
import { isVerifiableIdType, matchUsers, type UserDto } from './user-match';

export interface AuthingClientOptions {
  /** e.g. `https://api.authing.cn`. */
  baseUrl: string;
  userPoolId: string;
  accessKeyId: string;
  accessKeySecret: SecretSource;
  /** Per-request timeout. Default 15 seconds. */
  timeoutMs?: number;
  /** Call durations and token fetches, for the worker's metrics. */
  metrics?: VendorMetrics;
  /** Retries of one call inside the client (activities/vendor/call-retry.ts); defaults there. */
  callRetry?: CallRetryOptions;
  /**
   * Most HTTP exchanges per second from this client (API calls, token fetches and retries alike),
   * evenly spaced (activities/vendor/call-pacer.ts). Unset: no pacing. `AUTHING_CALLS_PER_SECOND`.
   */
  callsPerSecond?: number;
  /** A pacer to use instead of one made from `callsPerSecond` (tests: a fake clock and sleep). */
  pacer?: Pacer;
}

export const AUTHING_USER_STATUSES = [
  'Activated',
  'Suspended',
  'Resigned',
  'Archived',
  'Deactivated',
] as const;
export type AuthingUserStatus = (typeof AUTHING_USER_STATUSES)[number];

/** Authing's documented maximum for resign-user-batch and get-user-batch. */
export const AUTHING_MAX_IDS_PER_CALL = 50;

/** How many issued tokens are remembered to be cut out of error messages. */
const REMEMBERED_TOKENS = 8;

const TOKEN_OPERATION = 'get-management-token';

/**
 * An Authing management-API (v3) client: management token, batch resign and read-back.
 *
 * - The token is cached per process and shared by concurrent callers (`TokenCache`); a 401 in the
 *   HTTP status or the body drops it, fetches a new one and retries the call once.
 * - Transient failures are retried inside the client (activities/vendor/call-retry.ts): reads and
 *   the token fetch on any of them, the resign only when the vendor provably did nothing.
 * - With `callsPerSecond` (or `pacer`), every exchange waits its turn (activities/vendor/call-pacer.ts).
 * - Every call sends `authorization: Bearer <token>` and `x-authing-userpool-id`.
 * - Every failure is a `VendorError` of the closed set (see `./errors`), whose message and details
 *   never hold the access key secret or a token.
 */
export class AuthingClient {
  readonly tokens: TokenCache;
  /** Spaces every exchange; undefined when unpaced. */
  readonly pacer: Pacer | undefined;
  private readonly http: AxiosInstance;
  /** Strings that must never appear in an error: the secrets once resolved, and recent tokens. */
  private readonly secrets = new Set<string>();
  private recentTokens: string[] = [];
  private readonly retry: CallRetryPolicy;

  constructor(private readonly options: AuthingClientOptions) {
    this.http = createHttpClient({ baseUrl: options.baseUrl, timeoutMs: options.timeoutMs });
    this.retry = resolveCallRetryPolicy(options.callRetry);
    this.pacer = options.pacer ?? pacerFor(options.callsPerSecond);
    this.tokens = new TokenCache({
      fetchToken: () => this.fetchToken(),
      onFetch: () => options.metrics?.tokenFetched('authing'),
    });
  }

  /**
   * Resigns 1 to 50 users. IRREVERSIBLE. Success only when the HTTP status is 2xx, the body's
   * `statusCode` is 200 and `data.success` is true; anything else throws. Authing gives no per-user
   * result: verify with `readUsers` (not possible for `custom_field`, see there).
   *
   * Retried inside the client only on a 429 (HTTP or body `statusCode`) or a connection never made,
   * never on a 5xx, a failure inside an HTTP 200 body or a timeout: specs/authing.md does not say
   * the call is idempotent (§2: whether resigning a resigned user is an error is unknown, and the
   * simulator can `fail` it), and it is irreversible. After such a failure the vendor may have
   * resigned the users; the activity re-reads first and sends only those still not resigned (activities/index.ts).
   */
  async resignUsers(
    userIds: readonly string[],
    userIdType: AuthingUserIdType,
  ): Promise<{ vendorRequestId?: string }> {
    const operation = 'resign-user-batch';
    checkRequest(userIds, userIdType, operation);
    const payload = JSON.stringify({ userIds: [...userIds], userIdType });
    const answer = await this.call(operation, 'action', (headers) =>
      this.http.post('/api/v3/resign-user-batch', payload, {
        headers: { ...headers, 'Content-Type': 'application/json' },
      }),
    );
    const data = answer.body.data;
    const success =
      typeof data === 'object' && data !== null ? (data as { success?: unknown }).success : undefined;
    if (success !== true) {
      throw unconfirmed(
        answer,
        this.context(operation),
        data === undefined || data === null
          ? 'answered statusCode 200 without data; the resign is NOT confirmed'
          : `answered statusCode 200 with data.success = ${JSON.stringify(success) ?? 'undefined'}; the resign is NOT confirmed`,
      );
    }
    return typeof answer.body.requestId === 'string' ? { vendorRequestId: answer.body.requestId } : {};
  }

  /**
   * Reads up to 50 users' statuses, keyed by the id as given, matched through the field of
   * `userIdType` (Authing returns users under their userId). An id missing from the map does not
   * exist. `custom_field` is refused before anything is sent: the record does not say which custom
   * field matched, so its ids can be neither told apart nor verified after a resign.
   */
  async readUsers(
    userIds: readonly string[],
    userIdType: AuthingUserIdType,
  ): Promise<Map<string, AuthingUserStatus>> {
    const operation = 'get-user-batch';
    checkRequest(userIds, userIdType, operation);
    if (!isVerifiableIdType(userIdType)) {
      throw refusedLocally(
        operation,
        'userIdType custom_field cannot be matched to the returned users, so these users cannot be read or verified (not verifiable)',
      );
    }
    const comma = userIds.find((id) => id.includes(','));
    if (comma !== undefined) {
      throw refusedLocally(
        operation,
        `the id ${JSON.stringify(comma)} holds a comma, which get-user-batch cannot carry`,
      );
    }
    const params = new URLSearchParams({ userIds: userIds.join(','), userIdType, withIdentities: 'true' });
    const answer = await this.call(operation, 'read', (headers) =>
      this.http.get(`/api/v3/get-user-batch?${params.toString()}`, { headers }),
    );
    if (!Array.isArray(answer.body.data)) {
      throw unconfirmed(answer, this.context(operation), 'answered statusCode 200 without a data array');
    }
    const matched = matchUsers(userIds, answer.body.data as UserDto[], userIdType, AUTHING_USER_STATUSES);
    if (!matched.ok) throw unconfirmed(answer, this.context(operation), matched.problem);
    return matched.statuses;
  }

  private context(operation: string, extra: { tokenCall?: boolean; afterRefresh?: boolean } = {}) {
    return { operation, sensitive: [...this.secrets, ...this.recentTokens], ...extra };
  }

  private async fetchToken(): Promise<{ value: string; expiresInSeconds: number }> {
    const operation = TOKEN_OPERATION;
    const secret = await resolveSecret(this.options.accessKeySecret);
    const revealed = secret.reveal();
    this.secrets.add(revealed);
    const payload = JSON.stringify({ accessKeyId: this.options.accessKeyId, accessKeySecret: revealed });
    // Not retried here: a transient failure is retried by the call that needed the token
    // (`beforeSending` in call()), within that call's budget, so retries never nest.
    const response = await send<unknown>(
      'authing',
      operation,
      () =>
        this.http.post('/api/v3/get-management-token', payload, {
          headers: { 'Content-Type': 'application/json' },
        }),
      this.options.metrics,
      this.pacer,
    );
    const answer = answerOf(response);
    const data = answer.body.data as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (isOk(answer) && typeof data?.access_token === 'string' && data.access_token !== '') {
      this.recentTokens = [data.access_token, ...this.recentTokens].slice(0, REMEMBERED_TOKENS);
      const expiresIn = data.expires_in;
      return {
        value: data.access_token,
        expiresInSeconds: typeof expiresIn === 'number' && Number.isFinite(expiresIn) ? expiresIn : 7200,
      };
    }
    if (isOk(answer)) {
      throw unconfirmed(
        answer,
        this.context(operation, { tokenCall: true }),
        'answered without an access_token',
      );
    }
    throw authingFailure(answer, this.context(operation, { tokenCall: true }));
  }

  /**
   * One management call: token, send, and on a 401 (HTTP or body) a new token and one more send
   * (once per call, not per try). Transient failures are retried as `kind` allows.
   */
  private async call(
    operation: string,
    kind: CallKind,
    request: (headers: Record<string, string>) => Promise<AxiosResponse<unknown>>,
  ): Promise<AuthingAnswer> {
    let tokenRenewed = false;
    return withCallRetry(
      { operation, kind, beforeSending: [TOKEN_OPERATION] },
      async () => {
        for (;;) {
          const token = await this.tokens.get();
          const response = await send<unknown>(
            'authing',
            operation,
            () =>
              request({ authorization: `Bearer ${token}`, 'x-authing-userpool-id': this.options.userPoolId }),
            this.options.metrics,
            this.pacer,
          );
          const answer = answerOf(response);
          if (isOk(answer)) return answer;
          if (isUnauthorized(answer) && !tokenRenewed) {
            tokenRenewed = true;
            this.tokens.invalidate(token);
            continue;
          }
          throw authingFailure(answer, this.context(operation, { afterRefresh: tokenRenewed }));
        }
      },
      this.retry,
    );
  }
}

function answerOf(response: AxiosResponse<unknown>): AuthingAnswer {
  const retryAfter = headerValue(response, 'retry-after');
  return {
    httpStatus: response.status,
    body: envelopeOf(response.data),
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  };
}

function checkRequest(userIds: readonly string[], userIdType: AuthingUserIdType, operation: string): void {
  if (!(AUTHING_USER_ID_TYPES as readonly string[]).includes(userIdType)) {
    throw refusedLocally(
      operation,
      `userIdType ${JSON.stringify(userIdType)} is not one of ${AUTHING_USER_ID_TYPES.join(', ')}`,
    );
  }
  if (!Array.isArray(userIds) || userIds.length === 0 || userIds.length > AUTHING_MAX_IDS_PER_CALL) {
    throw refusedLocally(
      operation,
      `1 to ${AUTHING_MAX_IDS_PER_CALL} user ids per call, got ${Array.isArray(userIds) ? userIds.length : 'none'}`,
    );
  }
  const bad = userIds.findIndex((id) => typeof id !== 'string' || id.trim() === '');
  if (bad >= 0) throw refusedLocally(operation, `user id #${bad + 1} is empty`);
  if (new Set(userIds).size !== userIds.length)
    throw refusedLocally(operation, 'the user ids hold duplicates');
}
