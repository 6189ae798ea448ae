import type { AxiosInstance } from 'axios';
import {
  resolveCallRetryPolicy,
  withCallRetry,
  type CallKind,
  type CallRetryOptions,
  type CallRetryPolicy,
} from '../vendor/call-retry';
import { pacerFor, type Pacer } from '../vendor/call-pacer';
import { createHttpClient, send } from '../vendor/http';
import { VendorError } from '../vendor/errors';
import type { VendorMetrics } from '../vendor/metrics';
import { resolveSecret, type SecretSource } from '../vendor/secret';
import { TokenCache } from '../vendor/token-cache';
import {
  envelopeOf,
  isSignatureRejection,
  isTokenRejection,
  mapWpsFailure,
  WPS_SIGNATURE_REJECTED_CODES,
  wpsRequestId,
} from './errors';
import { kso1Authorization, kso1Date } from './kso1';

export interface WpsClientOptions {
  /** e.g. `https://openapi.wps.cn`. */
  baseUrl: string;
  appId: string;
  appKey: SecretSource;
  /** Per-request timeout. Default 15 seconds. */
  timeoutMs?: number;
  /** Clock for the X-Kso-Date header. Default `() => new Date()`. */
  now?: () => Date;
  /**
   * Vendor codes that mean "KSO-1 signature rejected", added to `WPS_SIGNATURE_REJECTED_CODES`
   * (the simulator's 400001002). The real vendor's code is not published.
   */
  signatureRejectedCodes?: Iterable<number>;
  /** Call durations and token fetches, for the worker's metrics. */
  metrics?: VendorMetrics;
  /** Retries of one call inside the client (activities/vendor/call-retry.ts); defaults there. */
  callRetry?: CallRetryOptions;
  /**
   * Most HTTP exchanges per second from this client (API calls, token fetches and retries alike),
   * evenly spaced (activities/vendor/call-pacer.ts). Unset: no pacing. `WPS_CALLS_PER_SECOND`.
   */
  callsPerSecond?: number;
  /** A pacer to use instead of one made from `callsPerSecond` (tests: a fake clock and sleep). */
  pacer?: Pacer;
}

export type WpsUserStatus = 'active' | 'notactive' | 'disabled';

/** The most ids this client sends in one call (the vendor's own maximum is not published). */
export const WPS_MAX_IDS_PER_CALL = 50;

const CONTENT_TYPE = 'application/json';
const TOKEN_OPERATION = 'oauth2/token';

interface WpsEnvelope {
  code?: unknown;
  msg?: unknown;
  data?: unknown;
}

/** A WPS 365 open-API client: app token, KSO-1 signed calls, errors mapped to `VendorError`. */
export class WpsClient {
  readonly tokens: TokenCache;
  /** Spaces every exchange; undefined when unpaced. */
  readonly pacer: Pacer | undefined;
  private readonly http: AxiosInstance;
  private readonly now: () => Date;
  private readonly signatureRejectedCodes: ReadonlySet<number>;
  private readonly retry: CallRetryPolicy;

  constructor(private readonly options: WpsClientOptions) {
    this.signatureRejectedCodes = new Set([
      ...WPS_SIGNATURE_REJECTED_CODES,
      ...(options.signatureRejectedCodes ?? []),
    ]);
    this.http = createHttpClient({ baseUrl: options.baseUrl, timeoutMs: options.timeoutMs });
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
    const { vendorRequestId } = await this.signedPost(
      '/v7/users/batch_disable',
      { user_ids: userIds },
      'batch_disable',
      'action',
    );
    return vendorRequestId === undefined ? {} : { vendorRequestId };
  }

  /** Reads up to 50 users' statuses; an id missing from the result does not exist. */
  async readUsers(userIds: readonly string[]): Promise<Map<string, WpsUserStatus>> {
    checkIds(userIds, 'batch_read');
    const { body } = await this.signedPost(
      '/v7/users/batch_read',
      { user_ids: userIds, status: ['active', 'notactive', 'disabled'] },
      'batch_read',
      'read',
    );
    const items = (body.data as { items?: unknown } | undefined)?.items;
    if (!Array.isArray(items)) throw protocolError('batch_read', 'response has no data.items array');
    const statuses = new Map<string, WpsUserStatus>();
    for (const item of items as Array<{ id?: unknown; status?: unknown }>) {
      if (
        typeof item.id === 'string' &&
        (item.status === 'active' || item.status === 'notactive' || item.status === 'disabled')
      ) {
        statuses.set(item.id, item.status);
      }
    }
    return statuses;
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
    const response = await send<Record<string, unknown>>(
      'wps',
      TOKEN_OPERATION,
      () =>
        this.http.post('/oauth2/token', form, {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        }),
      this.options.metrics,
      this.pacer,
    );
    const body = response.data ?? {};
    if (response.status === 200 && typeof body.access_token === 'string') {
      const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 7200;
      return { value: body.access_token, expiresInSeconds: expiresIn };
    }
    throw mapWpsFailure(response, TOKEN_OPERATION, {
      isTokenCall: true,
      signatureRejectedCodes: this.signatureRejectedCodes,
    });
  }

  /**
   * Serialises the body once and signs those bytes; every try gets a fresh date and signature.
   * A rejected token is dropped and the call sent again once with a new one (once per call, not per
   * try). Transient failures are retried as `kind` allows (activities/vendor/call-retry.ts).
   */
  private async signedPost(
    path: string,
    payload: unknown,
    operation: string,
    kind: CallKind,
  ): Promise<{ body: WpsEnvelope; vendorRequestId?: string }> {
    const bytes = Buffer.from(JSON.stringify(payload), 'utf8');
    let tokenRenewed = false;
    return withCallRetry(
      { operation, kind, beforeSending: [TOKEN_OPERATION] },
      async () => {
        for (;;) {
          const token = await this.tokens.get();
          const appKey = await resolveSecret(this.options.appKey);
          const response = await send<WpsEnvelope>(
            'wps',
            operation,
            () => {
              // Dated and signed when it really leaves, after any pacing wait.
              const date = kso1Date(this.now());
              const authorization = kso1Authorization({
                method: 'POST',
                requestUri: path,
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
          const body: WpsEnvelope = envelopeOf(response.data);
          const vendorRequestId = wpsRequestId(response.headers);
          if (response.status >= 200 && response.status < 300 && body.code === 0) {
            return vendorRequestId === undefined ? { body } : { body, vendorRequestId };
          }
          if (
            !tokenRenewed &&
            isTokenRejection(response.status, body.code) &&
            !isSignatureRejection(response.status, body.code, body.msg, this.signatureRejectedCodes)
          ) {
            tokenRenewed = true;
            this.tokens.invalidate(token);
            continue;
          }
          throw mapWpsFailure(response, operation, { signatureRejectedCodes: this.signatureRejectedCodes });
        }
      },
      this.retry,
    );
  }
}

function checkIds(userIds: readonly string[], operation: string): void {
  if (userIds.length === 0 || userIds.length > WPS_MAX_IDS_PER_CALL) {
    throw new VendorError(
      { vendor: 'wps', kind: 'invalidRequest', operation },
      `wps ${operation}: 1 to ${WPS_MAX_IDS_PER_CALL} user ids per call, got ${userIds.length}; nothing was sent`,
    );
  }
}

function protocolError(operation: string, what: string): VendorError {
  return new VendorError({ vendor: 'wps', kind: 'protocol', operation }, `wps ${operation}: ${what}`);
}
