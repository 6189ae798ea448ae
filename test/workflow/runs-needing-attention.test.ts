import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { freePort } from '../../scripts/lib/ports';
import { createRunsNeedingAttentionGauge, METRIC_NAMES } from '../../worker/metrics';
import {
  RUNS_NEEDING_ATTENTION_QUERY,
  visibilityCount,
  watchRunsNeedingAttention,
} from '../../worker/runs-needing-attention';
import { PHASE, REQUEST_ID } from '../../workflows/search-attributes';
import { CapturingLogger } from '../support/logger';

/**
 * `offboarding_runs_needing_attention` on the suite's dev server, as worker/main.ts wires it: a Client
 * on a NativeConnection counts through visibility, a gauge of the Temporal runtime's meter is served on
 * its Prometheus endpoint. The runs are started with their OffboardingPhase on a task queue no worker
 * polls: they stay Running in the phase they were given.
 */

const suffix = randomUUID().slice(0, 8);
const waiting = `attention-waiting-${suffix}`;
const working = `attention-working-${suffix}`;
const ended = `attention-ended-${suffix}`;

async function eventually<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('offboarding_runs_needing_attention against the dev server', () => {
  let connection: NativeConnection;
  let client: Client;
  let metricsPort: number;

  beforeAll(async () => {
    metricsPort = await freePort();
    Runtime.install({
      logger: new DefaultLogger('WARN'),
      telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${metricsPort}` } } },
    });
    connection = await NativeConnection.connect({ address: process.env.TEMPORAL_TEST_ADDRESS });
    client = new Client({ connection, namespace: 'default' });
    const taskQueue = `attention-${suffix}`;
    for (const [workflowId, phase] of [
      [waiting, 'needs_attention'],
      [working, 'running'],
      [ended, 'needs_attention'],
    ] as const) {
      await client.workflow.start('offboarding', {
        taskQueue,
        workflowId,
        args: [],
        typedSearchAttributes: [
          { key: PHASE, value: phase },
          { key: REQUEST_ID, value: workflowId },
        ],
      });
    }
    await client.workflow.getHandle(ended).terminate('test: a run that has ended');
  });

  afterAll(async () => {
    for (const id of [waiting, working]) {
      await client?.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => undefined);
    }
    await connection?.close();
  });

  it('is accepted by visibility and counts open runs in needs_attention only', async () => {
    const count = visibilityCount(client);
    const of = (id: string) => count(`${RUNS_NEEDING_ATTENTION_QUERY} AND WorkflowId = '${id}'`);
    expect(
      await eventually(
        () => of(waiting),
        (n) => n === 1,
      ),
    ).toBe(1);
    // Started in another phase, or no longer Running: not counted.
    expect(await of(working)).toBe(0);
    expect(
      await eventually(
        () => of(ended),
        (n) => n === 0,
      ),
    ).toBe(0);
    expect(await count(RUNS_NEEDING_ATTENTION_QUERY)).toBeGreaterThanOrEqual(1);
  });

  it('is served on the Prometheus endpoint as a gauge of the whole namespace', async () => {
    const logger = new CapturingLogger();
    const watch = watchRunsNeedingAttention({
      count: visibilityCount(client),
      gauge: createRunsNeedingAttentionGauge(Runtime.instance().metricMeter),
      logger,
      intervalMs: 200,
    });
    const name = METRIC_NAMES.runsNeedingAttention;
    try {
      const text = await eventually(
        async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
        (body) => new RegExp(`^${name}(\\{[^}]*\\})? [1-9]\\d*$`, 'm').test(body),
      );
      expect(text).toMatch(new RegExp(`^# TYPE ${name} gauge$`, 'm'));
      expect(text).toMatch(new RegExp(`^${name}(\\{[^}]*\\})? [1-9]\\d*$`, 'm'));
    } finally {
      await watch.stop();
    }
    expect(logger.lines.filter((l) => l.level === 'WARN')).toEqual([]);
  });
});
