import http from 'node:http';
import { AUTHING_USER_ID_TYPES, type AuthingUserIdType } from '../../workflows/request';
import {
  BodyTooLargeError,
  listen,
  parseJson,
  readBody,
  sendJson,
  TokenIssuer,
  type Listening,
} from '../http';

/**
 * An Authing management-API (v3) simulator: the management token, `authorization` and
 * `x-authing-userpool-id` checks, and resign-user-batch / get-user-batch over an in-memory
 * directory. Failures are answered the vendor's way: HTTP 200 with the status in the body.
 */

export type AuthingStatus = 'Activated' | 'Suspended' | 'Resigned' | 'Archived' | 'Deactivated';

export interface AuthingUserRecord {
  userId: string;
  status: AuthingStatus;
  externalId?: string;
  email?: string;
  phone?: string;
  username?: string;
  identities?: Array<{ extIdpId: string; userIdInIdp: string; provider: string }>;
}

export interface AuthingSimulatorOptions {
  userPoolId: string;
  accessKeyId: string;
  accessKeySecret: string;
  users?: AuthingUserRecord[];
  /** Token lifetime in seconds. Default 7200, as the vendor's. */
  tokenTtlSeconds?: number;
  now?: () => number;
}

export interface AuthingCall {
  path: string;
  userIds: string[];
  userIdType?: string;
  httpStatus: number;
  statusCode: number;
}

export class AuthingSimulator {
  readonly users = new Map<string, AuthingUserRecord>();
  readonly calls: AuthingCall[] = [];
  readonly tokens: TokenIssuer;
  private requestCounter = 0;

  constructor(private readonly options: AuthingSimulatorOptions) {
    this.tokens = new TokenIssuer('authing-sim', () => options.tokenTtlSeconds ?? 7200, options.now);
    for (const user of options.users ?? []) this.users.set(user.userId, { ...user });
  }

  async start(port = 0, host = '127.0.0.1'): Promise<Listening> {
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (err instanceof BodyTooLargeError) sendJson(res, 413, { statusCode: 413, message: err.message });
        else sendJson(res, 500, { statusCode: 500, message: 'simulator error' });
      });
    });
    return listen(server, port, host);
  }

  /** Finds a user by an id of the given type, as Authing's userIdType does. */
  find(id: string, type: AuthingUserIdType): AuthingUserRecord | undefined {
    if (type === 'user_id') return this.users.get(id);
    for (const user of this.users.values()) {
      const identities = user.identities ?? [];
      const hit =
        (type === 'external_id' && user.externalId === id) ||
        (type === 'email' && user.email === id) ||
        (type === 'phone' && user.phone === id) ||
        (type === 'username' && user.username === id) ||
        (type === 'identity' && identities.some((i) => `${i.extIdpId}:${i.userIdInIdp}` === id)) ||
        (type === 'sync_relation' && identities.some((i) => `${i.provider}:${i.userIdInIdp}` === id));
      if (hit) return user;
    }
    return undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://simulator');
    this.requestCounter += 1;
    const requestId = `authing-sim-${this.requestCounter}`;
    const reply = (
      payload: { statusCode: number; message: string; apiCode?: number; data?: unknown },
      call?: { userIds: string[]; userIdType?: string },
      httpStatus = 200,
    ): void => {
      if (call) this.calls.push({ path: url.pathname, ...call, httpStatus, statusCode: payload.statusCode });
      sendJson(res, httpStatus, { ...payload, requestId });
    };

    if (req.method === 'GET' && url.pathname === '/healthz') return reply({ statusCode: 200, message: 'ok' });
    if (req.method === 'POST' && url.pathname === '/api/v3/get-management-token') {
      const parsed = parseJson(body) as { accessKeyId?: unknown; accessKeySecret?: unknown } | undefined;
      if (
        parsed?.accessKeyId !== this.options.accessKeyId ||
        parsed.accessKeySecret !== this.options.accessKeySecret
      ) {
        return reply({ statusCode: 401, apiCode: 1300, message: 'accessKeyId or accessKeySecret is wrong' });
      }
      const { token, expiresIn } = this.tokens.issue();
      return reply({ statusCode: 200, message: 'ok', data: { access_token: token, expires_in: expiresIn } });
    }

    const isResign = req.method === 'POST' && url.pathname === '/api/v3/resign-user-batch';
    const isRead = req.method === 'GET' && url.pathname === '/api/v3/get-user-batch';
    if (!isResign && !isRead)
      return reply({ statusCode: 404, message: `no such endpoint: ${req.method ?? ''} ${url.pathname}` });

    let userIds: string[] = [];
    let userIdType: unknown = 'user_id';
    if (isResign) {
      const parsed = parseJson(body) as { userIds?: unknown; userIdType?: unknown } | undefined;
      if (Array.isArray(parsed?.userIds))
        userIds = parsed.userIds.filter((x): x is string => typeof x === 'string');
      userIdType = parsed?.userIdType ?? 'user_id';
    } else {
      userIds = (url.searchParams.get('userIds') ?? '').split(',').filter((s) => s !== '');
      userIdType = url.searchParams.get('userIdType') ?? 'user_id';
    }
    const call = { userIds, userIdType: String(userIdType) };

    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!this.tokens.isValid(bearer))
      return reply({ statusCode: 401, apiCode: 1301, message: 'token invalid or expired' }, call);
    if (req.headers['x-authing-userpool-id'] !== this.options.userPoolId) {
      return reply({ statusCode: 404, apiCode: 2224, message: 'user pool not found' }, call);
    }
    if (!(AUTHING_USER_ID_TYPES as readonly unknown[]).includes(userIdType)) {
      return reply(
        { statusCode: 400, message: `userIdType must be one of ${AUTHING_USER_ID_TYPES.join(', ')}` },
        call,
      );
    }
    if (userIds.length < 1 || userIds.length > 50) {
      return reply({ statusCode: 400, message: 'userIds must hold 1 to 50 ids' }, call);
    }
    const type = userIdType as AuthingUserIdType;

    if (isRead) {
      const found = userIds.flatMap((id) => {
        const user = this.find(id, type);
        return user ? [user] : [];
      });
      return reply(
        {
          statusCode: 200,
          message: 'ok',
          data: found.map((u) => ({ ...u, identities: u.identities ?? [] })),
        },
        call,
      );
    }
    for (const id of userIds) {
      const user = this.find(id, type);
      if (user) user.status = 'Resigned';
    }
    return reply({ statusCode: 200, message: '操作成功', data: { success: true } }, call);
  }
}
