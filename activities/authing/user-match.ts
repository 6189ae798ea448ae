import type { AuthingUserIdType } from '../../workflows/request';

/**
 * Authing returns users under their `userId` whatever `userIdType` the call used, so a leaver's id is
 * matched to a record through the field of that type. `custom_field` has no such field in the record
 * (the answer does not say which custom field matched), so those ids cannot be verified by read-back.
 */

export interface UserDto {
  userId?: unknown;
  status?: unknown;
  externalId?: unknown;
  email?: unknown;
  phone?: unknown;
  username?: unknown;
  identities?: unknown;
}

interface IdentityDto {
  extIdpId?: unknown;
  userIdInIdp?: unknown;
  provider?: unknown;
}

/** The id types whose ids can be matched to a returned record. */
export function isVerifiableIdType(type: AuthingUserIdType): boolean {
  return type !== 'custom_field';
}

const str = (v: unknown): string[] => (typeof v === 'string' && v !== '' ? [v] : []);

function identitiesOf(user: UserDto): IdentityDto[] {
  return Array.isArray(user.identities)
    ? user.identities.filter((i): i is IdentityDto => typeof i === 'object' && i !== null)
    : [];
}

function pair(a: unknown, b: unknown): string[] {
  return typeof a === 'string' && a !== '' && typeof b === 'string' && b !== '' ? [`${a}:${b}`] : [];
}

/** The ids of `type` under which `user` can be asked for. */
export function keysOf(user: UserDto, type: AuthingUserIdType): string[] {
  switch (type) {
    case 'user_id':
      return str(user.userId);
    case 'external_id':
      return str(user.externalId);
    case 'email':
      return str(user.email);
    case 'phone':
      return str(user.phone);
    case 'username':
      return str(user.username);
    case 'identity':
      return identitiesOf(user).flatMap((i) => pair(i.extIdpId, i.userIdInIdp));
    case 'sync_relation':
      return identitiesOf(user).flatMap((i) => pair(i.provider, i.userIdInIdp));
    case 'custom_field':
      return [];
  }
}

export type MatchResult<S> =
  | { ok: true; statuses: Map<string, S> }
  /** A record that cannot be read safely: two records claim one id, or a status we do not know. */
  | { ok: false; problem: string };

/**
 * Maps each requested id to the status of the one record that carries it. A matched record with a
 * status we do not know, or an id claimed by two records, is an error: never guess, since a wrong
 * "not found" or "already resigned" would hide a leaver who still has access.
 */
export function matchUsers<S extends string>(
  requested: readonly string[],
  records: readonly UserDto[],
  type: AuthingUserIdType,
  knownStatuses: readonly S[],
): MatchResult<S> {
  const wanted = new Set(requested);
  const statuses = new Map<string, S>();
  const owner = new Map<string, string>();
  for (const user of records) {
    if (typeof user !== 'object' || user === null) continue;
    const status = user.status;
    const who = typeof user.userId === 'string' ? user.userId : JSON.stringify(keysOf(user, type));
    for (const key of new Set(keysOf(user, type))) {
      if (!wanted.has(key)) continue;
      if (typeof status !== 'string' || !(knownStatuses as readonly string[]).includes(status)) {
        return {
          ok: false,
          problem: `the record for ${key} has an unknown status ${JSON.stringify(status)}`,
        };
      }
      const previous = owner.get(key);
      if (previous !== undefined && previous !== who) {
        return { ok: false, problem: `two records (${previous}, ${who}) carry the ${type} ${key}` };
      }
      owner.set(key, who);
      statuses.set(key, status as S);
    }
  }
  return { ok: true, statuses };
}
