import type { Payload } from '@temporalio/common';

/**
 * The body of Temporal's remote codec protocol: `temporal.api.common.v1.Payloads` in proto3 JSON,
 * `{ "payloads": [ { "metadata": { "<key>": "<base64>" }, "data": "<base64>" } ] }`. Every bytes
 * field (each metadata value and the data) is base64, standard or URL-safe, padding optional, as
 * proto3 JSON allows. Unknown fields are ignored.
 */

export interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

/** The body is not a Payloads message. The message says where, never what a payload holds. */
export class PayloadsJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadsJsonError';
  }
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function bytesOf(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value) || value.replace(/=+$/, '').length % 4 === 1)
    throw new PayloadsJsonError(`${where} must be a base64 string`);
  return Buffer.from(value, 'base64');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function payloadFromJson(value: unknown, where: string): Payload {
  if (!isPlainObject(value)) throw new PayloadsJsonError(`${where} must be an object`);
  const payload: Payload = { metadata: {} };
  if (value.metadata !== undefined && value.metadata !== null) {
    if (!isPlainObject(value.metadata)) throw new PayloadsJsonError(`${where}.metadata must be an object`);
    const metadata: Record<string, Uint8Array> = {};
    for (const [key, encoded] of Object.entries(value.metadata))
      metadata[key] = bytesOf(encoded, `${where}.metadata[${JSON.stringify(key)}]`);
    payload.metadata = metadata;
  }
  if (value.data !== undefined && value.data !== null) payload.data = bytesOf(value.data, `${where}.data`);
  return payload;
}

/** Parses an already JSON-parsed request body into payloads. */
export function payloadsFromJson(body: unknown): Payload[] {
  if (!isPlainObject(body)) throw new PayloadsJsonError('the body must be a JSON object');
  // proto3 JSON omits an empty repeated field: `{}` is an empty Payloads.
  if (body.payloads === undefined || body.payloads === null) return [];
  if (!Array.isArray(body.payloads)) throw new PayloadsJsonError('payloads must be an array');
  return body.payloads.map((payload, index) => payloadFromJson(payload, `payloads[${index}]`));
}

const base64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** Payloads as the proto3 JSON response body (empty data omitted, as proto3 JSON does). */
export function payloadsToJson(payloads: readonly Payload[]): { payloads: JsonPayload[] } {
  return {
    payloads: payloads.map((payload) => {
      const json: JsonPayload = {
        metadata: Object.fromEntries(
          Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, base64(value)]),
        ),
      };
      if (payload.data && payload.data.byteLength > 0) json.data = base64(payload.data);
      return json;
    }),
  };
}
