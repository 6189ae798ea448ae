import { authingIdKey } from '../../workflows/request';
import {
  isVerifiableIdType,
  keysOf,
  matchUsers,
  sameAfterNormalizing,
} from '../../activities/authing/user-match';
import type { UserDto } from '../../activities/authing/contract';

const user: UserDto = {
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
    expect(keysOf({ ...user, identities: [{ extIdpId: 'idp1' }] }, 'identity')).toEqual([]);
    expect(keysOf({ ...user, identities: null }, 'sync_relation')).toEqual([]);
  });

  it('keys statuses by the requested id and leaves ids nobody carries out', () => {
    const r = matchUsers(['E1', 'E9'], [user], 'external_id');
    expect(r).toEqual({ ok: true, statuses: new Map([['E1', 'Activated']]) });
  });

  it('compares emails case-insensitively and keys the result by the id as requested', () => {
    const r = matchUsers(['A@Example.COM'], [user], 'email');
    expect(r).toEqual({ ok: true, statuses: new Map([['A@Example.COM', 'Activated']]) });
    expect(authingIdKey('Alice@X.com', 'email')).toBe('alice@x.com');
    // Only emails fold case.
    expect(authingIdKey('Alice', 'username')).toBe('Alice');
    expect(matchUsers(['ALICE'], [user], 'username').ok).toBe(false);
  });

  it('compares phones without spaces, dashes, dots or parentheses, keeping + and any country prefix', () => {
    expect(authingIdKey('+86 138-0000.0000', 'phone')).toBe('+8613800000000');
    expect(authingIdKey('(138) 0000 0000', 'phone')).toBe('13800000000');
    expect(matchUsers(['+86 (138) 0000-0000'], [user], 'phone')).toEqual({
      ok: true,
      statuses: new Map([['+86 (138) 0000-0000', 'Activated']]),
    });
    // +86 is not dropped or added: the national form is another id, and a record in the other form
    // is one we did not ask for (an error, never "not found").
    const national = { ...user, phone: '13800000000' };
    expect(matchUsers(['+8613800000000'], [national], 'phone')).toMatchObject({
      ok: false,
      field: 'data[0]',
      problem: expect.stringContaining('an item for an id we did not send'),
    });
  });

  it('finds two requested ids that compare equal', () => {
    expect(sameAfterNormalizing(['a@x.com', 'b@x.com', 'A@X.com'], 'email')).toEqual(['a@x.com', 'A@X.com']);
    expect(sameAfterNormalizing(['+86 1', '+861'], 'phone')).toEqual(['+86 1', '+861']);
    expect(sameAfterNormalizing(['a', 'A'], 'user_id')).toBeUndefined();
  });

  it('refuses to guess: two records for one id, a record for an id not sent, a record that is not one', () => {
    const twin = { ...user, userId: 'u2' };
    expect(matchUsers(['a@example.com'], [user, twin], 'email')).toMatchObject({
      ok: false,
      field: 'data[1]',
      problem: expect.stringContaining('two records (data[0] and data[1])'),
    });
    // Even the same record twice: one id, two records.
    expect(matchUsers(['u1'], [user, user], 'user_id').ok).toBe(false);
    // Two users matching one email in different case.
    const upper = { ...user, userId: 'u3', email: 'A@EXAMPLE.com' };
    expect(matchUsers(['a@example.com'], [user, upper], 'email').ok).toBe(false);
    expect(matchUsers(['zzz'], [user], 'user_id')).toMatchObject({
      ok: false,
      field: 'data[0]',
      problem: expect.stringContaining('an item for an id we did not send'),
    });
    for (const bad of [null, 'u1', 42, [], { ...user, status: 'Locked' }, { ...user, userId: undefined }]) {
      expect(matchUsers(['u1'], [user, bad], 'user_id')).toEqual({
        ok: false,
        field: 'data[1]',
        problem: 'not a user record',
      });
    }
  });
});
