import { randomUUID } from 'node:crypto';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { dataConverterFor, FAILURE_CONVERTER_PATH } from '../../codec/data-converter';
import { connectTestEnvironment } from '../support/temporal';
import * as activities from './fixtures/activities';
import type { codecProbe } from './fixtures/workflows';
import { idsFoundIn, keyringOf } from './helpers';

/**
 * The codec wired as the lead will wire it: a worker and a client with `dataConverterFor(keyring)`,
 * a prebuilt bundle made with `failureConverterPath`. Every place a leaver id travels (input, activity
 * arguments and result, workflow result, failure messages from an activity and from workflow code)
 * must be ciphertext in the stored history, and plain text for the client with the key.
 */
describe('worker and client with the codec on a real dev server', () => {
  jest.setTimeout(120_000);
  const keyring = keyringOf('k-worker');
  let env: TestWorkflowEnvironment;
  let client: Client;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `codec-worker-${randomUUID()}`;

  beforeAll(async () => {
    env = await connectTestEnvironment();
    const dataConverter = dataConverterFor(keyring);
    client = new Client({ connection: env.connection, namespace: 'default', dataConverter });
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./fixtures/workflows'),
      failureConverterPath: FAILURE_CONVERTER_PATH,
      logger: new DefaultLogger('WARN'),
    });
    worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: bundle,
      activities,
      dataConverter,
    });
    running = worker.run();
  });

  afterAll(async () => {
    if (worker && worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await env?.teardown();
  });

  const tagged = (label: string) => {
    const tag = randomUUID().slice(0, 8);
    return [`EMP-${label}-${tag}-1`, `wps-${label}-${tag}-2`];
  };

  async function storedHistory(workflowId: string): Promise<Uint8Array> {
    // The test environment's client has no codec: it sees what the server stores.
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    return temporal.api.history.v1.History.encode(history).finish();
  }

  it('a completed run: ids only in ciphertext, the client reads the result', async () => {
    const ids = tagged('ok');
    const workflowId = `codec-probe-${randomUUID()}`;
    const result = await client.workflow.execute<typeof codecProbe>('codecProbe', {
      taskQueue,
      workflowId,
      args: [{ ids, failInWorkflow: false }],
    });
    expect(result).toEqual({ seen: ids.map((id) => `seen ${id}`) });
    expect(idsFoundIn(await storedHistory(workflowId), ids)).toEqual([]);
  });

  it('an activity failure: its message (with ids) is encrypted, the client still reads it', async () => {
    const ids = tagged('missing');
    const workflowId = `codec-probe-${randomUUID()}`;
    const err = await client.workflow
      .execute<
        typeof codecProbe
      >('codecProbe', { taskQueue, workflowId, args: [{ ids, failInWorkflow: false }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (err as WorkflowFailedError).cause;
    expect(activityFailure).toBeInstanceOf(ActivityFailure);
    expect((activityFailure?.cause as Error | undefined)?.message).toBe(
      `vendor says not found: ${ids.join(', ')}`,
    );

    const bytes = await storedHistory(workflowId);
    expect(idsFoundIn(bytes, ids)).toEqual([]);
    expect(Buffer.from(bytes).includes(Buffer.from('vendor says not found'))).toBe(false);
    expect(Buffer.from(bytes).includes(Buffer.from('Encoded failure'))).toBe(true);
  });

  it('a failure raised in workflow code is encrypted too (bundle built with failureConverterPath)', async () => {
    const ids = tagged('wf');
    const workflowId = `codec-probe-${randomUUID()}`;
    const err = await client.workflow
      .execute<
        typeof codecProbe
      >('codecProbe', { taskQueue, workflowId, args: [{ ids, failInWorkflow: true }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause?.message).toBe(`cannot offboard ${ids.join(', ')}`);
    const bytes = await storedHistory(workflowId);
    expect(idsFoundIn(bytes, ids)).toEqual([]);
    expect(Buffer.from(bytes).includes(Buffer.from('cannot offboard'))).toBe(false);
  });
});
