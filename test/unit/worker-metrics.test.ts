import type { Context } from '@temporalio/activity';
import {
  ApplicationFailure,
  type MetricCounter,
  type MetricHistogram,
  type MetricMeter,
  type MetricTags,
} from '@temporalio/common';
import type { ActivityExecuteInput } from '@temporalio/worker';
import { AxiosError, type AxiosResponse } from 'axios';
import { VENDOR_FAILURE_TYPES, VendorError } from '../../activities/shared/errors';
import { send } from '../../activities/shared/http';
import { TokenCache } from '../../activities/shared/token-cache';
import { readRepoFile } from '../deploy/compose-file';
import { isReady, metricsUrl } from '../../worker/healthcheck';
import {
  activityMetricsInterceptor,
  createOffboardingMetrics,
  failureTypeOf,
  METRIC_NAMES,
  OTHER_FAILURE,
  vendorMetricsHook,
} from '../../worker/metrics';

/** A meter that remembers every value recorded, by metric name and tags. */
class RecordingMeter implements MetricMeter {
  readonly values: Array<{ name: string; value: number; tags: MetricTags }> = [];

  createCounter(name: string, unit?: string, description?: string): MetricCounter {
    return this.metric(name, unit, description, 'counter') as unknown as MetricCounter;
  }

  createHistogram(
    name: string,
    _type?: 'int' | 'float',
    unit?: string,
    description?: string,
  ): MetricHistogram {
    return this.metric(name, unit, description, 'histogram') as unknown as MetricHistogram;
  }

  createGauge(): never {
    throw new Error('not used');
  }

  withTags(): MetricMeter {
    return this;
  }

  sum(name: string, tags: MetricTags): number {
    return this.values
      .filter((v) => v.name === name && Object.entries(tags).every(([k, t]) => v.tags[k] === t))
      .reduce((total, v) => total + v.value, 0);
  }

  count(name: string, tags: MetricTags): number {
    return this.values.filter(
      (v) => v.name === name && Object.entries(tags).every(([k, t]) => v.tags[k] === t) && v.value > 0,
    ).length;
  }

  private metric(name: string, unit: string | undefined, description: string | undefined, kind: string) {
    const record = (value: number, tags: MetricTags = {}) => this.values.push({ name, value, tags });
    return {
      name,
      unit,
      description,
      kind,
      valueType: 'int',
      add: record,
      record,
      withTags: () => undefined,
    };
  }
}

function interceptorFor(activityType: string, metrics: ReturnType<typeof createOffboardingMetrics>) {
  const ctx = { info: { activityType } } as unknown as Context;
  return activityMetricsInterceptor(metrics)(ctx);
}

const input: ActivityExecuteInput = { args: [], headers: {} };

describe('our metrics', () => {
  it('starts every known series at 0', () => {
    const meter = new RecordingMeter();
    createOffboardingMetrics(meter);
    const zeros = (name: string) =>
      meter.values.filter((v) => v.name === name && v.value === 0).map((v) => v.tags);
    expect(zeros(METRIC_NAMES.leavers)).toHaveLength(2 * 5);
    expect(zeros(METRIC_NAMES.vendorCallErrors)).toHaveLength(
      2 * (Object.keys(VENDOR_FAILURE_TYPES).length + 1),
    );
    expect(zeros(METRIC_NAMES.tokenFetches)).toEqual([{ vendor: 'wps' }, { vendor: 'authing' }]);
  });

  it('counts each leaver of a completed vendor activity by system and outcome', async () => {
    const meter = new RecordingMeter();
    const metrics = createOffboardingMetrics(meter);
    const result = [{ status: 'done' }, { status: 'done' }, { status: 'already' }, { status: 'not_found' }];
    await expect(
      interceptorFor('disableWpsUsers', metrics).inbound?.execute?.(input, () => Promise.resolve(result)),
    ).resolves.toBe(result);
    await interceptorFor('resignAuthingUsers', metrics).inbound?.execute?.(input, () =>
      Promise.resolve([{ status: 'failed', code: 'NotVerified' }]),
    );
    expect(meter.sum(METRIC_NAMES.leavers, { system: 'wps', outcome: 'done' })).toBe(2);
    expect(meter.sum(METRIC_NAMES.leavers, { system: 'wps', outcome: 'already' })).toBe(1);
    expect(meter.sum(METRIC_NAMES.leavers, { system: 'wps', outcome: 'not_found' })).toBe(1);
    expect(meter.sum(METRIC_NAMES.leavers, { system: 'authing', outcome: 'failed' })).toBe(1);
    expect(meter.sum(METRIC_NAMES.leavers, { system: 'authing', outcome: 'done' })).toBe(0);
  });

  it('counts a failed attempt by vendor and failure type, and rethrows it unchanged', async () => {
    const meter = new RecordingMeter();
    const metrics = createOffboardingMetrics(meter);
    const failure = new VendorError(
      { vendor: 'wps', kind: 'credentials', operation: 'oauth2/token' },
      'wps oauth2/token: refused',
    ).toApplicationFailure();
    await expect(
      interceptorFor('disableWpsUsers', metrics).inbound?.execute?.(input, () => Promise.reject(failure)),
    ).rejects.toBe(failure);
    await expect(
      interceptorFor('resignAuthingUsers', metrics).inbound?.execute?.(input, () =>
        Promise.reject(new Error('bug')),
      ),
    ).rejects.toThrow('bug');
    expect(
      meter.sum(METRIC_NAMES.vendorCallErrors, { vendor: 'wps', type: 'VendorCredentialsRejected' }),
    ).toBe(1);
    expect(meter.sum(METRIC_NAMES.vendorCallErrors, { vendor: 'authing', type: OTHER_FAILURE })).toBe(1);
  });

  it('leaves other activities alone', () => {
    expect(interceptorFor('somethingElse', createOffboardingMetrics(new RecordingMeter()))).toEqual({});
  });

  it('never lets a broken meter change an activity outcome', async () => {
    const meter = new RecordingMeter();
    const metrics = createOffboardingMetrics(meter);
    metrics.leavers.add = () => {
      throw new Error('meter down');
    };
    const result = [{ status: 'done' }];
    await expect(
      interceptorFor('disableWpsUsers', metrics).inbound?.execute?.(input, () => Promise.resolve(result)),
    ).resolves.toBe(result);
  });

  it.each([
    [
      'a VendorUnavailable failure',
      ApplicationFailure.create({ type: 'VendorUnavailable', message: 'x' }),
      'VendorUnavailable',
    ],
    [
      'a failure of a type outside the closed set',
      ApplicationFailure.create({ type: 'InvalidRequest', message: 'x' }),
      OTHER_FAILURE,
    ],
    ['a plain Error', new Error('x'), OTHER_FAILURE],
    ['undefined', undefined, OTHER_FAILURE],
  ])('the failure type of %s is %s', (_what, err, type) => {
    expect(failureTypeOf(err)).toBe(type);
  });

  it('are documented in docs/operations.md with their labels', () => {
    const docs = readRepoFile('docs/operations.md');
    for (const name of Object.values(METRIC_NAMES)) expect(docs).toContain(`\`${name}\``);
    for (const label of ['`system`', '`outcome`', '`vendor`', '`operation`', '`type`'])
      expect(docs).toContain(label);
  });
});

describe('the vendor clients’ metrics hooks', () => {
  const response = { status: 200, data: {}, headers: {} } as AxiosResponse<unknown>;

  it('send() reports how long an exchange took, answered or not', async () => {
    const meter = new RecordingMeter();
    const hook = vendorMetricsHook(createOffboardingMetrics(meter));
    await send(
      'wps',
      'batch_read',
      () => new Promise<AxiosResponse<unknown>>((r) => setTimeout(() => r(response), 20)),
      hook,
    );
    await expect(
      send(
        'authing',
        'get-user-batch',
        () => Promise.reject(new AxiosError('timeout', 'ECONNABORTED')),
        hook,
      ),
    ).rejects.toBeInstanceOf(VendorError);
    const durations = meter.values.filter((v) => v.name === METRIC_NAMES.vendorCallDuration);
    expect(durations.map((d) => d.tags)).toEqual([
      { vendor: 'wps', operation: 'batch_read' },
      { vendor: 'authing', operation: 'get-user-batch' },
    ]);
    expect(durations[0]?.value).toBeGreaterThanOrEqual(0.015);
    expect(durations[0]?.value).toBeLessThan(5);
  });

  it('send() works the same without a hook, and a failing hook does not fail the call', async () => {
    await expect(send('wps', 'batch_read', () => Promise.resolve(response))).resolves.toBe(response);
    const broken = {
      callEnded: () => {
        throw new Error('meter down');
      },
      tokenFetched: () => undefined,
    };
    await expect(send('wps', 'batch_read', () => Promise.resolve(response), broken)).resolves.toBe(response);
  });

  it('the token cache reports each fetch of a new token, not each use of a cached one', async () => {
    const meter = new RecordingMeter();
    const hook = vendorMetricsHook(createOffboardingMetrics(meter));
    const cache = new TokenCache({
      fetchToken: () => Promise.resolve({ value: 't', expiresInSeconds: 3600 }),
      onFetch: () => hook.tokenFetched('authing'),
    });
    await Promise.all([cache.get(), cache.get()]);
    await cache.get();
    cache.invalidate('t');
    await cache.get();
    expect(meter.sum(METRIC_NAMES.tokenFetches, { vendor: 'authing' })).toBe(2);
    expect(cache.fetches).toBe(2);
  });

  it('a throwing onFetch does not fail the token fetch', async () => {
    const cache = new TokenCache({
      fetchToken: () => Promise.resolve({ value: 't', expiresInSeconds: 3600 }),
      onFetch: () => {
        throw new Error('meter down');
      },
    });
    await expect(cache.get()).resolves.toBe('t');
  });
});

describe('the worker health check', () => {
  it('is ready once the SDK exports its running workers and pollers', () => {
    const running = [
      '# TYPE temporal_worker_start counter',
      'temporal_worker_start{namespace="default",task_queue="offboarding"} 1',
      'temporal_num_pollers{poller_type="activity_task",task_queue="offboarding-wps"} 10',
    ].join('\n');
    expect(isReady(running)).toBe(true);
    expect(isReady('offboarding_leavers_total{outcome="done",system="wps"} 0')).toBe(false);
    expect(isReady('# HELP temporal_worker_start Count\n')).toBe(false);
  });

  it('scrapes a wildcard bind address on loopback', () => {
    expect(metricsUrl('0.0.0.0:9464')).toBe('http://127.0.0.1:9464/metrics');
    expect(metricsUrl('[::]:9464')).toBe('http://[::1]:9464/metrics');
    expect(metricsUrl('10.0.0.5:9464')).toBe('http://10.0.0.5:9464/metrics');
  });
});
