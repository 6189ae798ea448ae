import { AUTHING_USER_STATUSES } from '../../activities/authing/client';
import { isVerifiableIdType, keysOf, matchUsers } from '../../activities/authing/user-match';

const user = {
  userId: 'u1',
  status: 'Activated',
  externalId: 'E1',
  email: 'a@example.com',
  phone: '+8613800000000',
  username: 'alice',
  identities: [{ extIdpId: 'idp1', userIdInIdp: 'ou_1', provider: 'lark' }],
};

describe('Authing user matching', () => {
  it('matches through the field of each id type', () => {
    expect(keysOf(user, 'user_id')).toEqual(['u1']);
    expect(keysOf(user, 'external_id')).toEqual(['E1']);
    expect(keysOf(user, 'email')).toEqual(['a@example.com']);
    expect(keysOf(user, 'phone')).toEqual(['+8613800000000']);
    expect(keysOf(user, 'username')).toEqual(['alice']);
    expect(keysOf(user, 'identity')).toEqual(['idp1:ou_1']);
    expect(keysOf(user, 'sync_relation')).toEqual(['lark:ou_1']);
    expect(keysOf(user, 'custom_field')).toEqual([]);
    expect(isVerifiableIdType('custom_field')).toBe(false);
    expect(isVerifiableIdType('identity')).toBe(true);
  });

  it('does not invent keys from missing identity parts', () => {
    expect(keysOf({ identities: [{ extIdpId: 'idp1' }] }, 'identity')).toEqual([]);
    expect(keysOf({ identities: 'nonsense' }, 'sync_relation')).toEqual([]);
  });

  it('keys statuses by the requested id and leaves unknown ids out', () => {
    const r = matchUsers(['E1', 'E9'], [user], 'external_id', AUTHING_USER_STATUSES);
    expect(r).toEqual({ ok: true, statuses: new Map([['E1', 'Activated']]) });
  });

  it('refuses to guess: unknown status, or two records for one id', () => {
    expect(matchUsers(['u1'], [{ ...user, status: 'Gone' }], 'user_id', AUTHING_USER_STATUSES).ok).toBe(
      false,
    );
    const twin = { ...user, userId: 'u2' };
    expect(matchUsers(['a@example.com'], [user, twin], 'email', AUTHING_USER_STATUSES).ok).toBe(false);
    // A record nobody asked for does not matter.
    expect(matchUsers(['zzz'], [{ ...user, status: 'Gone' }], 'user_id', AUTHING_USER_STATUSES).ok).toBe(
      true,
    );
  });
});
