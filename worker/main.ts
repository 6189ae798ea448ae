import path from 'node:path';
import { Client } from '@temporalio/client';
import type { Logger } from '@temporalio/common';
import { NativeConnection, Runtime, type TelemetryOptions } from '@temporalio/worker';
import { dataConverterFromEnv } from '../codec/data-converter';
import { ConfigError } from '../config/env';
import { loadWorkerConfig } from './config';
import { deploymentVersion } from './deployment';
import { createLogger } from './logging';
import {
  activityMetricsInterceptor,
  createOffboardingMetrics,
  createRunsNeedingAttentionGauge,
  METRIC_NAMES,
  VENDOR_CALL_DURATION_BUCKETS,
  vendorMetricsHook,
} from './metrics';
import { loadObservabilityConfig, type ObservabilityConfig } from './observability-config';
import { visibilityCount, watchRunsNeedingAttention } from './runs-needing-attention';
import { temporalConnectConfig } from './temporal';
import { createOffboardingWorker, type OffboardingWorkerOptions } from './worker';
import { buildIdOf, prebuiltBundle } from './workflow-bundle';

/**
 * The worker process: fails fast on configuration, logs one event a line (worker/logging.ts), serves
 * Prometheus metrics when METRICS_BIND_ADDRESS is set, and stops gracefully on SIGINT/SIGTERM
 * (docs/operations.md, "Graceful shutdown").
 */

const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

function telemetryOptions(observability: ObservabilityConfig): TelemetryOptions {
  // Core's INFO lines are start-up chatter; at INFO only its warnings are worth a line.
  const coreLevel = observability.logLevel === 'INFO' ? 'WARN' : observability.logLevel;
  return {
    // Core's own lines go through our logger too, so that every line of the process is one format.
    logging: { filter: { core: coreLevel, other: 'ERROR' }, forward: {} },
    ...(observability.metricsBindAddress !== undefined
      ? {
          metrics: {
            prometheus: {
              bindAddress: observability.metricsBindAddress,
              histogramBucketOverrides: {
                [METRIC_NAMES.vendorCallDuration]: VENDOR_CALL_DURATION_BUCKETS,
              },
            },
          },
        }
      : {}),
  };
}

async function runWorker(observability: ObservabilityConfig, logger: Logger): Promise<void> {
  const config = loadWorkerConfig();
  const temporal = temporalConnectConfig();
  // Undefined when no codec keys are configured (PAYLOAD_CODEC_REQUIRED=true makes that an error).
  const dataConverter = dataConverterFromEnv();
  Runtime.install({
    logger,
    shutdownSignals: SHUTDOWN_SIGNALS,
    telemetryOptions: telemetryOptions(observability),
  });
  const metrics = createOffboardingMetrics(Runtime.instance().metricMeter);
  for (const signal of SHUTDOWN_SIGNALS) {
    process.once(signal, () => {
      logger.info('worker: stopping; in-flight activities finish first', { signal });
    });
  }
  const connection = await NativeConnection.connect(temporal.connectionOptions);
  try {
    // The Workers poll as the version of this very code (worker/deployment.ts).
    const distDir = path.resolve(__dirname, '..');
    const version = deploymentVersion(config.taskQueue, buildIdOf(distDir));
    // With encryption on, the bundle whose failure converter encrypts failures raised in workflows.
    const bundle = prebuiltBundle(distDir, version.buildId, dataConverter?.failureConverterPath);
    if ('reason' in bundle) logger.warn(`worker: ${bundle.reason}; bundling the workflows at start`);
    const options: OffboardingWorkerOptions = {
      connection,
      namespace: temporal.namespace,
      config,
      version,
      ...('codePath' in bundle ? { workflowBundle: { codePath: bundle.codePath } } : {}),
      vendorMetrics: vendorMetricsHook(metrics),
      workerOptions: {
        interceptors: { activity: [activityMetricsInterceptor(metrics)] },
        ...(dataConverter ? { dataConverter } : {}),
      },
    };
    const worker = await createOffboardingWorker(options);
    logger.info('worker: started', {
      taskQueues: [config.taskQueue, `${config.taskQueue}-wps`, `${config.taskQueue}-authing`],
      temporalAddress: temporal.address,
      namespace: temporal.namespace,
      ...version,
      wpsBaseUrl: config.wps.baseUrl,
      authingBaseUrl: config.authing.baseUrl,
      payloadEncryption: dataConverter !== undefined,
      workflowBundle: 'codePath' in bundle ? path.basename(bundle.codePath) : 'bundled at start',
      metrics: observability.metricsBindAddress ?? 'off',
      notifications: config.notify ? new URL(config.notify.url).host : 'off',
    });
    // offboarding_runs_needing_attention, only where metrics are served: a visibility count of the
    // namespace every 30 s, through a Client on the worker's connection; stopped once the Workers have.
    const attention =
      observability.metricsBindAddress !== undefined
        ? watchRunsNeedingAttention({
            count: visibilityCount(new Client({ connection, namespace: temporal.namespace })),
            gauge: createRunsNeedingAttentionGauge(Runtime.instance().metricMeter),
            logger,
          })
        : undefined;
    try {
      await worker.run();
    } finally {
      await attention?.stop();
    }
    logger.info('worker: stopped');
  } finally {
    await connection.close();
  }
}

function logFailure(logger: Logger, err: unknown): void {
  if (err instanceof ConfigError) {
    // These messages name the variable and never a secret's value.
    logger.error(`worker: configuration error: ${err.message}`);
  } else {
    logger.error(`worker: failed: ${err instanceof Error ? err.message : String(err)}`, { error: err });
  }
}

function main(): void {
  // Until LOG_LEVEL and LOG_FORMAT are read, a bad one is reported in the default format.
  let logger = createLogger({ level: 'INFO', format: process.stdout.isTTY ? 'text' : 'json' });
  runWorkerProcess().catch((err: unknown) => {
    logFailure(logger, err);
    process.exit(1);
  });

  async function runWorkerProcess(): Promise<void> {
    const observability = loadObservabilityConfig();
    logger = createLogger({ level: observability.logLevel, format: observability.logFormat });
    await runWorker(observability, logger);
  }
}

main();
