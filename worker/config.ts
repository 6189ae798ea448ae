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
 * The worker's configuration, read once from the environment (config/env.ts; every variable: README.md,
 * "Configuration"). Temporal's own connection settings (TEMPORAL_*) are read by @temporalio/envconfig.
 *
 * A vendor's rate limit is one setting, `callsPerSecond`, per process (the vendor's limit ÷ replicas).
 */
export interface WorkerConfig {
  taskQueue: string;
  /** The `*Codes` lists are `WpsClientOptions` of the same names; unset: the client's defaults. */
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
    /** Refusals that mean "some ids were refused", the only ones a batch is split for. */
    idRejectedApiCodes?: number[];
  };
  /** Most activities this worker runs at once, per vendor. */
  maxConcurrentActivities: number;
  /** Per vendor, across ALL workers (the task queue's rate); unset: no limit. */
  /** Per vendor, HTTP exchanges from THIS process, evenly spaced (optional for configs built by hand). */
  callsPerSecond?: { wps?: number; authing?: number };
  /** Run notifications (activities/notify/), signed; `uiBaseUrl` is their links' base. Absent: off. */
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
    // Removed (docs/benchmarks.md, Ablation): refused rather than ignored, so no one counts on it.
    WPS_ACTIVITIES_PER_SECOND: noLonger('WPS_CALLS_PER_SECOND'),
    AUTHING_ACTIVITIES_PER_SECOND: noLonger('AUTHING_CALLS_PER_SECOND'),
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
      callsPerSecond: definedOnly({ wps: env.WPS_CALLS_PER_SECOND, authing: env.AUTHING_CALLS_PER_SECOND }),
      ...(url !== undefined && notifySecret !== undefined && uiBaseUrl.success
        ? { notify: { url, secret: notifySecret, uiBaseUrl: uiBaseUrl.data } }
        : {}),
    };
  });

function noLonger(instead: string) {
  return z
    .undefined({
      error: `is no longer read (the task-queue rate never bound): unset it, and set ${instead} to the vendor's limit ÷ worker replicas`,
    })
    .optional();
}

export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  return readEnv(WORKER_ENV, env);
}
