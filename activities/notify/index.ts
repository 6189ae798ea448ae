import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import axios, { AxiosError } from 'axios';
import { runUrl } from '../../client/offboarding';
import { signatureHeader } from '../../webhook/signature';
import type { NotifyActivities, RunNotification } from '../../workflows/notification';
import type { Secret } from '../shared/secret';

/**
 * The `notifyRun` activity: one JSON POST per notification to OFFBOARD_NOTIFY_URL, signed as the HR
 * webhook's events are (webhook/signature.ts). Payload, signature, answers and retries:
 * docs/operations.md, "Notifications". Failure messages name the receiver's host and the status or
 * network error, never the secret, the signature or the body.
 */

export const NOTIFY_TIMESTAMP_HEADER = 'X-Offboarding-Timestamp';
export const NOTIFY_SIGNATURE_HEADER = 'X-Offboarding-Signature';

/** The failure types `notifyRun` throws. */
export const NOTIFY_FAILURE_TYPES = {
  /** No 2xx answer (a 5xx, 408, 429, a 3xx, a timeout, no connection): retried. */
  unavailable: 'NotifyUnavailable',
  /** A 4xx other than 408 / 429: not retried. */
  rejected: 'NotifyRejected',
} as const;

export const NOTIFY_TIMEOUT_MS = 10_000;

/** The JSON body of a notification: the workflow's notification, when it was sent, and the run's link. */
export interface SentNotification extends RunNotification {
  /** ISO time the notification was sent (this attempt). */
  sentAt: string;
  /** The run in the Temporal Web UI. */
  link: string;
}

/** Where notifications go; built from worker/config.ts (`notify`) and the worker's namespace. */
export interface NotifyTarget {
  url: string;
  /** Keys the HMAC-SHA256 signature; only ever revealed to sign. */
  secret: Secret;
  /** Web UI base of the run links, e.g. http://localhost:8233 (TEMPORAL_UI_URL). */
  uiBaseUrl: string;
  namespace: string;
  /** Per-request timeout. Default NOTIFY_TIMEOUT_MS (10 s). */
  timeoutMs?: number;
}

/** A receiver that refuses a notification itself (a wrong URL or secret) will refuse it again. */
function refusedForGood(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** A network-level failure in a few words: its code only, since axios' errors hold the request. */
function networkFailure(err: unknown, timeoutMs: number): string {
  const code = err instanceof AxiosError ? err.code : undefined;
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return `no answer within ${timeoutMs} ms`;
  return `could not be sent (${code ?? 'network error'})`;
}

/**
 * The notify activities. Without a target (OFFBOARD_NOTIFY_URL unset) `notifyRun` sends nothing and
 * says so once, at INFO, the first time it is called: the workflow calls it whether or not
 * notifications are configured.
 */
export function createNotifyActivities(target: NotifyTarget | undefined): NotifyActivities {
  let offReported = false;
  if (target === undefined) {
    return {
      notifyRun(notification: RunNotification): Promise<void> {
        if (!offReported) {
          offReported = true;
          log.info('notifications are off (OFFBOARD_NOTIFY_URL is not set): run notifications are not sent', {
            requestId: notification.requestId,
            phase: notification.phase,
          });
        }
        return Promise.resolve();
      },
    };
  }
  const timeoutMs = target.timeoutMs ?? NOTIFY_TIMEOUT_MS;
  const host = new URL(target.url).host;
  const http = axios.create({
    timeout: timeoutMs,
    // Every answer is looked at here: a status never becomes an axios error (which holds the request).
    validateStatus: () => true,
    // The body goes out exactly as signed.
    transformRequest: [(data: unknown) => data],
    responseType: 'text',
    // A redirect is an answer (not 2xx: retried), never followed: the signed body stays with the URL
    // operators configured. Proxy variables are ignored, as for the vendors' calls.
    maxRedirects: 0,
    proxy: false,
  });

  return {
    async notifyRun(notification: RunNotification): Promise<void> {
      const now = new Date();
      const body: SentNotification = {
        ...notification,
        sentAt: now.toISOString(),
        link: runUrl(target.uiBaseUrl, target.namespace, notification.workflowId),
      };
      const raw = JSON.stringify(body);
      const timestamp = String(Math.floor(now.getTime() / 1000));
      let status: number;
      try {
        const answer = await http.post(target.url, raw, {
          headers: {
            'Content-Type': 'application/json',
            [NOTIFY_TIMESTAMP_HEADER]: timestamp,
            [NOTIFY_SIGNATURE_HEADER]: signatureHeader(target.secret.reveal(), timestamp, raw),
          },
        });
        status = answer.status;
      } catch (err) {
        // The axios error is not kept as the cause: it holds the headers (the signature) and the body.
        throw ApplicationFailure.retryable(
          `notification to ${host}: ${networkFailure(err, timeoutMs)}; retried`,
          NOTIFY_FAILURE_TYPES.unavailable,
        );
      }
      if (status >= 200 && status < 300) {
        log.info('notification sent', {
          requestId: notification.requestId,
          phase: notification.phase,
          status,
        });
        return;
      }
      if (refusedForGood(status)) {
        throw ApplicationFailure.nonRetryable(
          `notification to ${host} refused with HTTP ${status}; not retried: check OFFBOARD_NOTIFY_URL, and ` +
            'that the receiver has the same OFFBOARD_NOTIFY_SECRET',
          NOTIFY_FAILURE_TYPES.rejected,
        );
      }
      throw ApplicationFailure.retryable(
        `notification to ${host} answered HTTP ${status}; retried`,
        NOTIFY_FAILURE_TYPES.unavailable,
      );
    },
  };
}
