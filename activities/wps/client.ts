import type { AxiosInstance } from 'axios';
import type { z } from 'zod';
import {
  resolveCallRetryPolicy,
  withCallRetry,
  type CallKind,
  type CallRetryOptions,
  type CallRetryPolicy,
} from '../shared/call-retry';
import { pacerFor, type Pacer } from '../shared/call-pacer';
import { checkContract, userStatuses, type ContractContext, type UserStatuses } from '../shared/contract';
import { createHttpClient, send } from '../shared/http';
import { VendorError } from '../shared/errors';
import type { VendorMetrics } from '../shared/metrics';
import { resolveSecret, type SecretSource } from '../shared/secret';
import { TokenCache } from '../shared/token-cache';
import {
  batchReadStatuses,
  WPS_BATCH_DISABLE_SUCCESS,
  WPS_BATCH_READ_SUCCESS,
  WPS_ENVELOPE,
  WPS_TOKEN_SUCCESS,
  WPS_USER_STATUSES,
  type WpsUserStatus,
} from './contract';
import {
  envelopeOf,
  isSignatureRejection,
  isTokenRejection,
  mapWpsFailure,
  WPS_ID_REJECTED_CODES,
  WPS_SIGNATURE_REJECTED_CODES,
  wpsHeader,
  wpsRequestId,
  type WpsCodeRules,
} from './errors';
import { kso1Authorization, kso1Date } from './kso1';

export type { WpsUserStatus } from './contract';

export interface WpsClientOptions {
  /**
   * The API's root, e.g. `https://openapi.wps.cn`, or a gateway's with its path prefix
   * (`https://host/openapi`): the prefix is part of the path sent, and so of what KSO-1 signs.
   */
  baseUrl: string;
  appId: string;
  appKey: SecretSource;
  /** Per-request timeout. Default 15 seconds. */
  timeoutMs?: number;
  /** Clock for the X-Kso-Date header. Default `() => new Date()`. */
  now?: () => Date;
  /**
   * Vendor codes that mean "KSO-1 signature rejected", added to `WPS_SIGNATURE_REJECTED_CODES`
   * (the simulator's 400001002). The real vendor's code is not published. `WPS_SIGNATURE_REJECTED_CODES`.
   */
  signatureRejectedCodes?: Iterable<number>;
  /**
   * Codes answered (even inside HTTP 200) for a rate limit, retried as transient, added to every code
   * of `429` + six digits. `WPS_THROTTLED_CODES`.
   */
  throttledCodes?: Iterable<number>;
  /**
   * Codes meaning "the vendor refused some of the ids sent": only a failure with one of them may be
   * split to isolate the ids. Replaces `WPS_ID_REJECTED_CODES` (the simulator's codes; the vendor's
   * are not published). `WPS_ID_REJECTED_CODES`.
   */
  idRejectedCodes?: Iterable<number>;
  /** Call durations and token fetches, for the worker's metrics. */
  metrics?: VendorMetrics;
  /** Retries of one call inside the client (activities/shared/call-retry.ts); defaults there. */
  callRetry?: CallRetryOptions;
  /**
   * Most HTTP exchanges per second from this client (API calls, token fetches and retries alike),
   * evenly spaced (activities/shared/call-pacer.ts). Unset: no pacing. `WPS_CALLS_PER_SECOND`.
   */
  callsPerSecond?: number;
  /** A pacer to use instead of one made from `callsPerSecond` (tests: a fake clock and sleep). */
  pacer?: Pacer;
}

/** The most ids this client sends in one call (the vendor's own maximum is not published). */
export const WPS_MAX_IDS_PER_CALL = 50;

const CONTENT_TYPE = 'application/json';
const TOKEN_OPERATION = 'oauth2/token';

/** A success answer that passed its contract, and what identifies it. */
interface Checked<T> {
  body: T;
  /** The answer as received, for the shape in a later contract violation. */
  answer: unknown;
  ctx: ContractContext;
  /** The response's `Date` header. */
  serverDate?: string;
}

/** A WPS 365 open-API client: app token, KSO-1 signed calls, errors mapped to `VendorError`. */
export class WpsClient {
  readonly tokens: TokenCache;
  /** Spaces every exchange; undefined when unpaced. */
  readonly pacer: Pacer | undefined;
  private readonly http: AxiosInstance;
  private readonly baseUrl: string;
  private readonly now: () => Date;
  private readonly codes: Required<WpsCodeRules>;
  private readonly retry: CallRetryPolicy;

  constructor(private readonly options: WpsClientOptions) {
    const base = new URL(options.baseUrl);
    // A query or fragment would land in the middle of every path: nothing sensible to sign.
    if (base.search !== '' || base.hash !== '') {
      throw new Error('WPS base URL must not have a query string or a fragment');
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.codes = {
      signatureRejectedCodes: new Set([
        ...WPS_SIGNATURE_REJECTED_CODES,
        ...(options.signatureRejectedCodes ?? []),
      ]),
      throttledCodes: new Set(options.throttledCodes ?? []),
      idRejectedCodes: new Set(options.idRejectedCodes ?? WPS_ID_REJECTED_CODES),
    };
    this.http = createHttpClient({ baseUrl: this.baseUrl, timeoutMs: options.timeoutMs });
    this.now = options.now ?? (() => new Date());
    this.retry = resolveCallRetryPolicy(options.callRetry);
    this.pacer = options.pacer ?? pacerFor(options.callsPerSecond);
    this.tokens = new TokenCache({
      fetchToken: () => this.fetchToken(),
      onFetch: () => options.metrics?.tokenFetched('wps'),
    });
  }

  /**
   * Disables up to 50 users. Resolves with the vendor's request id, if it sent one.
   *
   * Retried inside the client only on a 429 or a connection never made, never on a 5xx or a timeout:
   * specs/wps-365.md does not say batch_disable is idempotent (§3 lists "whether disabling an
   * already-disabled user is an error" as unknown, and the simulator can `reject` it), so a blind
   * resend after the vendor may have acted could turn a done batch into a refused one. The activity
   * re-reads first and sends only the users still active (activities/index.ts).
   */
  async disableUsers(userIds: readonly string[]): Promise<{ vendorRequestId?: string }> {
    checkIds(userIds, 'batch_disable');
    const { ctx } = await this.signedPost(
      '/v7/users/batch_disable',
      { user_ids: userIds },
      'batch_disable',
      'action',
      WPS_BATCH_DISABLE_SUCCESS,
    );
    return ctx.vendorRequestId === undefined ? {} : { vendorRequestId: ctx.vendorRequestId };
  }

  /**
   * Reads up to 50 users' statuses; an id missing from the result does not exist. Asks for every
   * status (§6: without `dimission` in the filter, people who left look like unknown ids). The answer
   * must match its contract whole: no item is ever skipped.
   */
  async readUsers(userIds: readonly string[]): Promise<UserStatuses<WpsUserStatus>> {
    checkIds(userIds, 'batch_read');
    const { body, answer, ctx, serverDate } = await this.signedPost(
      '/v7/users/batch_read',
      { user_ids: userIds, status: [...WPS_USER_STATUSES] },
      'batch_read',
      'read',
      WPS_BATCH_READ_SUCCESS,
    );
    const statuses = batchReadStatuses(userIds, body.data.items, ctx, answer);
    return userStatuses(statuses, { vendorRequestId: ctx.vendorRequestId, serverDate });
  }

  private async fetchToken(): Promise<{ value: string; expiresInSeconds: number }> {
    const appKey = await resolveSecret(this.options.appKey);
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.options.appId,
      client_secret: appKey.reveal(),
    }).toString();
    // Not retried here: a transient failure is retried by the call that needed the token
    // (`beforeSending` in signedPost), within that call's budget, so retries never nest.
    const response = await send<unknown>(
      'wps',
      TOKEN_OPERATION,
      () =>
        this.http.post('/oauth2/token', form, {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        }),
      this.options.metrics,
      this.pacer,
    );
    const ctx = contextOf(TOKEN_OPERATION, response);
    if (isSuccessStatus(response.status) && !looksLikeTokenFailure(response.data)) {
      const token = checkContract(WPS_TOKEN_SUCCESS, response.data, ctx);
      return { value: token.access_token, expiresInSeconds: token.expires_in };
    }
    throw mapWpsFailure(response, TOKEN_OPERATION, {
      isTokenCall: true,
      ...this.codes,
      secrets: [appKey.reveal()],
    });
  }

  /**
   * Serialises the body once and signs those bytes, over the path as sent (a gateway's prefix
   * included); every try gets a fresh date and signature. A rejected token is dropped and the call
   * sent again once with a new one (once per call, not per try). Transient failures are retried as
   * `kind` allows (activities/shared/call-retry.ts). A success answer is returned only once it
   * matches `success`.
   */
  private async signedPost<T>(
    path: string,
    payload: unknown,
    operation: string,
    kind: CallKind,
    success: z.ZodType<T>,
  ): Promise<Checked<T>> {
    const bytes = Buffer.from(JSON.stringify(payload), 'utf8');
    const sent = new URL(this.baseUrl + path);
    const requestUri = sent.pathname + sent.search;
    let tokenRenewed = false;
    return withCallRetry(
      { operation, kind, beforeSending: [TOKEN_OPERATION] },
      async () => {
        for (;;) {
          const token = await this.tokens.get();
          const appKey = await resolveSecret(this.options.appKey);
          const response = await send<unknown>(
            'wps',
            operation,
            () => {
              // Dated and signed when it really leaves, after any pacing wait.
              const date = kso1Date(this.now());
              const authorization = kso1Authorization({
                method: 'POST',
                requestUri,
                contentType: CONTENT_TYPE,
                date,
                body: bytes,
                appId: this.options.appId,
                appKey: appKey.reveal(),
              });
              return this.http.post(path, bytes, {
                headers: {
                  'Content-Type': CONTENT_TYPE,
                  'X-Kso-Date': date,
                  'X-Kso-Authorization': authorization,
                  Authorization: `Bearer ${token}`,
                },
              });
            },
            this.options.metrics,
            this.pacer,
          );
          const ctx = contextOf(operation, response);
          if (isSuccessStatus(response.status)) {
            // Every 2xx must say, with a numeric code, whether it succeeded (§3: even HTTP 200 fails).
            const { code } = checkContract(WPS_ENVELOPE, response.data, ctx);
            if (code === 0) {
              const body = checkContract(success, response.data, ctx);
              const serverDate = wpsHeader(response.headers, 'date');
              return { body, answer: response.data, ctx, ...(serverDate ? { serverDate } : {}) };
            }
          }
          const { code } = envelopeOf(response.data);
          if (
            !tokenRenewed &&
            isTokenRejection(response.status, code) &&
            !isSignatureRejection(code, this.codes.signatureRejectedCodes)
          ) {
            tokenRenewed = true;
            this.tokens.invalidate(token);
            continue;
          }
          throw mapWpsFailure(response, operation, { ...this.codes, secrets: [appKey.reveal(), token] });
        }
      },
      this.retry,
    );
  }
}

function isSuccessStatus(status: number): boolean {
  return status >= 200 && status < 300;
}

function contextOf(operation: string, response: { status: number; headers: unknown }): ContractContext {
  const vendorRequestId = wpsRequestId(response.headers);
  return {
    vendor: 'wps',
    operation,
    httpStatus: response.status,
    ...(vendorRequestId !== undefined ? { vendorRequestId } : {}),
  };
}

/** A token answer in either failure shape (§1 `{code, msg}`, §6 OAuth `{error, error_description}`). */
function looksLikeTokenFailure(data: unknown): boolean {
  const body = envelopeOf(data);
  return (body.code !== undefined && body.code !== 0) || body.error !== undefined;
}

function checkIds(userIds: readonly string[], operation: string): void {
  if (userIds.length === 0 || userIds.length > WPS_MAX_IDS_PER_CALL) {
    throw new VendorError(
      { vendor: 'wps', kind: 'invalidRequest', operation },
      `wps ${operation}: 1 to ${WPS_MAX_IDS_PER_CALL} user ids per call, got ${userIds.length}; nothing was sent`,
    );
  }
}
