import { MockActivityEnvironment } from '@temporalio/testing';
import type { ActivityInput, Next, WorkflowOutboundCallsInterceptor } from '@temporalio/workflow';
import type { AuthingDirectory, BatchInput, WpsDirectory } from '../../activities';
import { authingFailure } from '../../activities/authing/errors';
import { VendorError } from '../../activities/shared/errors';
import { mapWpsFailure } from '../../activities/wps/errors';
import { formatAblation, runAblation, type AblationCell } from '../../bench/ablation';
import { parseArgs, UsageError } from '../../bench/args';
import * as measureModule from '../../bench/scenarios/measure';
import { rateLimitSpec } from '../../bench/scenarios/rate-limit';
import type { ScenarioContext } from '../../bench/scenarios/types';
import { interceptors } from '../../bench/no-activity-retry';
import { loadWorkerConfig } from '../../worker/config';
import type { OffboardingWorkerOptions } from '../../worker/worker';

/**
 * `npm run bench -- --ablate` (bench/ablation.ts): its options, its table, and that each switch of
 * bench/ablated-worker.ts really turns its layer off in the product's code. Each switch replaces a
 * product module's export, so each test loads the modules afresh (jest.isolateModulesAsync).
 */

async function isolated(run: () => Promise<void>): Promise<void> {
  await jest.isolateModulesAsync(run);
}

describe('bench --ablate options', () => {
  it('--ablate switches off every layer in turn, on rate-limit and faults unless told', () => {
    const args = parseArgs(['--ablate']);
    expect(args.ablation).toEqual([
      'client-retry',
      'action-rounds',
      'activity-retry',
      'batch-split',
      'pacer',
      'call-slots',
    ]);
    expect(args.scenarios).toEqual(['rate-limit', 'faults']);
    expect(parseArgs([]).ablation).toBeUndefined();
  });

  it('--ablation LIST takes some layers, in their order; --scenarios still chooses', () => {
    const args = parseArgs(['--ablation', 'pacer,client-retry', '--scenarios', 'throughput']);
    expect(args.ablation).toEqual(['client-retry', 'pacer']);
    expect(args.scenarios).toEqual(['throughput']);
  });

  it('refuses an unknown layer, and a scenario the ablation does not run', () => {
    expect(() => parseArgs(['--ablation', 'pacer,retries'])).toThrow(UsageError);
    expect(() => parseArgs(['--ablation', ''])).toThrow(UsageError);
    expect(() => parseArgs(['--ablate', '--scenarios', 'scale'])).toThrow(/not scale/);
  });

  it('--workers N: worker processes on the task queue, 1 unless told, a whole number from 1 to 8', () => {
    expect(parseArgs([]).options.workers).toBe(1);
    expect(parseArgs(['--workers', '2']).options.workers).toBe(2);
    expect(parseArgs(['--ablate', '--workers=8']).options.workers).toBe(8);
    for (const bad of ['0', '9', '1.5', 'two', '']) {
      expect(() => parseArgs(['--workers', bad])).toThrow(/--workers must be a whole number from 1 to 8/);
    }
    expect(() => parseArgs(['--workers'])).toThrow(UsageError);
  });
});

describe('the ablation with several workers', () => {
  afterEach(() => jest.restoreAllMocks());

  it('with --workers 2, every run of the scenario (its baseline too) has 2 workers, each paced at R ÷ 2', async () => {
    const runs: measureModule.MeasureSpec[] = [];
    jest.spyOn(measureModule, 'measure').mockImplementation((_context, spec) => {
      runs.push(spec);
      const vendor = { calls: 100, throttled: 0, accepted: 100, firstAcceptedAt: 0, lastAcceptedAt: 4_000 };
      return Promise.resolve({
        wallMs: 10_000,
        leavers: spec.leavers,
        concurrency: spec.concurrency,
        workers: spec.workers ?? 1,
        status: 'completed',
        sims: { wps: vendor, authing: vendor, inFlight: { peak: 20, mean: 5 } },
        check: { leavers: spec.leavers, correct: spec.leavers, examples: [] },
      } as unknown as measureModule.Measurement);
    });
    const options = parseArgs(['--ablation', 'pacer', '--scenarios', 'rate-limit', '--workers', '2']).options;
    const context = { options, tag: 't', say: () => undefined } as unknown as ScenarioContext;
    const result = await runAblation(context, ['rate-limit'], ['pacer']);

    expect(runs.map((r) => [r.name, r.workers, r.callsPerSecond])).toEqual([
      ['rate-limit-baseline-2-workers', 2, 30],
      ['rate-limit-pacer-2-workers', 2, undefined],
    ]);
    const table = formatAblation(result).split('\n');
    expect(table.slice(2).map((row) => row.split(' | ').slice(0, 2).join(' | '))).toEqual([
      '| — (baseline) | rate-limit, 2 workers',
      '| pacer | rate-limit, 2 workers',
    ]);
    // 20 calls in flight: within 16 slots in each of 2 workers.
    expect(result.cells.map((c) => c.missed?.includes('in flight'))).toEqual([false, false]);
    expect(table[2]).toContain('| 20 (of 16 × 2) |');
  });

  it("a run's N workers poll one task queue, each paced at R ÷ N, with no task-queue rate", async () => {
    const startWorkers = jest.fn().mockRejectedValue(new Error('no stack here'));
    const stack = { sims: { reset: () => Promise.resolve() }, client: {}, startWorkers };
    const options = parseArgs(['--scenarios', 'rate-limit', '--workers', '2']).options;
    const context = { stack, options, tag: 't', say: () => undefined } as unknown as ScenarioContext;
    await expect(measureModule.measure(context, rateLimitSpec(options))).rejects.toThrow('no stack here');
    expect(startWorkers).toHaveBeenCalledWith(
      'rate-limit',
      expect.objectContaining({ callsPerSecond: 15 }),
      2,
    );
    expect(startWorkers.mock.calls[0]?.[1]).not.toHaveProperty('activitiesPerSecond');
  });
});

describe('the ablation table', () => {
  it('one markdown row per run, each change against its baseline in %', () => {
    const cells: AblationCell[] = [
      {
        scenario: 'faults',
        layer: 'baseline',
        wallMs: 20_000,
        calls: 1_000,
        throttled: 50,
        inFlightPeak: 4,
        concurrency: 4,
        notCut: 0,
        missed: [],
      },
      {
        scenario: 'faults',
        layer: 'client-retry',
        wallMs: 25_000,
        calls: 950,
        throttled: 48,
        inFlightPeak: 4,
        concurrency: 4,
        notCut: 3,
        missed: ['leavers correct'],
        change: { wallPct: 25, callsPct: -5 },
      },
      { scenario: 'rate-limit', layer: 'pacer', error: 'worker died\nmore' },
    ];
    const table = formatAblation({ layers: [], deadlineMs: 10_000, cells }).split('\n');
    expect(table[0]).toMatch(/^\| layer off \| scenario \| wall time \| Δ time \|/);
    expect(table[2]).toBe(
      '| — (baseline) | faults | 20.0 s |  | 1,000 |  |  |  | 50 | 4 (of 4) | 0 | none |',
    );
    expect(table[3]).toBe(
      '| client-retry | faults | 25.0 s | +25.0% | 950 | −5.0% |  |  | 48 | 4 (of 4) | 3 | leavers correct |',
    );
    expect(table[4]).toBe('| pacer | rate-limit | failed to run: worker died |  |  |  |  |  |  |  |  |  |');
  });
});

describe('each switch of bench/ablated-worker.ts turns its layer off', () => {
  it('client-retry: the vendor clients get no retries', () =>
    isolated(async () => {
      const { switchOff } = await import('../../bench/ablated-worker');
      const { WpsClient } = await import('../../activities/wps/client');
      const { AuthingClient } = await import('../../activities/authing/client');
      const { Secret } = await import('../../activities/shared/secret');
      const retriesOf = (client: object): number =>
        (client as { retry: { maxRetries: number } }).retry.maxRetries;
      const wps = { baseUrl: 'http://127.0.0.1:1', appId: 'a', appKey: new Secret('k') };
      const authing = {
        baseUrl: 'http://127.0.0.1:1',
        userPoolId: 'p',
        accessKeyId: 'p',
        accessKeySecret: new Secret('s'),
      };
      expect(retriesOf(new WpsClient(wps))).toBe(3);
      switchOff('client-retry');
      expect(retriesOf(new WpsClient(wps))).toBe(0);
      expect(retriesOf(new AuthingClient(authing))).toBe(0);
    }));

  it('action-rounds: an action answered with a 503 fails the attempt at once, without reading again', () =>
    isolated(async () => {
      const { switchOff } = await import('../../bench/ablated-worker');
      const { createActivities } = await import('../../activities');
      const errors = await import('../../activities/shared/errors');
      const calls: string[] = [];
      const wps: WpsDirectory = {
        readUsers: (ids) => {
          calls.push('read');
          return Promise.resolve(new Map(ids.map((id) => [id, 'active' as const])));
        },
        disableUsers: () => {
          calls.push('disable');
          return Promise.reject(
            new errors.VendorError(
              { vendor: 'wps', kind: 'transient', operation: 'batch_disable', httpStatus: 503 },
              'wps batch_disable: HTTP 503',
            ),
          );
        },
      };
      const unused = {} as AuthingDirectory;
      const disable = () => {
        const activities = createActivities({ wps, authing: unused });
        return new MockActivityEnvironment().run<[BatchInput], unknown, typeof activities.disableWpsUsers>(
          activities.disableWpsUsers,
          { batch: 1, batches: 1, userIds: ['w-1'] },
        );
      };
      await expect(disable()).rejects.toThrow(/HTTP 503/);
      expect(calls).toEqual(['read', 'disable', 'read', 'disable', 'read', 'disable']);
      calls.length = 0;
      switchOff('action-rounds');
      await expect(disable()).rejects.toThrow(/HTTP 503/);
      expect(calls).toEqual(['read', 'disable']);
    }));

  it('activity-retry: the worker bundles the workflows with an interceptor that schedules every activity for one attempt', async () => {
    const { withoutActivityRetry } = await import('../../bench/ablated-worker');
    const options = {
      config: {},
      workflowBundle: { codePath: '/prebuilt.js' },
      workerOptions: { interceptors: { activity: [] } },
    } as unknown as OffboardingWorkerOptions;
    const changed = withoutActivityRetry(options);
    expect(changed.workflowBundle).toBeUndefined();
    expect(changed.workerOptions?.interceptors?.activity).toEqual([]);
    expect(changed.workerOptions?.interceptors?.workflowModules).toEqual([
      require.resolve('../../bench/no-activity-retry'),
    ]);

    const outbound = interceptors().outbound as WorkflowOutboundCallsInterceptor[];
    const next = jest.fn<
      ReturnType<Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>>,
      [ActivityInput]
    >(() => Promise.resolve(undefined));
    const input = {
      activityType: 'disableWpsUsers',
      options: { taskQueue: 'q', retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2 } },
    } as unknown as ActivityInput;
    await outbound[0]?.scheduleActivity?.(input, next);
    expect(next.mock.calls[0]?.[0].options).toEqual({
      taskQueue: 'q',
      retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumAttempts: 1 },
    });
  });

  it('batch-split: no refusal says "some of the ids", so no batch is split', () =>
    isolated(async () => {
      const { switchOff } = await import('../../bench/ablated-worker');
      const env: NodeJS.ProcessEnv = {
        WPS_BASE_URL: 'http://127.0.0.1:1',
        WPS_APP_ID: 'a',
        WPS_APP_KEY: 'k',
        AUTHING_BASE_URL: 'http://127.0.0.1:2',
        AUTHING_USERPOOL_ID: 'p',
        AUTHING_ACCESS_KEY_ID: 'p',
        AUTHING_ACCESS_KEY_SECRET: 's',
      };
      switchOff('batch-split', env);
      const config = loadWorkerConfig(env);
      const refusedWps = mapWpsFailure(
        { status: 400, data: { code: 400000001, msg: 'invalid user_ids' }, headers: {} },
        'batch_disable',
        { idRejectedCodes: new Set(config.wps.idRejectedCodes) },
      );
      const refusedAuthing = authingFailure(
        { httpStatus: 200, body: { statusCode: 400, apiCode: 2004, message: 'no user' } },
        { operation: 'resign-user-batch', idRejectedApiCodes: config.authing.idRejectedApiCodes ?? [] },
      );
      for (const refused of [refusedWps, refusedAuthing]) {
        expect(refused).toBeInstanceOf(VendorError);
        expect(refused.details.kind).toBe('invalidRequest');
        expect(refused.details.refusesIds).toBeUndefined();
      }
      // Without the switch the same answers are split.
      expect(
        mapWpsFailure({ status: 400, data: { code: 400000001 }, headers: {} }, 'batch_disable').details
          .refusesIds,
      ).toBe(true);
    }));

  it('call-slots: an activity of a run takes no slot for its calls', () =>
    isolated(async () => {
      const { switchOff } = await import('../../bench/ablated-worker');
      const { CallSlots, takeCallSlot } = await import('../../activities/call-slots');
      const run = { run: 'r', limit: 1 };
      expect(await new CallSlots().within(run, () => Promise.resolve(takeCallSlot() !== undefined))).toBe(
        true,
      );
      switchOff('call-slots');
      expect(await new CallSlots().within(run, () => Promise.resolve(takeCallSlot() !== undefined))).toBe(
        false,
      );
    }));
});
