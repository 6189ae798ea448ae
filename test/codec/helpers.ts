import { createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import { Keyring } from '../../codec/keys';
import type { OffboardingRequest } from '../../workflows/request';

/** A `keyId:base64` entry and the base64 alone, to check that no message ever shows it. */
export function keyEntry(id: string): { id: string; base64: string; entry: string } {
  const base64 = randomBytes(32).toString('base64');
  return { id, base64, entry: `${id}:${base64}` };
}

export function keyringOf(current: string, ...ids: string[]): Keyring {
  const all = ids.includes(current) ? ids : [current, ...ids];
  return new Keyring(new Map(all.map((id) => [id, createSecretKey(randomBytes(32))])), current);
}

/** A request whose every id is unique and recognisable, so that finding one in bytes is meaningful. */
export function recognisableRequest(): { request: OffboardingRequest; ids: string[] } {
  const tag = randomUUID().slice(0, 8);
  const leavers = [1, 2, 3].map((n) => ({
    employeeId: `EMP-${tag}-${n}`,
    wpsUserId: `wps-${tag}-${n}`,
    authingUserId: `authing-${tag}-${n}@example.com`,
  }));
  return {
    request: { requestId: `codec-${tag}`, leavers },
    ids: leavers.flatMap((l) => [l.employeeId, l.wpsUserId, l.authingUserId]),
  };
}

/** Ids among `ids` that occur in `bytes` as UTF-8 text. */
export function idsFoundIn(bytes: Uint8Array, ids: readonly string[]): string[] {
  const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return ids.filter((id) => haystack.includes(Buffer.from(id, 'utf8')));
}
