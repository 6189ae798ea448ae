import { authingIdKey, type AuthingUserIdType } from '../../workflows/request';
import { userDto, type AuthingUserStatus, type UserDto } from './contract';

/**
 * Authing returns users under their `userId` whatever `userIdType` the call used, so a leaver's id is
 * matched to a record through the field of that type. `custom_field` has no such field in the record
 * (the answer does not say which custom field matched), so those ids cannot be verified by read-back.
 * Every record must carry exactly the ids we asked for: one that carries none of them, or a second
 * record for one id, stops the read (never a guess, since a wrong "not found" or "already resigned"
 * would hide a leaver who still has access).
 */

/** The id types whose ids can be matched to a returned record. */
export function isVerifiableIdType(type: AuthingUserIdType): boolean {
  return type !== 'custom_field';
}

type Text = string | null | undefined;
const pair = (a: Text, b: Text): Text => (a && b ? `${a}:${b}` : undefined);

/** The ids of `type` (in compared form) under which `user` can be asked for. */
export function keysOf(user: UserDto, type: AuthingUserIdType): string[] {
  const identities = user.identities ?? [];
  const raw: Record<AuthingUserIdType, Text[]> = {
    user_id: [user.userId],
    external_id: [user.externalId],
    email: [user.email],
    phone: [user.phone],
    username: [user.username],
    identity: identities.map((i) => pair(i.extIdpId, i.userIdInIdp)),
    sync_relation: identities.map((i) => pair(i.provider, i.userIdInIdp)),
    custom_field: [],
  };
  const keys = raw[type].filter((k): k is string => typeof k === 'string' && k !== '');
  return [...new Set(keys.map((k) => authingIdKey(k, type)))];
}

/** The record field an id of `type` is matched through, for messages. */
export function matchedField(type: AuthingUserIdType): string {
  const fields: Partial<Record<AuthingUserIdType, string>> = {
    user_id: 'userId',
    external_id: 'externalId',
    identity: 'identities (extIdpId:userIdInIdp)',
    sync_relation: 'identities (provider:userIdInIdp)',
  };
  return fields[type] ?? type;
}

/** Two ids of the request that compare equal (say `A@x.com` and `a@x.com`), if any. */
export function sameAfterNormalizing(
  ids: readonly string[],
  type: AuthingUserIdType,
): [string, string] | undefined {
  const seen = new Map<string, string>();
  for (const id of ids) {
    const key = authingIdKey(id, type);
    const other = seen.get(key);
    if (other !== undefined) return [other, id];
    seen.set(key, id);
  }
  return undefined;
}

export type MatchResult =
  | { ok: true; statuses: Map<string, AuthingUserStatus> }
  /** An answer that cannot be read safely, at `field` (e.g. `data[2]`). */
  | { ok: false; field: string; problem: string };

/**
 * Maps each requested id (as given) to the status of the one record that carries it. Fails on a
 * record that is not a user record, a record that carries none of the requested ids (an item for an
 * id we did not send), and a second record carrying a requested id. An id no record carries is left
 * out: Authing did not find it.
 */
export function matchUsers(
  requested: readonly string[],
  records: readonly unknown[],
  type: AuthingUserIdType,
): MatchResult {
  const wanted = new Map<string, string>();
  for (const id of requested) {
    const key = authingIdKey(id, type);
    if (wanted.has(key)) {
      return { ok: false, field: '(the request)', problem: `two requested ids compare equal as ${type}` };
    }
    wanted.set(key, id);
  }
  const statuses = new Map<string, AuthingUserStatus>();
  const owner = new Map<string, number>();
  for (const [index, record] of records.entries()) {
    const field = `data[${index}]`;
    const parsed = userDto.safeParse(record);
    if (!parsed.success) return { ok: false, field, problem: 'not a user record' };
    const user = parsed.data;
    const keys = keysOf(user, type).filter((k) => wanted.has(k));
    if (keys.length === 0) {
      return {
        ok: false,
        field,
        // Positions, never values: the message goes into logs and the run's history.
        problem: `an item for an id we did not send: the ${matchedField(type)} of the user at ${field} matches none of the ${requested.length} ids sent`,
      };
    }
    for (const key of keys) {
      const id = wanted.get(key) ?? key;
      const previous = owner.get(key);
      if (previous !== undefined) {
        return {
          ok: false,
          field,
          problem: `two records (data[${previous}] and ${field}) carry the ${type} sent as id #${requested.indexOf(id) + 1}; which one it designates is unknown`,
        };
      }
      owner.set(key, index);
      statuses.set(id, user.status);
    }
  }
  return { ok: true, statuses };
}
