import { z } from 'zod';
import type { Secret } from '../activities/shared/secret';
import {
  definedOnly,
  httpUrl,
  isHttpUrl,
  parsed,
  positiveNumber,
  readEnv,
  secret,
  wholeNumber,
  type Env,
} from '../config/env';

/**
 * The worker's configuration, read once from the environment. A missing or malformed setting stops
 * the process with a message naming the variable; a secret's value is never part of a message.
 * Temporal's own connection settings (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
 * TEMPORAL_TLS_*) are read by @temporalio/envconfig, not here.
 *
 * Vendor rate limits are met by two settings together:
 * - WPS_ACTIVITIES_PER_SECOND / AUTHING_ACTIVITIES_PER_SECOND (positive number; unset: no limit): the
 *   vendor task queue's `maxTaskQueueActivitiesPerSecond`, enforced by the Temporal server across ALL
 *   workers: the global cap. About a third of the vendor's calls per second (an activity makes three
 *   calls), or a little more when the pacer below is set, so that the pacer is what binds.
 * - WPS_CALLS_PER_SECOND / AUTHING_CALLS_PER_SECOND (positive number; unset: no pacing): the most
 *   HTTP exchanges per second ONE worker process makes to the vendor (API calls, token fetches and
 *   every retry), evenly spaced (activities/shared/call-pacer.ts), since the server dispatches
 *   activities in bursts that a vendor counting calls per sliding second answers with 429. Per
 *   process: with N worker processes, set it to the vendor's limit ÷ N.
 */
export interface WorkerConfig {
  taskQueue: string;
  /**
   * The `*Codes` lists (WPS_SIGNATURE_REJECTED_CODES, WPS_THROTTLED_CODES, WPS_ID_REJECTED_CODES:
   * comma-separated vendor codes) are `WpsClientOptions` of the same names; unset: the client's defaults.
   */
  wps: {
    baseUrl: string;
    appId: string;
    appKey: Secret;
    signatureRejectedCodes?: number[];
    throttledCodes?: number[];
    idRejectedCodes?: number[];
  };
  authing: {
    baseUrl: string;
    userPoolId: string;
    accessKeyId: string;
    accessKeySecret: Secret;
    /**
     * AUTHING_ID_REJECTED_API_CODES (comma-separated apiCodes; unset: the client's default, 2004): the codes of a refused call that mean "some ids were refused", the only refusals the
     * workflow may split a batch for (activities/authing/client.ts).
     */
    idRejectedApiCodes?: number[];
  };
  /** Most activities this worker runs at once, per vendor. Default 20. */
  maxConcurrentActivities: number;
  /**
   * Each vendor's activities per second across ALL workers of the task queue (enforced by the
   * Temporal server); unset means no limit. One activity makes one to three vendor calls (read,
   * action, read-back), so set it to about a third of the vendor's calls-per-second allowance.
   */
  activitiesPerSecond: { wps?: number; authing?: number };
  /**
   * Each vendor's HTTP exchanges per second from THIS process, evenly spaced; unset means no pacing.
   * With N worker processes, the vendor's limit ÷ N. (Optional in the type for configurations built
   * by hand; `loadWorkerConfig` always sets it.)
   */
  callsPerSecond?: { wps?: number; authing?: number };
  /**
   * Run notifications (activities/notify/): OFFBOARD_NOTIFY_URL, where each is POSTed, and
   * OFFBOARD_NOTIFY_SECRET (or OFFBOARD_NOTIFY_SECRET_FILE), which signs them; the URL without a
   * secret is a configuration error. `uiBaseUrl` (TEMPORAL_UI_URL, default http://localhost:8233, as
   * for the CLI) is the base of the run links they carry. Absent: notifications are off.
   */
  notify?: { url: string; secret: Secret; uiBaseUrl: string };
}

/** Comma-separated vendor codes; unset: the client's defaults. */
const codes = () =>
  parsed('comma-separated whole numbers (vendor codes)', (text) => {
    const parts = text.split(',').map((part) => part.trim());
    return parts.every((part) => /^\d{1,15}$/.test(part)) ? parts.map(Number) : undefined;
  }).optional();

const WORKER_ENV = z
  .object({
    OFFBOARDING_TASK_QUEUE: z.string().default('offboarding'),
    WPS_BASE_URL: httpUrl(),
    WPS_APP_ID: z.string(),
    WPS_APP_KEY: secret(),
    WPS_SIGNATURE_REJECTED_CODES: codes(),
    WPS_THROTTLED_CODES: codes(),
    WPS_ID_REJECTED_CODES: codes(),
    AUTHING_BASE_URL: httpUrl(),
    AUTHING_USERPOOL_ID: z.string(),
    AUTHING_ACCESS_KEY_ID: z.string(),
    AUTHING_ACCESS_KEY_SECRET: secret(),
    AUTHING_ID_REJECTED_API_CODES: codes(),
    WORKER_MAX_CONCURRENT_ACTIVITIES: wholeNumber(1).default(20),
    WPS_ACTIVITIES_PER_SECOND: positiveNumber().optional(),
    AUTHING_ACTIVITIES_PER_SECOND: positiveNumber().optional(),
    WPS_CALLS_PER_SECOND: positiveNumber().optional(),
    AUTHING_CALLS_PER_SECOND: positiveNumber().optional(),
    // Used as given (a relay may want its trailing slash) and never quoted: it may carry a token.
    OFFBOARD_NOTIFY_URL: parsed(
      'an http(s) URL',
      (text) => (isHttpUrl(text) ? text : undefined),
      false,
    ).optional(),
    OFFBOARD_NOTIFY_SECRET: secret().optional(),
    TEMPORAL_UI_URL: z.string().default('http://localhost:8233'),
  })
  .transform((env, ctx): WorkerConfig => {
    const { OFFBOARD_NOTIFY_URL: url, OFFBOARD_NOTIFY_SECRET: notifySecret } = env;
    // The Web UI base is read only for the run links notifications carry.
    const uiBaseUrl = httpUrl().safeParse(env.TEMPORAL_UI_URL);
    if (url !== undefined && notifySecret === undefined)
      ctx.addIssue({
        code: 'custom',
        message:
          'OFFBOARD_NOTIFY_URL is set but OFFBOARD_NOTIFY_SECRET (or OFFBOARD_NOTIFY_SECRET_FILE) is not: ' +
          'notifications are always signed; set the secret, or unset the URL to turn notifications off',
      });
    if (url !== undefined && !uiBaseUrl.success)
      ctx.addIssue({
        code: 'custom',
        path: ['TEMPORAL_UI_URL'],
        message: uiBaseUrl.error.issues[0]?.message,
      });
    return {
      taskQueue: env.OFFBOARDING_TASK_QUEUE,
      wps: {
        baseUrl: env.WPS_BASE_URL,
        appId: env.WPS_APP_ID,
        appKey: env.WPS_APP_KEY,
        ...definedOnly({
          signatureRejectedCodes: env.WPS_SIGNATURE_REJECTED_CODES,
          throttledCodes: env.WPS_THROTTLED_CODES,
          idRejectedCodes: env.WPS_ID_REJECTED_CODES,
        }),
      },
      authing: {
        baseUrl: env.AUTHING_BASE_URL,
        userPoolId: env.AUTHING_USERPOOL_ID,
        accessKeyId: env.AUTHING_ACCESS_KEY_ID,
        accessKeySecret: env.AUTHING_ACCESS_KEY_SECRET,
        ...definedOnly({ idRejectedApiCodes: env.AUTHING_ID_REJECTED_API_CODES }),
      },
      maxConcurrentActivities: env.WORKER_MAX_CONCURRENT_ACTIVITIES,
      activitiesPerSecond: definedOnly({
        wps: env.WPS_ACTIVITIES_PER_SECOND,
        authing: env.AUTHING_ACTIVITIES_PER_SECOND,
      }),
      callsPerSecond: definedOnly({ wps: env.WPS_CALLS_PER_SECOND, authing: env.AUTHING_CALLS_PER_SECOND }),
      ...(url !== undefined && notifySecret !== undefined && uiBaseUrl.success
        ? { notify: { url, secret: notifySecret, uiBaseUrl: uiBaseUrl.data } }
        : {}),
    };
  });

export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  return readEnv(WORKER_ENV, env);
}
