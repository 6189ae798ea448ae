import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { activityLogAttributesInterceptor, batchLogAttributes } from '../../worker/activity-log-attributes';
import { createLogger } from '../../worker/logging';

/**
 * The SDK's own lines of a vendor activity ("Activity completed", "Activity failed") carry the batch
 * the attempt works on, as the activity's own lines do: they are what an operator's filter on
 * `.level != "INFO"` returns (docs/operations.md, "Read a failed run"). Run through the SDK's
 * activity machinery (MockActivityEnvironment: the same `Activity` class, interceptors and composed
 * logger as a Worker), written by the worker's JSON logger.
 */

type Line = Record<string, unknown> & { level: string; message: string };

const USER_IDS = ['wps-person-1', 'wps-person-2'];

function environment(interceptors: ActivityInterceptorsFactory[]): {
  env: MockActivityEnvironment;
  lines: Line[];
  output: string[];
} {
  const lines: Line[] = [];
  const output: string[] = [];
  const logger = createLogger({
    level: 'DEBUG',
    format: 'json',
    write: (line) => {
      output.push(line);
      lines.push(JSON.parse(line) as Line);
    },
  });
  const env = new MockActivityEnvironment(
    {
      activityType: 'disableWpsUsers',
      taskQueue: 'offboarding-wps',
      workflowExecution: { workflowId: 'offboarding-hr-42', runId: 'run-1' },
    },
    { logger, interceptors },
  );
  return { env, lines, output };
}

/** A vendor activity's shape: logs its own line, then, after a vendor call, completes or fails. */
async function vendorActivity(input: { batch: number; batches: number; userIds: string[] }, fail?: Error) {
  log.info('WPS disable', { batch: input.batch, batches: input.batches, users: input.userIds.length });
  await new Promise((resolve) => setImmediate(resolve));
  if (fail) throw fail;
  return input.userIds.map(() => ({ status: 'done' }));
}

const line = (lines: Line[], message: string): Line | undefined => lines.find((l) => l.message === message);

describe('activityLogAttributesInterceptor', () => {
  it('puts batch, batches and users on the SDK’s "Activity completed" line', async () => {
    const { env, lines } = environment([activityLogAttributesInterceptor]);
    const input = { batch: 3, batches: 20, userIds: USER_IDS };
    await expect(env.run(vendorActivity, input)).resolves.toHaveLength(2);

    const expected = {
      batch: 3,
      batches: 20,
      users: 2,
      activityType: 'disableWpsUsers',
      requestId: 'hr-42',
    };
    expect(line(lines, 'WPS disable')).toMatchObject({
      level: 'INFO',
      sdkComponent: 'activity',
      ...expected,
    });
    expect(line(lines, 'Activity completed')).toMatchObject({ level: 'DEBUG', ...expected });
  });

  it('puts them on the WARN "Activity failed" line, and never the ids themselves', async () => {
    const { env, lines, output } = environment([activityLogAttributesInterceptor]);
    const failure = ApplicationFailure.create({
      type: 'VendorUnavailable',
      message: 'wps batch_disable: 503',
    });
    await expect(env.run(vendorActivity, { batch: 7, batches: 9, userIds: USER_IDS }, failure)).rejects.toBe(
      failure,
    );

    const failed = line(lines, 'Activity failed');
    expect(failed).toMatchObject({ level: 'WARN', batch: 7, batches: 9, users: 2, requestId: 'hr-42' });
    expect(failed?.error).toMatchObject({ type: 'VendorUnavailable' });
    // At the production level (INFO), what the runbook’s filter (`.level != "INFO"`) returns holds the batch.
    const notInfo = lines.filter((l) => l.level !== 'INFO' && l.level !== 'DEBUG');
    expect(notInfo).toHaveLength(1);
    expect(notInfo[0]).toMatchObject({ batch: 7, batches: 9, users: 2 });
    for (const id of USER_IDS) expect(output.join('\n')).not.toContain(id);
  });

  it('reaches lines logged by interceptors after it (the metrics interceptor’s place)', async () => {
    const after: ActivityInterceptorsFactory = (ctx) => ({
      inbound: {
        async execute(input, next) {
          const result = await next(input);
          ctx.log.info('after the activity');
          return result;
        },
      },
    });
    const { env, lines } = environment([activityLogAttributesInterceptor, after]);
    await env.run(vendorActivity, { batch: 1, batches: 1, userIds: ['x'] });
    expect(line(lines, 'after the activity')).toMatchObject({ batch: 1, batches: 1, users: 1 });
  });

  it('keeps each attempt’s own batch', async () => {
    const first = environment([activityLogAttributesInterceptor]);
    const second = environment([activityLogAttributesInterceptor]);
    await first.env.run(vendorActivity, { batch: 1, batches: 2, userIds: USER_IDS });
    await second.env.run(vendorActivity, { batch: 2, batches: 2, userIds: ['only-one'] });
    expect(line(first.lines, 'Activity completed')).toMatchObject({ batch: 1, users: 2 });
    expect(line(second.lines, 'Activity completed')).toMatchObject({ batch: 2, users: 1 });
  });

  it('adds nothing to an activity whose input is not a batch', async () => {
    const { env, lines } = environment([activityLogAttributesInterceptor]);
    await env.run((name: string) => Promise.resolve(`hello ${name}`), 'world');
    const completed = line(lines, 'Activity completed');
    expect(completed).toMatchObject({ activityType: 'disableWpsUsers' });
    expect(completed).not.toHaveProperty('batch');
    expect(completed).not.toHaveProperty('users');
  });
});

describe('batchLogAttributes', () => {
  it('reads a WPS or Authing batch input', () => {
    expect(batchLogAttributes({ batch: 2, batches: 5, userIds: ['a', 'b', 'c'] })).toEqual({
      batch: 2,
      batches: 5,
      users: 3,
    });
    expect(batchLogAttributes({ batch: 1, batches: 1, userIds: ['a'], userIdType: 'username' })).toEqual({
      batch: 1,
      batches: 1,
      users: 1,
    });
  });

  it('ignores anything else', () => {
    for (const input of [
      undefined,
      null,
      'batch',
      [],
      {},
      { batch: 1, batches: 2 },
      { batch: '1', batches: 2, userIds: [] },
      { batch: 1.5, batches: 2, userIds: [] },
      { batch: -1, batches: 2, userIds: [] },
      { batch: 1, batches: 2, userIds: 'a,b' },
    ]) {
      expect(batchLogAttributes(input)).toBeUndefined();
    }
  });
});
