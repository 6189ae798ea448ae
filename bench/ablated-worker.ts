import type { WorkerOptions } from '@temporalio/worker';
import { CallSlots } from '../activities/call-slots';
import * as callRetry from '../activities/shared/call-retry';
import * as worker from '../worker/worker';

/**
 * The product's worker (worker/main.ts) with one layer switched off, for `npm run bench --
 * --ablate` (bench/ablation.ts): `node dist/bench/ablated-worker.js LAYER`. Bench only: nothing of
 * the product reads it. Each switch replaces one export of a product module before worker/main.ts
 * is loaded (its callers reach exports through the module object, so they get the replacement), or
 * sets a variable the worker already reads; test/unit/bench-ablation.test.ts checks that each
 * switch really turns its layer off. The throttles set by configuration (the task queues' activity
 * rate, the call pacer) are switched off by the bench not setting them.
 */

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The layers switched off here, in the worker process. */
export const WORKER_SWITCHES = [
  'client-retry',
  'action-rounds',
  'activity-retry',
  'batch-split',
  'call-slots',
] as const;
export type WorkerSwitch = (typeof WORKER_SWITCHES)[number];

/** Every activity gets one attempt: the workflow interceptor of ./no-activity-retry.ts, bundled at start. */
export function withoutActivityRetry(
  options: worker.OffboardingWorkerOptions,
): worker.OffboardingWorkerOptions {
  const { workflowBundle: _prebuilt, ...rest } = options;
  const interceptors: WorkerOptions['interceptors'] = {
    ...options.workerOptions?.interceptors,
    workflowModules: [require.resolve('./no-activity-retry')],
  };
  return { ...rest, workerOptions: { ...options.workerOptions, interceptors } };
}

export function switchOff(layer: WorkerSwitch, env: NodeJS.ProcessEnv = process.env): void {
  const retry = callRetry as Mutable<typeof callRetry>;
  switch (layer) {
    case 'client-retry': {
      // The clients resolve their policy through this export (activities/wps/client.ts, authing/client.ts).
      const resolve = retry.resolveCallRetryPolicy;
      retry.resolveCallRetryPolicy = (options = {}) => resolve({ ...options, maxRetries: 0 });
      return;
    }
    case 'action-rounds': {
      // Only activities/index.ts asks through the export (call-retry.ts calls its own function): an
      // action's answered 5xx no longer reads as "may have acted", so the attempt fails at once, as
      // with ACTION_ROUNDS = 1, and Temporal's retry takes over.
      const classify = retry.classifyFailure;
      retry.classifyFailure = (err) => {
        const failure = classify(err);
        return failure === 'mayHaveActed' ? 'permanent' : failure;
      };
      return;
    }
    case 'activity-retry': {
      const create = worker.createOffboardingWorker;
      (worker as Mutable<typeof worker>).createOffboardingWorker = (options) =>
        create(withoutActivityRetry(options));
      return;
    }
    case 'batch-split':
      // No refusal carries code 0: none says "some of the ids", so no batch is split.
      env.WPS_ID_REJECTED_CODES = '0';
      env.AUTHING_ID_REJECTED_API_CODES = '0';
      return;
    case 'call-slots':
      // As for an activity whose input names no run: no limit on its calls in flight.
      CallSlots.prototype.within = (_of, work) => work();
      return;
  }
}

if (require.main === module) {
  const layer = process.argv[2];
  if (!WORKER_SWITCHES.some((s) => s === layer)) {
    console.error(`ablated-worker: name one of ${WORKER_SWITCHES.join(', ')}; got ${String(layer)}`);
    process.exit(2);
  }
  switchOff(layer as WorkerSwitch);
  console.error(`ablated-worker: ${layer} switched off`);
  void import('../worker/main');
}
