import { checkContract, type ContractContext } from '../../activities/shared/contract';
import { VendorError } from '../../activities/shared/errors';
import {
  batchReadStatuses,
  WPS_BATCH_DISABLE_SUCCESS,
  WPS_BATCH_READ_SUCCESS,
  WPS_ENVELOPE,
  WPS_TOKEN_SUCCESS,
} from '../../activities/wps/contract';

/** The declared WPS contracts, one per endpoint, and the checks beyond them. */

const ctx: ContractContext = {
  vendor: 'wps',
  operation: 'batch_read',
  httpStatus: 200,
  vendorRequestId: 'r-1',
};

function violation(fn: () => unknown): VendorError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(VendorError);
    return err as VendorError;
  }
  throw new Error('expected a contract violation');
}

describe('WPS contracts', () => {
  it('token: a non-empty access_token, a positive expires_in, token_type optional', () => {
    expect(checkContract(WPS_TOKEN_SUCCESS, { access_token: 't', expires_in: 7200 }, ctx)).toEqual({
      access_token: 't',
      expires_in: 7200,
    });
    for (const [answer, field] of [
      [{ access_token: '', expires_in: 7200 }, 'access_token'],
      [{ access_token: 't' }, 'expires_in'],
      [{ access_token: 't', expires_in: '7200' }, 'expires_in'],
      [{ access_token: 't', expires_in: 0 }, 'expires_in'],
      [{ token: 't', expires_in: 7200 }, 'access_token'],
      [{ access_token: 't', expires_in: 7200, token_type: 7 }, 'token_type'],
      ['<html/>', '(the body)'],
    ] as const) {
      const err = violation(() => checkContract(WPS_TOKEN_SUCCESS, answer, ctx));
      expect(err.details).toMatchObject({ kind: 'protocol', field });
    }
  });

  it('batch_read: code 0 and data.items of {id, status}; other item fields allowed', () => {
    const answer = {
      code: 0,
      msg: 'success',
      data: { items: [{ id: 'w-1', status: 'dimission', email: 'a@b', depts: [] }] },
    };
    expect(checkContract(WPS_BATCH_READ_SUCCESS, answer, ctx).data.items).toEqual([
      { id: 'w-1', status: 'dimission' },
    ]);
    for (const [bad, field] of [
      [{ code: 0, data: { items: [{ user_id: 'w-1', status: 'active' }] } }, 'data.items[0].id'],
      [{ code: 0, data: { items: [{ id: '', status: 'active' }] } }, 'data.items[0].id'],
      [{ code: 0, data: { items: [{ id: 'w-1', status: 'locked' }] } }, 'data.items[0].status'],
      [
        { code: 0, data: { items: [{ id: 'w-1', status: 'active' }, { id: 'w-2' }] } },
        'data.items[1].status',
      ],
      [{ code: 0, data: { users: [] } }, 'data.items'],
      [{ code: 0 }, 'data'],
      [{ code: 1, data: { items: [] } }, 'code'],
    ] as const) {
      const err = violation(() => checkContract(WPS_BATCH_READ_SUCCESS, bad, ctx));
      expect(err.details).toMatchObject({ kind: 'protocol', field, vendorRequestId: 'r-1' });
      expect(err.message).toContain(field);
      expect(err.message).toContain('r-1');
    }
  });

  it('batch_disable and the envelope: a numeric code', () => {
    expect(checkContract(WPS_BATCH_DISABLE_SUCCESS, { code: 0, msg: 'ok' }, ctx)).toEqual({ code: 0 });
    expect(checkContract(WPS_ENVELOPE, { code: 400000002 }, ctx)).toEqual({ code: 400000002 });
    for (const bad of [{ code: '0' }, { msg: 'ok' }, 'ok', null, { code: 0.5 }]) {
      expect(violation(() => checkContract(WPS_ENVELOPE, bad, ctx)).details.kind).toBe('protocol');
    }
  });

  it('batch_read beyond the schema: an id not asked for, or twice, is a violation; nothing is dropped', () => {
    const items = [
      { id: 'w-1', status: 'active' as const },
      { id: 'w-2', status: 'disabled' as const },
    ];
    expect([...batchReadStatuses(['w-1', 'w-2', 'w-3'], items, ctx, {}).entries()]).toEqual([
      ['w-1', 'active'],
      ['w-2', 'disabled'],
    ]);
    const stranger = violation(() => batchReadStatuses(['w-1'], items, ctx, {}));
    expect(stranger.details).toMatchObject({ kind: 'protocol', field: 'data.items[1].id' });
    expect(stranger.message).not.toContain('w-2');
    const twice = violation(() =>
      batchReadStatuses(['w-1'], [items[0]!, { id: 'w-1', status: 'disabled' }], ctx, {}),
    );
    expect(twice.details).toMatchObject({ kind: 'protocol', field: 'data.items[1].id' });
  });
});
