import type { AxiosInstance, AxiosResponse } from 'axios';
import { pacerFor, type Pacer } from './call-pacer';
import {
  resolveCallRetryPolicy,
  withCallRetry,
  type CallKind,
  type CallRetryOptions,
  type CallRetryPolicy,
} from './call-retry';
import type { VendorName } from './errors';
import { createHttpClient, send } from './http';
import type { VendorMetrics } from './metrics';
import { TokenCache, type IssuedToken } from './token-cache';

/** What both vendor clients take besides their credentials. */
export interface VendorClientOptions {
  baseUrl: string;
  /** Per-request timeout. Default 15 seconds. */
  timeoutMs?: number;
  /** Call durations and token fetches, for the worker's metrics. */
  metrics?: VendorMetrics;
  /** Retries of one call inside the client (./call-retry.ts); defaults there. */
  callRetry?: CallRetryOptions;
  /**
   * Most HTTP exchanges per second from this client (API calls, token fetches and retries alike),
   * evenly spaced (./call-pacer.ts). Unset: no pacing. `WPS_` / `AUTHING_CALLS_PER_SECOND`.
   */
  callsPerSecond?: number;
  /** A pacer to use instead of one made from `callsPerSecond` (tests: a fake clock and sleep). */
  pacer?: Pacer;
}

/** What a try answers (`VendorClient.withToken`) when the vendor rejected its token. */
export const RENEW_TOKEN = Symbol('renew token');

/** What both vendor clients share: the HTTP instance, the pacer, the token cache and call retries. */
export abstract class VendorClient {
  readonly tokens: TokenCache;
  /** Spaces every exchange; undefined when unpaced. */
  readonly pacer: Pacer | undefined;
  protected readonly http: AxiosInstance;
  private readonly retry: CallRetryPolicy;

  constructor(
    private readonly vendor: VendorName,
    private readonly tokenOperation: string,
    private readonly common: VendorClientOptions,
  ) {
    this.http = createHttpClient({ baseUrl: common.baseUrl, timeoutMs: common.timeoutMs });
    this.retry = resolveCallRetryPolicy(common.callRetry);
    this.pacer = common.pacer ?? pacerFor(common.callsPerSecond);
    this.tokens = new TokenCache({
      fetchToken: () => this.fetchToken(),
      onFetch: () => common.metrics?.tokenFetched(vendor),
    });
  }

  /**
   * Not retried on its own: a transient failure is retried by the call that needed the token
   * (`withToken`), within that call's budget, so retries never nest.
   */
  protected abstract fetchToken(): Promise<IssuedToken>;

  /** One HTTP exchange (./http.ts `send`). */
  protected send(operation: string, request: () => Promise<AxiosResponse<unknown>>) {
    return send<unknown>(this.vendor, operation, request, this.common.metrics, this.pacer);
  }

  /**
   * One call: a token, then `attempt`. When the attempt answers `RENEW_TOKEN` (allowed only while
   * `renewed` is false), the token is dropped and the attempt made again with a new one: once per
   * call, not per try. Transient failures are retried as `kind` allows (./call-retry.ts).
   */
  protected withToken<T>(
    operation: string,
    kind: CallKind,
    attempt: (token: string, renewed: boolean) => Promise<T | typeof RENEW_TOKEN>,
  ): Promise<T> {
    let renewed = false;
    return withCallRetry(
      { operation, kind, beforeSending: [this.tokenOperation] },
      async () => {
        for (;;) {
          const token = await this.tokens.get();
          const answer = await attempt(token, renewed);
          if (answer !== RENEW_TOKEN) return answer;
          if (renewed) throw new Error(`${this.vendor} ${operation}: a token renewed twice in one call`);
          renewed = true;
          this.tokens.invalidate(token);
        }
      },
      this.retry,
    );
  }
}
