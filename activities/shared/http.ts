import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { CallSlotWaitExpired, takeCallSlot } from '../call-slots';
import { NOT_SENT_CODE } from './call-retry';
import type { Pacer } from './call-pacer';
import { VendorError, type VendorName } from './errors';
import { observeSafely, type VendorMetrics } from './metrics';

export interface HttpClientOptions {
  baseUrl: string;
  /** Per-request timeout. Default 15 seconds. */
  timeoutMs?: number;
  /** Most open sockets per vendor host. Default 32. */
  maxSockets?: number;
}

/**
 * An axios instance that never throws on an HTTP status (every vendor answer is mapped by the
 * connector, since both vendors report failures inside HTTP 200 bodies), with keep-alive sockets.
 */
export function createHttpClient(options: HttpClientOptions): AxiosInstance {
  const maxSockets = options.maxSockets ?? 32;
  return axios.create({
    baseURL: options.baseUrl.replace(/\/+$/, ''),
    timeout: options.timeoutMs ?? 15_000,
    validateStatus: () => true,
    // Bodies are sent exactly as given: the WPS signature covers the bytes on the wire.
    transformRequest: [(data: unknown) => data],
    httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets }),
    maxRedirects: 0,
    proxy: false,
  });
}

/**
 * Sends one request, every HTTP exchange with a vendor, and turns a network-level failure into a
 * transient `VendorError`. The HTTP library's own error is not kept as the cause: it holds the
 * request's headers, tokens included. With `metrics`, the exchange's duration is reported whether or
 * not it was answered.
 *
 * It first takes one of its run's call slots (../call-slots.ts; none free by the attempt's deadline:
 * nothing is sent, `NOT_SENT_CODE`), then the pacer's turn (./call-pacer.ts), and gives both back
 * once the exchange has ended, answered or not.
 */
export async function send<T>(
  vendor: VendorName,
  operation: string,
  request: () => Promise<AxiosResponse<T>>,
  metrics?: VendorMetrics,
  pacer?: Pacer,
): Promise<AxiosResponse<T>> {
  // The slot first, so that a paced exchange starts when the pacer releases it and its timing holds.
  const slot = takeCallSlot();
  let slotDone: (() => void) | undefined;
  if (slot) {
    try {
      slotDone = await slot;
    } catch (err) {
      if (!(err instanceof CallSlotWaitExpired)) throw err;
      // Nothing was sent: as safe to try again as a connection never made.
      throw new VendorError(
        { vendor, kind: 'transient', operation, vendorCode: NOT_SENT_CODE },
        `${vendor} ${operation}: ${err.message}`,
        err,
      );
    }
  }
  const turnDone = pacer ? await pacer.take() : undefined;
  const started = process.hrtime.bigint();
  const ended = (): void => {
    turnDone?.();
    slotDone?.();
    if (!metrics) return;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    observeSafely(() => metrics.callEnded({ vendor, operation, seconds }));
  };
  try {
    const response = await request();
    ended();
    return response;
  } catch (err) {
    ended();
    const code = axios.isAxiosError(err) ? (err.code ?? 'ERR_NETWORK') : 'ERR_UNKNOWN';
    const reason = err instanceof Error ? err.message : String(err);
    return Promise.reject(
      new VendorError(
        { vendor, kind: 'transient', operation, vendorCode: code },
        `${vendor} ${operation}: request failed before an answer (${code}: ${reason})`,
        new Error(`${code}: ${reason}`),
      ),
    );
  }
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** A response header (`headers` as axios gives them, keys in lower case), when it is one string. */
export function headerValue(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const value: unknown = (headers as Record<string, unknown>)[name.toLowerCase()];
  return typeof value === 'string' ? value : undefined;
}
