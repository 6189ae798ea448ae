import type { AxiosInstance, AxiosResponse } from 'axios';
import type { AuthingUserIdType } from '../../workflows/request';
import { createHttpClient, headerValue, send } from '../vendor/http';
import { parseRetryAfter, VendorError, type VendorFailureKind } from '../vendor/errors';
import { resolveSecret, type SecretSource } from '../vendor/secret';
import { TokenCache } from '../vendor/token-cache';

export interface AuthingClientOptions {
  /** e.g. `https://api.authing.cn`. */
  baseUrl: string;
  userPoolId: string;
  accessKeyId: string;
  accessKeySecret: SecretSource;
  /** Per-request timeout. Default 15 seconds. */
  timeoutMs?: number;
}

export type AuthingUserStatus = 'Activated' | 'Suspended' | 'Resigned' | 'Archived' | 'Deactivated';

/** Authing's documented maximum for resign-user-batch and get-user-batch. */
export const AUTHING_MAX_IDS_PER_CALL = 50;

interface AuthingEnvelope {
  statusCode?: unknown;
  apiCode?: unknown;
  message?: unknown;
  requestId?: unknown;
  data?: unknown;
}

interface UserDto {
  userId?: unknown;
  status?: unknown;
  externalId?: unknown;
  email?: unknown;
  phone?: unknown;
  username?: unknown;
  identities?: Array<{ extIdpId?: unknown; userIdInIdp?: unknown; provider?: unknown }>;
}

/** An Authing management-API client: management token, batch resign and read-back. */
export class AuthingClient {
  readonly tokens: TokenCache;
  private readonly http: AxiosInstance;

  constructor(private readonly options: AuthingClientOptions) {
    this.http = createHttpClient({ baseUrl: options.baseUrl, timeoutMs: options.timeoutMs });
    this.tokens = new TokenCache({ fetchToken: () => this.fetchToken() });
  }

  /** Resigns 1 to 50 users. Irreversible. Success only when the body says so, whatever the HTTP status. */
  async resignUsers(
    userIds: readonly string[],
    userIdType: AuthingUserIdType,
  ): Promise<{ vendorRequestId?: string }> {
    checkIds(userIds, 'resign-user-batch');
    const body = await this.call('resign-user-batch', (headers) =>
      this.http.post('/api/v3/resign-user-batch', JSON.stringify({ userIds, userIdType }), {
        headers: { ...headers, 'Content-Type': 'application/json' },
      }),
    );
    if ((body.data as { success?: unknown } | undefined)?.success !== true) {
      throw failure(
        { kind: 'protocol', operation: 'resign-user-batch', body },
        'answered statusCode 200 without data.success = true; the resign is not confirmed',
      );
    }
    return typeof body.requestId === 'string' ? { vendorRequestId: body.requestId } : {};
  }

  /**
   * Reads up to 50 users' statuses, keyed by the id as given (matched through the field of
   * `userIdType`, since Authing returns users under their userId). An id missing from the map does
   * not exist.
   */
  async readUsers(
    userIds: readonly string[],
    userIdType: AuthingUserIdType,
  ): Promise<Map<string, AuthingUserStatus>> {
    checkIds(userIds, 'get-user-batch');
    const params = new URLSearchParams({ userIds: userIds.join(','), userIdType, withIdentities: 'true' });
    const body = await this.call('get-user-batch', (headers) =>
      this.http.get(`/api/v3/get-user-batch?${params.toString()}`, { headers }),
    );
    if (!Array.isArray(body.data)) {
      throw failure({ kind: 'protocol', operation: 'get-user-batch', body }, 'response has no data array');
    }
    const wanted = new Set(userIds);
    const statuses = new Map<string, AuthingUserStatus>();
    for (const user of body.data as UserDto[]) {
      if (typeof user.status !== 'string') continue;
      for (const key of keysOf(user, userIdType)) {
        if (wanted.has(key)) statuses.set(key, user.status as AuthingUserStatus);
      }
    }
    return statuses;
  }

  private async fetchToken(): Promise<{ value: string; expiresInSeconds: number }> {
    const secret = await resolveSecret(this.options.accessKeySecret);
    const response = await send<AuthingEnvelope>('authing', 'get-management-token', () =>
      this.http.post(
        '/api/v3/get-management-token',
        JSON.stringify({ accessKeyId: this.options.accessKeyId, accessKeySecret: secret.reveal() }),
        { headers: { 'Content-Type': 'application/json' } },
      ),
    );
    const body = envelope(response);
    const data = body.data as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (response.status === 200 && body.statusCode === 200 && typeof data?.access_token === 'string') {
      return {
        value: data.access_token,
        expiresInSeconds: typeof data.expires_in === 'number' ? data.expires_in : 7200,
      };
    }
    throw mapFailure(response, body, 'get-management-token', true);
  }

  private async call(
    operation: string,
    request: (headers: Record<string, string>) => Promise<AxiosResponse<AuthingEnvelope>>,
  ): Promise<AuthingEnvelope> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.tokens.get();
      const response = await send<AuthingEnvelope>('authing', operation, () =>
        request({ authorization: `Bearer ${token}`, 'x-authing-userpool-id': this.options.userPoolId }),
      );
      const body = envelope(response);
      if (response.status >= 200 && response.status < 300 && body.statusCode === 200) return body;
      if (attempt === 0 && (response.status === 401 || body.statusCode === 401)) {
        this.tokens.invalidate(token);
        continue;
      }
      throw mapFailure(response, body, operation, false);
    }
  }
}

function keysOf(user: UserDto, type: AuthingUserIdType): string[] {
  const str = (v: unknown): string[] => (typeof v === 'string' ? [v] : []);
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
      return (user.identities ?? []).flatMap((i) => str(`${String(i.extIdpId)}:${String(i.userIdInIdp)}`));
    case 'sync_relation':
      return (user.identities ?? []).flatMap((i) => str(`${String(i.provider)}:${String(i.userIdInIdp)}`));
    case 'custom_field':
      // The record does not say which custom field was matched: such ids cannot be verified by read-back.
      return [];
  }
}

function envelope(response: AxiosResponse): AuthingEnvelope {
  return typeof response.data === 'object' && response.data !== null
    ? (response.data as AuthingEnvelope)
    : {};
}

function checkIds(userIds: readonly string[], operation: string): void {
  if (userIds.length === 0 || userIds.length > AUTHING_MAX_IDS_PER_CALL) {
    throw new VendorError(
      { vendor: 'authing', kind: 'invalidRequest', operation },
      `authing ${operation}: 1 to ${AUTHING_MAX_IDS_PER_CALL} user ids per call, got ${userIds.length}; nothing was sent`,
    );
  }
}

function failure(
  ctx: {
    kind: VendorFailureKind;
    operation: string;
    body: AuthingEnvelope;
    httpStatus?: number;
    retryAfterMs?: number;
  },
  what: string,
): VendorError {
  const { body } = ctx;
  const vendorCode =
    body.apiCode !== undefined
      ? String(body.apiCode as string | number)
      : body.statusCode !== undefined
        ? String(body.statusCode as string | number)
        : undefined;
  const vendorMessage = typeof body.message === 'string' ? body.message : undefined;
  const vendorRequestId = typeof body.requestId === 'string' ? body.requestId : undefined;
  const details = {
    vendor: 'authing' as const,
    kind: ctx.kind,
    operation: ctx.operation,
    ...(ctx.httpStatus !== undefined ? { httpStatus: ctx.httpStatus } : {}),
    ...(vendorCode !== undefined ? { vendorCode } : {}),
    ...(vendorMessage !== undefined ? { vendorMessage } : {}),
    ...(vendorRequestId !== undefined ? { vendorRequestId } : {}),
    ...(ctx.retryAfterMs !== undefined ? { retryAfterMs: ctx.retryAfterMs } : {}),
  };
  const parts = [
    ctx.httpStatus !== undefined && `HTTP ${ctx.httpStatus}`,
    body.statusCode !== undefined && `statusCode ${String(body.statusCode as string | number)}`,
    body.apiCode !== undefined && `apiCode ${String(body.apiCode as string | number)}`,
    vendorMessage && `"${vendorMessage}"`,
    vendorRequestId && `requestId ${vendorRequestId}`,
  ].filter(Boolean);
  return new VendorError(
    details,
    `authing ${ctx.operation}: ${what}${parts.length ? ` (${parts.join(', ')})` : ''}`,
  );
}

function mapFailure(
  response: AxiosResponse,
  body: AuthingEnvelope,
  operation: string,
  isTokenCall: boolean,
): VendorError {
  const status =
    typeof body.statusCode === 'number' && response.status === 200 ? body.statusCode : response.status;
  let kind: VendorFailureKind;
  let hint = 'failed';
  if (status === 429 || status >= 500) kind = 'transient';
  else if (status === 401 || status === 403 || isTokenCall) {
    kind = 'credentials';
    hint = isTokenCall
      ? 'failed; check AUTHING_ACCESS_KEY_ID and AUTHING_ACCESS_KEY_SECRET'
      : "was refused; check AUTHING_USERPOOL_ID and the key pair's permissions";
  } else if (status >= 400) kind = 'invalidRequest';
  else kind = 'protocol';
  const retryAfterMs = parseRetryAfter(headerValue(response, 'retry-after'));
  return failure(
    {
      kind,
      operation,
      body,
      httpStatus: response.status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    },
    hint,
  );
}
