import type { AxiosResponse } from 'axios';
import type { z } from 'zod';
import { AUTHING_USER_ID_TYPES, type AuthingUserIdType } from '../../workflows/request';
import type { CallKind } from '../shared/call-retry';
import {
  checkContract,
  contractContext,
  contractViolation,
  userStatuses,
  type ContractContext,
  type UserStatuses,
} from '../shared/contract';
import { VendorError } from '../shared/errors';
import { headerValue, isSuccess } from '../shared/http';
import { resolveSecret, type SecretSource } from '../shared/secret';
import { RENEW_TOKEN, VendorClient, type VendorClientOptions } from '../shared/vendor-client';
import {
  authingEnvelope,
  resignContract,
  tokenContract,
  userBatchContract,
  type AuthingUserStatus,
} from './contract';
import {
  authingFailure,
  DEFAULT_ID_REJECTED_API_CODES,
  isOk,
  isUnauthorized,
  redact,
  refusedLocally,
  type AuthingAnswer,
  type AuthingErrorDetails,
} from './errors';
import { isVerifiableIdType, matchUsers, sameAfterNormalizing } from './user-match';

export { AUTHING_USER_STATUSES, type AuthingUserStatus } from './contract';

export interface AuthingClientOptions extends VendorClientOptions {
  /** e.g. `https://api.authing.cn`. */
  baseUrl: string;
  userPoolId: string;
  accessKeyId: string;
  accessKeySecret: SecretSource;
  /**
   * The `apiCode`s of an invalid-request answer that mean "some of the ids sent were refused": only
   * such a failure carries `refusesIds`, which lets the workflow split the batch. Default `[2004]`
   * (user not found). `AUTHING_ID_REJECTED_API_CODES`.
   */
  idRejectedApiCodes?: readonly number[];
}

/** Authing's documented maximum for resign-user-batch and get-user-batch. */
export const AUTHING_MAX_IDS_PER_CALL = 50;

/** How many issued tokens are remembered to be cut out of error messages. */
const REMEMBERED_TOKENS = 8;

const TOKEN_OPERATION = 'get-management-token';
const RESIGN_OPERATION = 'resign-user-batch';

/** Added to a resign answer we cannot read: the vendor may have acted on it. */
const RESIGN_NOT_CONFIRMED = 'the resign is NOT confirmed: the users may or may not be resigned';

/** An answer whose envelope passed its contract, with what the endpoint contracts still need. */
interface CheckedAnswer extends AuthingAnswer {
  /** The body as received, for the endpoint's own contract and the shape in its errors. */
  raw: unknown;
  /** The HTTP `Date` header: evidence of when the vendor answered. */
  serverDate?: string;
}

/**
 * An Authing management-API (v3) client: management token, batch resign and read-back. Every answer
 * is checked against its contract (./contract.ts) before anything reads it; every failure is a
 * `VendorError` (./errors.ts) that never holds the access key secret or a token.
 */
export class AuthingClient extends VendorClient {
  /** Strings that must never appear in an error: the secrets once resolved, and recent tokens. */
  private readonly secrets = new Set<string>();
  private recentTokens: string[] = [];
  private readonly idRejectedApiCodes: readonly number[];

  constructor(private readonly options: AuthingClientOptions) {
    super('authing', TOKEN_OPERATION, options);
    this.idRejectedApiCodes = [...(options.idRejectedApiCodes ?? DEFAULT_ID_REJECTED_API_CODES)];
  }

  /**
   * Resigns 1 to 50 users. IRREVERSIBLE. Success only when the HTTP status is 2xx, the body's
   * `statusCode` is 200 and `data.success` is true; anything else throws. Authing gives no per-user
   * result: verify with `readUsers` (not possible for `custom_field`, see there).
   *
   * An `action` (../shared/call-retry.ts): specs/authing.md does not say the call is idempotent (§2:
   * whether resigning a resigned user is an error is unknown, and the simulator can `fail` it), and
   * it is irreversible. The activity re-reads first (../index.ts).
   */
  async resignUsers(
    userIds: readonly string[],
    userIdType: AuthingUserIdType,
  ): Promise<{ vendorRequestId?: string }> {
    const operation = RESIGN_OPERATION;
    checkRequest(userIds, userIdType, operation);
    const payload = JSON.stringify({ userIds: [...userIds], userIdType });
    const answer = await this.call(operation, 'action', (headers) =>
      this.http.post('/api/v3/resign-user-batch', payload, {
        headers: { ...headers, 'Content-Type': 'application/json' },
      }),
    );
    this.checked(resignContract, answer, operation);
    const vendorRequestId = this.requestIdOf(answer.raw);
    return vendorRequestId !== undefined ? { vendorRequestId } : {};
  }

  /**
   * Reads up to 50 users' statuses, keyed by the id as given, matched through the field of
   * `userIdType` (Authing returns users under their userId; emails compare case-insensitively,
   * phones in one normal form: ./user-match.ts). An id missing from the map does not exist. A record
   * for an id we did not send, or two records for one id, is a VendorProtocolError. The map carries
   * the answer's request id (if any) and `Date` header as evidence. `custom_field` is refused before
   * anything is sent: the record does not say which custom field matched, so its ids can be neither
   * told apart nor verified after a resign.
   */
  async readUsers(
    userIds: readonly string[],
    userIdType: AuthingUserIdType,
  ): Promise<UserStatuses<AuthingUserStatus>> {
    const operation = 'get-user-batch';
    checkRequest(userIds, userIdType, operation);
    if (!isVerifiableIdType(userIdType)) {
      throw refusedLocally(
        operation,
        'userIdType custom_field cannot be matched to the returned users, so these users cannot be read or verified (not verifiable)',
      );
    }
    const comma = userIds.findIndex((id) => id.includes(','));
    if (comma >= 0) {
      throw refusedLocally(
        operation,
        `user id #${comma + 1} holds a comma, which get-user-batch cannot carry`,
      );
    }
    const params = new URLSearchParams({ userIds: userIds.join(','), userIdType, withIdentities: 'true' });
    const answer = await this.call(operation, 'read', (headers) =>
      this.http.get(`/api/v3/get-user-batch?${params.toString()}`, { headers }),
    );
    const { data } = this.checked(userBatchContract, answer, operation);
    const matched = matchUsers(userIds, data, userIdType);
    if (!matched.ok) {
      const ctx = this.contractContext(operation, answer);
      throw annotated(contractViolation(ctx, matched.field, matched.problem, answer.raw), operation, answer);
    }
    return userStatuses(matched.statuses, {
      vendorRequestId: this.requestIdOf(answer.raw),
      serverDate: answer.serverDate,
    });
  }

  private context(operation: string, extra: { tokenCall?: boolean; afterRefresh?: boolean } = {}) {
    return {
      operation,
      sensitive: this.sensitive(),
      idRejectedApiCodes: this.idRejectedApiCodes,
      ...extra,
    };
  }

  private sensitive(): string[] {
    return [...this.secrets, ...this.recentTokens];
  }

  /** The body's `requestId`, if it has one, bounded and with sensitive strings cut out. */
  private requestIdOf(raw: unknown): string | undefined {
    const id =
      typeof raw === 'object' && raw !== null ? (raw as { requestId?: unknown }).requestId : undefined;
    return typeof id === 'string' && id !== '' ? redact(id, this.sensitive()).slice(0, 128) : undefined;
  }

  private contractContext(operation: string, answer: { httpStatus: number; raw: unknown }): ContractContext {
    return contractContext('authing', operation, answer.httpStatus, this.requestIdOf(answer.raw));
  }

  /**
   * The answer as received, its envelope checked when the HTTP status is 2xx (a non-JSON body or a
   * missing `statusCode` then stops the work). A non-2xx answer fails whatever its body says (often a
   * gateway's HTML page): its body is used, for the error's codes and message, only when it is
   * Authing's envelope.
   */
  private answerOf(response: AxiosResponse<unknown>, operation: string): CheckedAnswer {
    const retryAfter = headerValue(response.headers, 'retry-after');
    const serverDate = headerValue(response.headers, 'date');
    const base = {
      httpStatus: response.status,
      raw: response.data,
      ...(retryAfter !== undefined ? { retryAfter } : {}),
      ...(serverDate !== undefined ? { serverDate } : {}),
    };
    if (!isSuccess(response.status)) {
      const parsed = authingEnvelope.safeParse(response.data);
      return { ...base, body: parsed.success ? parsed.data : {} };
    }
    return { ...base, body: this.checked(authingEnvelope, { ...base, body: {} }, operation) };
  }

  /** `answer` as the endpoint's contract declares it, or a VendorProtocolError. */
  private checked<T>(schema: z.ZodType<T>, answer: CheckedAnswer, operation: string): T {
    try {
      return checkContract(schema, answer.raw, this.contractContext(operation, answer));
    } catch (err) {
      if (!(err instanceof VendorError)) throw err;
      throw annotated(err, operation, answer);
    }
  }

  protected async fetchToken(): Promise<{ value: string; expiresInSeconds: number }> {
    const operation = TOKEN_OPERATION;
    const secret = await resolveSecret(this.options.accessKeySecret);
    const revealed = secret.reveal();
    this.secrets.add(revealed);
    const payload = JSON.stringify({ accessKeyId: this.options.accessKeyId, accessKeySecret: revealed });
    const response = await this.send(operation, () =>
      this.http.post('/api/v3/get-management-token', payload, {
        headers: { 'Content-Type': 'application/json' },
      }),
    );
    const answer = this.answerOf(response, operation);
    if (isOk(answer)) {
      const { data } = this.checked(tokenContract, answer, operation);
      this.recentTokens = [data.access_token, ...this.recentTokens].slice(0, REMEMBERED_TOKENS);
      return { value: data.access_token, expiresInSeconds: data.expires_in };
    }
    throw authingFailure(answer, this.context(operation, { tokenCall: true }));
  }

  /** One management call; a 401 (HTTP or body) or apiCode 2020 renews the token once (`withToken`). */
  private call(
    operation: string,
    kind: CallKind,
    request: (headers: Record<string, string>) => Promise<AxiosResponse<unknown>>,
  ): Promise<CheckedAnswer> {
    return this.withToken(operation, kind, async (token, renewed) => {
      const response = await this.send(operation, () =>
        request({ authorization: `Bearer ${token}`, 'x-authing-userpool-id': this.options.userPoolId }),
      );
      const answer = this.answerOf(response, operation);
      if (isOk(answer)) return answer;
      if (isUnauthorized(answer) && !renewed) return RENEW_TOKEN;
      throw authingFailure(answer, this.context(operation, { afterRefresh: renewed }));
    });
  }
}

/**
 * A contract violation with the body's statusCode (once its envelope was understood) in its
 * details, and, for a resign, a warning that it may have taken effect.
 */
function annotated(err: VendorError, operation: string, answer?: AuthingAnswer): VendorError {
  const statusCode = answer?.body.statusCode;
  const details: AuthingErrorDetails = {
    ...err.details,
    vendor: 'authing',
    ...(typeof statusCode === 'number' ? { statusCode } : {}),
  };
  const message = operation === RESIGN_OPERATION ? `${err.message}; ${RESIGN_NOT_CONFIRMED}` : err.message;
  return new VendorError(details, message);
}

function checkRequest(userIds: readonly string[], userIdType: AuthingUserIdType, operation: string): void {
  if (!(AUTHING_USER_ID_TYPES as readonly string[]).includes(userIdType)) {
    throw refusedLocally(
      operation,
      `userIdType ${JSON.stringify(userIdType)} is not one of ${AUTHING_USER_ID_TYPES.join(', ')}`,
    );
  }
  if (!Array.isArray(userIds) || userIds.length === 0 || userIds.length > AUTHING_MAX_IDS_PER_CALL) {
    throw refusedLocally(
      operation,
      `1 to ${AUTHING_MAX_IDS_PER_CALL} user ids per call, got ${Array.isArray(userIds) ? userIds.length : 'none'}`,
    );
  }
  const bad = userIds.findIndex((id) => typeof id !== 'string' || id.trim() === '');
  if (bad >= 0) throw refusedLocally(operation, `user id #${bad + 1} is empty`);
  if (new Set(userIds).size !== userIds.length)
    throw refusedLocally(operation, 'the user ids hold duplicates');
  const same = sameAfterNormalizing(userIds, userIdType);
  if (same !== undefined) {
    throw refusedLocally(
      operation,
      `user ids #${userIds.indexOf(same[0]) + 1} and #${userIds.indexOf(same[1]) + 1} are one ${userIdType} as Authing compares them (emails ignore case; phones ignore spaces, dashes, dots and parentheses)`,
    );
  }
}
