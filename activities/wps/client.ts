import type { z } from 'zod';
import type { CallKind } from '../shared/call-retry';
import {
  checkContract,
  contractContext,
  userStatuses,
  type ContractContext,
  type UserStatuses,
} from '../shared/contract';
import { headerValue, isSuccess } from '../shared/http';
import { VendorError } from '../shared/errors';
import { resolveSecret, type SecretSource } from '../shared/secret';
import { RENEW_TOKEN, VendorClient, type VendorClientOptions } from '../shared/vendor-client';
import {
  batchReadStatuses,
  WPS_BATCH_DISABLE_SUCCESS,
  WPS_BATCH_READ_SUCCESS,
  WPS_ENVELOPE,
  WPS_TOKEN_SUCCESS,
  WPS_USER_STATUSES,
  type WpsUserStatus,
} from './contract';
import {
  envelopeOf,
  isSignatureRejection,
  isTokenRejection,
  mapWpsFailure,
  WPS_ID_REJECTED_CODES,
  WPS_SIGNATURE_REJECTED_CODES,
  wpsRequestId,
  type WpsCodeRules,
} from './errors';
import { kso1Authorization, kso1Date } from './kso1';

export type { WpsUserStatus } from './contract';

export interface WpsClientOptions extends VendorClientOptions {
  /**
   * The API's root, e.g. `https://openapi.wps.cn`, or a gateway's with its path prefix
   * (`https://host/openapi`): the prefix is part of the path sent, and so of what KSO-1 signs.
   */
  baseUrl: string;
  appId: string;
  appKey: SecretSource;
  /** Clock for the X-Kso-Date header. Default `() => new Date()`. */
  now?: () => Date;
  /** Added to `WPS_SIGNATURE_REJECTED_CODES` (./errors.ts); the env variable of that name. */
  signatureRejectedCodes?: Iterable<number>;
  /** Rate-limit codes (even inside HTTP 200) besides `429` + six digits. `WPS_THROTTLED_CODES`. */
  throttledCodes?: Iterable<number>;
  /** Replaces `WPS_ID_REJECTED_CODES` (./errors.ts); the env variable of that name. */
  idRejectedCodes?: Iterable<number>;
}

/** The most ids this client sends in one call (the vendor's own maximum is not published). */
export const WPS_MAX_IDS_PER_CALL = 50;

const CONTENT_TYPE = 'application/json';
const TOKEN_OPERATION = 'oauth2/token';

/** A success answer that passed its contract, and what identifies it. */
interface Checked<T> {
  body: T;
  /** The answer as received, for the shape in a later contract violation. */
  answer: unknown;
  ctx: ContractContext;
  /** The response's `Date` header. */
  serverDate?: string;
}

/** A WPS 365 open-API client: app token, KSO-1 signed calls, errors mapped to `VendorError`. */
export class WpsClient extends VendorClient {
  private readonly baseUrl: string;
  private readonly now: () => Date;
  private readonly codes: Required<WpsCodeRules>;

  constructor(private readonly options: WpsClientOptions) {
    const base = new URL(options.baseUrl);
    // A query or fragment would land in the middle of every path: nothing sensible to sign.
    if (base.search !== '' || base.hash !== '') {
      throw new Error('WPS base URL must not have a query string or a fragment');
    }
    super('wps', TOKEN_OPERATION, options);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.codes = {
      signatureRejectedCodes: new Set([
        ...WPS_SIGNATURE_REJECTED_CODES,
        ...(options.signatureRejectedCodes ?? []),
      ]),
      throttledCodes: new Set(options.throttledCodes ?? []),
      idRejectedCodes: new Set(options.idRejectedCodes ?? WPS_ID_REJECTED_CODES),
    };
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Disables up to 50 users. Resolves with the vendor's request id, if it sent one.
   *
   * An `action` (../shared/call-retry.ts): specs/wps-365.md does not say batch_disable is idempotent
   * (§3 lists "whether disabling an already-disabled user is an error" as unknown, and the simulator
   * can `reject` it), so a blind resend after the vendor may have acted could turn a done batch into
   * a refused one. The activity re-reads first (../index.ts).
   */
  async disableUsers(userIds: readonly string[]): Promise<{ vendorRequestId?: string }> {
    checkIds(userIds, 'batch_disable');
    const { ctx } = await this.signedPost(
      '/v7/users/batch_disable',
      { user_ids: userIds },
      'batch_disable',
      'action',
      WPS_BATCH_DISABLE_SUCCESS,
    );
    return ctx.vendorRequestId === undefined ? {} : { vendorRequestId: ctx.vendorRequestId };
  }

  /**
   * Reads up to 50 users' statuses; an id missing from the result does not exist. Asks for every
   * status (§6: without `dimission` in the filter, people who left look like unknown ids). The answer
   * must match its contract whole: no item is ever skipped.
   */
  async readUsers(userIds: readonly string[]): Promise<UserStatuses<WpsUserStatus>> {
    checkIds(userIds, 'batch_read');
    const { body, answer, ctx, serverDate } = await this.signedPost(
      '/v7/users/batch_read',
      { user_ids: userIds, status: [...WPS_USER_STATUSES] },
      'batch_read',
      'read',
      WPS_BATCH_READ_SUCCESS,
    );
    const statuses = batchReadStatuses(userIds, body.data.items, ctx, answer);
    return userStatuses(statuses, { vendorRequestId: ctx.vendorRequestId, serverDate });
  }

  protected async fetchToken(): Promise<{ value: string; expiresInSeconds: number }> {
    const appKey = await resolveSecret(this.options.appKey);
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.options.appId,
      client_secret: appKey.reveal(),
    }).toString();
    const response = await this.send(TOKEN_OPERATION, () =>
      this.http.post('/oauth2/token', form, {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }),
    );
    const ctx = contractContext('wps', TOKEN_OPERATION, response.status, wpsRequestId(response.headers));
    if (isSuccess(response.status) && !looksLikeTokenFailure(response.data)) {
      const token = checkContract(WPS_TOKEN_SUCCESS, response.data, ctx);
      return { value: token.access_token, expiresInSeconds: token.expires_in };
    }
    throw mapWpsFailure(response, TOKEN_OPERATION, {
      isTokenCall: true,
      ...this.codes,
      secrets: [appKey.reveal()],
    });
  }

  /**
   * Serialises the body once and signs those bytes, over the path as sent (a gateway's prefix
   * included); every try gets a fresh date and signature. A rejected token is renewed once
   * (`withToken`). A success answer is returned only once it matches `success`.
   */
  private signedPost<T>(
    path: string,
    payload: unknown,
    operation: string,
    kind: CallKind,
    success: z.ZodType<T>,
  ): Promise<Checked<T>> {
    const bytes = Buffer.from(JSON.stringify(payload), 'utf8');
    const sent = new URL(this.baseUrl + path);
    const requestUri = sent.pathname + sent.search;
    return this.withToken(operation, kind, async (token, renewed) => {
      const appKey = await resolveSecret(this.options.appKey);
      const response = await this.send(operation, () => {
        // Dated and signed when it really leaves, after any pacing wait.
        const date = kso1Date(this.now());
        const authorization = kso1Authorization({
          method: 'POST',
          requestUri,
          contentType: CONTENT_TYPE,
          date,
          body: bytes,
          appId: this.options.appId,
          appKey: appKey.reveal(),
        });
        return this.http.post(path, bytes, {
          headers: {
            'Content-Type': CONTENT_TYPE,
            'X-Kso-Date': date,
            'X-Kso-Authorization': authorization,
            Authorization: `Bearer ${token}`,
          },
        });
      });
      const ctx = contractContext('wps', operation, response.status, wpsRequestId(response.headers));
      if (isSuccess(response.status)) {
        // Every 2xx must say, with a numeric code, whether it succeeded (§3: even HTTP 200 fails).
        const { code } = checkContract(WPS_ENVELOPE, response.data, ctx);
        if (code === 0) {
          const body = checkContract(success, response.data, ctx);
          const serverDate = headerValue(response.headers, 'date');
          return { body, answer: response.data, ctx, ...(serverDate ? { serverDate } : {}) };
        }
      }
      const { code } = envelopeOf(response.data);
      if (
        !renewed &&
        isTokenRejection(response.status, code) &&
        !isSignatureRejection(code, this.codes.signatureRejectedCodes)
      ) {
        return RENEW_TOKEN;
      }
      throw mapWpsFailure(response, operation, { ...this.codes, secrets: [appKey.reveal(), token] });
    });
  }
}

/** A token answer in either failure shape (§1 `{code, msg}`, §6 OAuth `{error, error_description}`). */
function looksLikeTokenFailure(data: unknown): boolean {
  const body = envelopeOf(data);
  return (body.code !== undefined && body.code !== 0) || body.error !== undefined;
}

function checkIds(userIds: readonly string[], operation: string): void {
  if (userIds.length === 0 || userIds.length > WPS_MAX_IDS_PER_CALL) {
    throw new VendorError(
      { vendor: 'wps', kind: 'invalidRequest', operation },
      `wps ${operation}: 1 to ${WPS_MAX_IDS_PER_CALL} user ids per call, got ${userIds.length}; nothing was sent`,
    );
  }
}
