import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { VendorMetrics } from '../../activities/shared/metrics';
import { dataConverterFromEnv } from '../../codec/data-converter';
import { activityLogAttributesInterceptor } from '../../worker/activity-log-attributes';
import { loadWorkerConfig } from '../../worker/config';
import { createOffboardingWorker, createVendorClients } from '../../worker/worker';

/**
 * How worker/worker.ts hands its options to the SDK, without a server: `Worker.create` is replaced
 * by a recorder. The payload codec and the interceptors must reach every one of the three Workers
 * (workflows, WPS activities, Authing activities): a Worker without the codec would write personal
 * data in clear, or fail to read what the others encrypted.
 */

const config = loadWorkerConfig({
  WPS_BASE_URL: 'http://127.0.0.1:1',
  WPS_APP_ID: 'app',
  WPS_APP_KEY: 'app-key-value',
  AUTHING_BASE_URL: 'http://127.0.0.1:2',
  AUTHING_USERPOOL_ID: 'pool',
  AUTHING_ACCESS_KEY_ID: 'key-id',
  AUTHING_ACCESS_KEY_SECRET: 'access-key-secret-value',
  OFFBOARDING_TASK_QUEUE: 'wiring',
});

const hook: VendorMetrics = { callEnded: () => undefined, tokenFetched: () => undefined };

describe('worker wiring', () => {
  let created: WorkerOptions[];

  beforeEach(() => {
    created = [];
    jest.spyOn(Worker, 'create').mockImplementation((options: WorkerOptions) => {
      created.push(options);
      return Promise.resolve({ getState: () => 'INITIALIZED' } as unknown as Worker);
    });
  });
  afterEach(() => jest.restoreAllMocks());

  async function create(extra: { dataConverter?: DataConverter; vendorMetrics?: VendorMetrics }) {
    const interceptors = { activity: [() => ({})] };
    await createOffboardingWorker({
      connection: {} as NativeConnection,
      namespace: 'default',
      config,
      workflowBundle: { code: '' },
      workerOptions: {
        interceptors,
        ...(extra.dataConverter ? { dataConverter: extra.dataConverter } : {}),
      },
      ...(extra.vendorMetrics ? { vendorMetrics: extra.vendorMetrics } : {}),
    });
    return interceptors;
  }

  it('passes the encrypting data converter and the interceptors to all three Workers', async () => {
    const dataConverter = dataConverterFromEnv({
      PAYLOAD_CODEC_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    });
    expect(dataConverter?.payloadCodecs).toHaveLength(1);
    const interceptors = await create(dataConverter ? { dataConverter } : {});
    expect(created.map((o) => o.taskQueue)).toEqual(['wiring', 'wiring-wps', 'wiring-authing']);
    for (const options of created) {
      expect(options.dataConverter).toBe(dataConverter);
      expect(options.namespace).toBe('default');
    }
    expect(created[0]?.interceptors).toBe(interceptors);
    // The vendor Workers: the log attributes interceptor first, then every one given, in order.
    for (const options of created.slice(1)) {
      expect(options.interceptors?.activity).toEqual([
        activityLogAttributesInterceptor,
        ...interceptors.activity,
      ]);
      expect(options.interceptors?.activity?.[1]).toBe(interceptors.activity[0]);
    }
    // Each vendor's activities on its own queue, the workflows on the base one.
    expect(created[0]?.workflowBundle).toEqual({ code: '' });
    expect(Object.keys(created[1]?.activities ?? {})).toEqual(['disableWpsUsers']);
    expect(Object.keys(created[2]?.activities ?? {})).toEqual(['resignAuthingUsers']);
    // The notify activity on the base queue, with the workflows that call it.
    expect(Object.keys(created[0]?.activities ?? {})).toEqual(['notifyRun']);
  });

  it('puts the log attributes interceptor on both vendor Workers even when none is given', async () => {
    await createOffboardingWorker({
      connection: {} as NativeConnection,
      namespace: 'default',
      config,
      workflowBundle: { code: '' },
    });
    expect(created[0]?.interceptors).toBeUndefined();
    for (const options of created.slice(1)) {
      expect(options.interceptors).toEqual({ activity: [activityLogAttributesInterceptor] });
    }
  });

  it('gives every Worker a shutdown grace time for in-flight activities', async () => {
    await create({});
    expect(created).toHaveLength(3);
    for (const options of created) expect(options.shutdownGraceTime).toBe('20 seconds');
  });

  it('without a data converter leaves the SDK default (no dataConverter key at all)', async () => {
    await create({});
    for (const options of created) expect('dataConverter' in options).toBe(false);
  });
});

describe('createVendorClients', () => {
  /** The options a client was built with (private to the client; read here only to check the wiring). */
  const optionsOf = (client: object) =>
    (client as unknown as { options: { metrics?: VendorMetrics } }).options;

  it('hands the metrics hook to both vendor clients', () => {
    const clients = createVendorClients(config, hook);
    expect(optionsOf(clients.wps).metrics).toBe(hook);
    expect(optionsOf(clients.authing).metrics).toBe(hook);
  });

  it('builds clients without a hook when none is given', () => {
    const clients = createVendorClients(config);
    expect(optionsOf(clients.wps).metrics).toBeUndefined();
    expect(optionsOf(clients.authing).metrics).toBeUndefined();
  });
});
