import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { AesGcmPayloadCodec } from '../../codec/aes-gcm-codec';
import { dataConverterFor } from '../../codec/data-converter';
import { workflowIdFor, type OffboardingRequest } from '../../workflows/request';
import { REQUEST_ID } from '../../workflows/search-attributes';
import { idsFoundIn, keyringOf, recognisableRequest } from './helpers';

/**
 * The acceptance test: on a real Temporal server, a run started through the encrypting
 * client leaves no leaver id in its stored history, while a client with the key reads them back.
 * No worker: the started event alone holds the request, and the runs are terminated afterwards.
 */
describe('payloads at rest on a real Temporal dev server', () => {
  jest.setTimeout(60_000);
  const keyring = keyringOf('k-history');
  let connection: Connection;
  let plain: Client;
  let encrypted: Client;
  const started: WorkflowHandle[] = [];

  beforeAll(async () => {
    const address = process.env.TEMPORAL_TEST_ADDRESS;
    if (!address) throw new Error('TEMPORAL_TEST_ADDRESS is not set: run the tests through Jest (npm test)');
    connection = await Connection.connect({ address, connectTimeout: 10_000 });
    plain = new Client({ connection, namespace: 'default' });
    encrypted = new Client({ connection, namespace: 'default', dataConverter: dataConverterFor(keyring) });
  });

  afterAll(async () => {
    for (const handle of started) await handle.terminate('codec test done').catch(() => undefined);
    await connection?.close();
  });

  /** Starts `offboarding` as the client would (id, search attribute, memo, summary), with no worker. */
  async function startWith(
    client: Client,
    request: OffboardingRequest,
    ids: string[],
  ): Promise<WorkflowHandle> {
    const handle = await client.workflow.start('offboarding', {
      taskQueue: `codec-test-${randomUUID()}`,
      workflowId: workflowIdFor(request.requestId),
      args: [request],
      typedSearchAttributes: [{ key: REQUEST_ID, value: request.requestId }],
      // Ours hold a digest and counts only; ids here check that memo and summary are encrypted too.
      memo: { note: `first leaver ${ids[0]}` },
      staticSummary: `Offboarding ${request.requestId}, starting with ${ids[1]}`,
      workflowExecutionTimeout: '5 minutes',
    });
    started.push(handle);
    return handle;
  }

  async function historyBytes(
    workflowId: string,
  ): Promise<{ bytes: Uint8Array; history: temporal.api.history.v1.IHistory }> {
    // Read back by a client without the codec: what the server stores, as it stores it.
    const history = await plain.workflow.getHandle(workflowId).fetchHistory();
    return { bytes: temporal.api.history.v1.History.encode(history).finish(), history };
  }

  it('the check is meaningful: without the codec, the ids are in the history in clear', async () => {
    const { request, ids } = recognisableRequest();
    await startWith(plain, request, ids);
    const { bytes } = await historyBytes(workflowIdFor(request.requestId));
    expect(idsFoundIn(bytes, ids)).toEqual(ids);
  });

  it('with the codec, the stored history holds no leaver id; a client with the key decodes the input', async () => {
    const { request, ids } = recognisableRequest();
    const handle = await startWith(encrypted, request, ids);
    await handle.terminate('codec test done');

    const { bytes, history } = await historyBytes(handle.workflowId);
    expect(bytes.length).toBeGreaterThan(0);
    expect(idsFoundIn(bytes, ids)).toEqual([]);
    // What stays in clear by design: the workflow id and the search attribute (the request id only).
    expect(Buffer.from(bytes).includes(Buffer.from(request.requestId))).toBe(true);

    const startedEvent = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const input = startedEvent?.input?.payloads ?? [];
    expect(input).toHaveLength(1);
    expect(Buffer.from(input[0]?.metadata?.encoding ?? []).toString()).toBe('binary/encrypted');
    expect(Buffer.from(input[0]?.metadata?.['encryption-key-id'] ?? []).toString()).toBe('k-history');

    const decoded = await new AesGcmPayloadCodec(keyring).decode(input);
    expect(defaultPayloadConverter.fromPayload(decoded[0]!)).toEqual(request);

    // The SDK's own decoding path, through the client that has the codec.
    const description = await encrypted.workflow.getHandle(handle.workflowId).describe();
    expect(description.memo).toEqual({ note: `first leaver ${ids[0]}` });
    expect(await description.staticSummary()).toBe(
      `Offboarding ${request.requestId}, starting with ${ids[1]}`,
    );
    // A client without the codec cannot even describe the run (its memo is encrypted): every client
    // that reads these runs needs the data converter.
    await expect(plain.workflow.getHandle(handle.workflowId).describe()).rejects.toThrow(
      'Unknown encoding: binary/encrypted',
    );
  });
});
