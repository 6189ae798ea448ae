import http from 'node:http';
import { AUTHING_USER_ID_TYPES, type AuthingUserIdType } from '../../workflows/request';
import { FaultInjector, type FaultSettings } from '../faults';
import { parseJson, sendJson, serve, TokenIssuer, type Listening } from '../http';

/**
 * An Authing management-API (v3) simulator: the management token (tokens expire and can be
 * revoked), `authorization` and `x-authing-userpool-id` checks, and resign-user-batch /
 * get-user-batch over an in-memory directory. Failures are answered the vendor's way: HTTP 200 with
 * the status in the body, except a rate limit (HTTP 429, body statusCode 429). What the vendor's
 * documentation leaves open, and answers a connector must not misread, are switches
 * (`AuthingBehaviour`); faults come from ../faults.ts. Emails match case-insensitively, as Authing's do.
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
  /** Custom fields; a `custom_field` id matches a user when it equals one of these values. */
  customData?: Record<string, string>;
}

/**
 * How a resign treats an id the documentation leaves open (an unknown id, or a user already
 * resigned): `fail` fails the whole call (statusCode in an HTTP 200 body, no id named, nothing
 * changed); `skip` ignores the id and answers success; `succeed` answers success and, for a resigned
 * user, records a second resignation.
 */
export type AuthingIdBehaviour = 'fail' | 'skip' | 'succeed';

/** A canned answer for the next call of one kind (one-shot, in order). */
export interface ScriptedAnswer {
  /** Default 200: a failure hidden inside an HTTP 200 body. */
  httpStatus?: number;
  statusCode: number;
  /** A number, or a string (as the vendor sometimes sends it). */
  apiCode?: number | string;
  message?: string;
  /** Omitted: no `data` at all. */
  data?: unknown;
  /** Sent as the body instead of JSON (e.g. a gateway's HTML page). */
  rawBody?: string;
  /** Resign only: carry out the resign before answering (a success reported as a failure). Default false. */
  apply?: boolean;
}

export interface AuthingApiCall {
  operation: 'resign-user-batch' | 'get-user-batch';
  userIds: string[];
  userIdType: string;
}

export interface AuthingBehaviour {
  /** Default `skip`. */
  unknownIds: AuthingIdBehaviour;
  /** Default `skip`. */
  resignedIds: AuthingIdBehaviour;
  /**
   * Ids the vendor refuses to resign: a resign-user-batch holding any of them fails whole (statusCode
   * 400 in an HTTP 200 body, no id named, nothing changed). Default none.
   */
  rejectIds: readonly string[];
  /** Share (0 to 1) of API calls answered HTTP 200 with statusCode 500 in the body, nothing done. Default 0. */
  failInBodyRate: number;
  /** Token lifetime in seconds. Default 7200, as the vendor's. */
  tokenTtlSeconds: number;
  /**
   * The apiCode of the refusal `rejectIds` causes. Default 2004 (user not found), the default of the
   * connector's AUTHING_ID_REJECTED_API_CODES, so that a refused batch is split.
   */
  rejectApiCode: number;
  /** get-user-batch records name the id field this way instead of `userId` (e.g. `id`). Default unset. */
  recordIdField?: string;
  /** get-user-batch records report this status instead of the real one (e.g. `Locked`). Default unset. */
  unknownStatus?: string;
  /** resign-user-batch answers success and changes nothing. Default false. */
  resignNoop: boolean;
  /** Rate limiting and injected throttles answer HTTP 200 with body statusCode 429. Default false. */
  throttleInBody: boolean;
  /** The language of messages. Default `en`. */
  language: 'en' | 'zh';
  /** The `Date` header is the simulator's now() plus this. Default 0. */
  clockOffsetMs: number;
  /** get-user-batch also returns a user nobody asked for. Default false. */
  extraRecord: boolean;
  /** apiCode is sent as a string (`"2004"`). Default false. */
  apiCodeAsString: boolean;
  /** Called for every authenticated API call before it is carried out (tests change the directory "meanwhile"). */
  onApiCall?: (call: AuthingApiCall) => void;
}

export interface AuthingSimulatorOptions extends Partial<AuthingBehaviour> {
  userPoolId: string;
  accessKeyId: string;
  accessKeySecret: string;
  users?: AuthingUserRecord[];
  faults?: Partial<FaultSettings>;
  now?: () => number;
}

export type HeaderCheck = 'valid' | 'missing' | 'invalid';

export interface AuthingCall {
  path: string;
  userIds: string[];
  userIdType?: string;
  httpStatus: number;
  statusCode: number;
  apiCode?: number;
  requestId: string;
  /** The `authorization` header: a live token (bare or `Bearer`), missing, or anything else. */
  authorization: HeaderCheck;
  /** Whether `authorization` used the `Bearer ` form. */
  bearer: boolean;
  /** The `x-authing-userpool-id` header against the configured pool. */
  userPoolId: HeaderCheck;
  /** What answered instead of the directory, if anything. */
  injected?: 'hang' | 'serverError' | 'throttle' | 'failInBody' | 'scripted';
}

export interface Resignation {
  userId: string;
  requestId: string;
}

const MAX_IDS = 50;

/** The simulator's messages, in English and in Chinese (`language`): a connector must not read them. */
const MESSAGES = {
  ok: { en: 'ok', zh: '操作成功' },
  noEndpoint: { en: 'no such endpoint', zh: '接口不存在' },
  badKey: { en: 'accessKeyId or accessKeySecret is wrong', zh: 'accessKeyId 或 accessKeySecret 错误' },
  badToken: { en: 'token invalid or expired', zh: 'token 无效或已过期' },
  noPool: { en: 'user pool not found', zh: '用户池不存在' },
  badIdType: { en: 'userIdType must be one of', zh: 'userIdType 必须是以下之一' },
  badIdCount: { en: `userIds must hold 1 to ${MAX_IDS} ids`, zh: `userIds 须为 1 到 ${MAX_IDS} 个` },
  internal: { en: 'internal error (in an HTTP 200 body)', zh: '服务器内部错误' },
  noUser: { en: 'user not found', zh: '用户不存在' },
  badIds: { en: 'invalid userIds', zh: 'userIds 不合法' },
  alreadyResigned: { en: 'user has already resigned', zh: '用户已离职' },
  unavailable: { en: 'service unavailable', zh: '服务不可用' },
  throttled: { en: 'too many requests', zh: '请求过于频繁' },
} as const;
type MessageKey = keyof typeof MESSAGES;

export class AuthingSimulator {
  readonly users = new Map<string, AuthingUserRecord>();
  readonly calls: AuthingCall[] = [];
  /** Every resignation carried out, in order (a user resigned twice appears twice). */
  readonly resignations: Resignation[] = [];
  readonly tokens: TokenIssuer;
  /** Every token issued, in order (tests check that none of them leaks). */
  readonly issuedTokens: string[] = [];
  readonly faults: FaultInjector;
  /** One-shot answers for the next resign-user-batch calls (a failure hidden in an HTTP 200 body). */
  readonly nextResignAnswers: ScriptedAnswer[] = [];
  /** One-shot answers for the next get-user-batch calls. */
  readonly nextReadAnswers: ScriptedAnswer[] = [];
  /** One-shot answers for the next get-management-token calls with the right key pair (no token issued). */
  readonly nextTokenAnswers: ScriptedAnswer[] = [];
  private behaviour: AuthingBehaviour;
  private readonly bodyFaults: FaultInjector;
  private requestCounter = 0;
  private readonly now: () => number;

  constructor(private readonly options: AuthingSimulatorOptions) {
    this.behaviour = {
      unknownIds: options.unknownIds ?? 'skip',
      resignedIds: options.resignedIds ?? 'skip',
      rejectIds: options.rejectIds ?? [],
      failInBodyRate: options.failInBodyRate ?? 0,
      tokenTtlSeconds: options.tokenTtlSeconds ?? 7200,
      rejectApiCode: options.rejectApiCode ?? 2004,
      resignNoop: options.resignNoop ?? false,
      throttleInBody: options.throttleInBody ?? false,
      language: options.language ?? 'en',
      clockOffsetMs: options.clockOffsetMs ?? 0,
      extraRecord: options.extraRecord ?? false,
      apiCodeAsString: options.apiCodeAsString ?? false,
      ...(options.recordIdField !== undefined ? { recordIdField: options.recordIdField } : {}),
      ...(options.unknownStatus !== undefined ? { unknownStatus: options.unknownStatus } : {}),
      ...(options.onApiCall ? { onApiCall: options.onApiCall } : {}),
    };
    this.now = options.now ?? Date.now;
    this.tokens = new TokenIssuer('authing-sim', () => this.behaviour.tokenTtlSeconds, options.now);
    this.faults = new FaultInjector(options.faults ?? {}, options.now);
    this.bodyFaults = new FaultInjector(
      { serverErrorRate: this.behaviour.failInBodyRate, seed: (options.faults?.seed ?? 1) + 1 },
      options.now,
    );
    for (const user of options.users ?? []) this.users.set(user.userId, structuredClone(user));
  }

  get settings(): Readonly<AuthingBehaviour> {
    return { ...this.behaviour };
  }

  /** Changes behaviours while the simulator runs; `faults` are passed to the fault injector. */
  configure(settings: Partial<AuthingBehaviour> & { faults?: Partial<FaultSettings> }): void {
    const { faults, ...rest } = settings;
    this.behaviour = { ...this.behaviour, ...rest };
    if (rest.failInBodyRate !== undefined)
      this.bodyFaults.configure({ serverErrorRate: rest.failInBodyRate });
    if (faults) this.faults.configure(faults);
  }

  /** Makes every issued token invalid at once (the next call gets statusCode 401). */
  revokeTokens(): void {
    this.tokens.revokeAll();
  }

  start(port = 0, host = '127.0.0.1'): Promise<Listening> {
    const errorBody = (statusCode: number, message: string) => ({ statusCode, message });
    return serve((req, res, body) => this.handle(req, res, body), errorBody, port, host);
  }

  /** Finds a user by an id of the given type, as Authing's userIdType does (the first, for custom_field). */
  find(id: string, type: AuthingUserIdType): AuthingUserRecord | undefined {
    return this.findAll(id, type)[0];
  }

  /** Every user an id of the given type designates (more than one only for a custom field). */
  findAll(id: string, type: AuthingUserIdType): AuthingUserRecord[] {
    if (type === 'user_id') {
      const user = this.users.get(id);
      return user ? [user] : [];
    }
    const hits: AuthingUserRecord[] = [];
    for (const user of this.users.values()) {
      const identities = user.identities ?? [];
      const hit =
        (type === 'external_id' && user.externalId === id) ||
        (type === 'email' && user.email?.toLowerCase() === id.toLowerCase()) ||
        (type === 'phone' && user.phone === id) ||
        (type === 'username' && user.username === id) ||
        (type === 'identity' && identities.some((i) => `${i.extIdpId}:${i.userIdInIdp}` === id)) ||
        (type === 'sync_relation' && identities.some((i) => `${i.provider}:${i.userIdInIdp}` === id)) ||
        (type === 'custom_field' && Object.values(user.customData ?? {}).includes(id));
      if (hit) {
        hits.push(user);
        if (type !== 'custom_field') break;
      }
    }
    return hits;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    this.requestCounter += 1;
    const requestId = `authing-sim-${this.requestCounter}`;

    const authHeader = req.headers.authorization;
    const bearer = typeof authHeader === 'string' && authHeader.startsWith('Bearer ');
    const token = typeof authHeader === 'string' ? authHeader.replace(/^Bearer /, '') : undefined;
    const authorization: HeaderCheck =
      authHeader === undefined || authHeader === ''
        ? 'missing'
        : this.tokens.isValid(token)
          ? 'valid'
          : 'invalid';
    const poolHeader = req.headers['x-authing-userpool-id'];
    const userPoolId: HeaderCheck =
      poolHeader === undefined || poolHeader === ''
        ? 'missing'
        : poolHeader === this.options.userPoolId
          ? 'valid'
          : 'invalid';

    const call: { userIds: string[]; userIdType?: string } = { userIds: [] };
    const dated = { Date: new Date(this.now() + this.behaviour.clockOffsetMs).toUTCString() };
    const msg = (key: MessageKey): string => MESSAGES[key][this.behaviour.language];
    const record = (
      httpStatus: number,
      statusCode: number,
      apiCode?: number,
      injected?: AuthingCall['injected'],
    ) => {
      this.calls.push({
        path: url.pathname,
        ...call,
        httpStatus,
        statusCode,
        ...(apiCode !== undefined ? { apiCode } : {}),
        requestId,
        authorization,
        bearer,
        userPoolId,
        ...(injected ? { injected } : {}),
      });
    };
    const reply = (
      payload: { statusCode: number; message: string; apiCode?: number | string; data?: unknown },
      httpStatus = 200,
      injected?: AuthingCall['injected'],
      headers: Record<string, string> = {},
    ): void => {
      const apiCode = payload.apiCode === undefined ? undefined : Number(payload.apiCode);
      record(httpStatus, payload.statusCode, apiCode, injected);
      const body = {
        ...payload,
        ...(apiCode !== undefined && this.behaviour.apiCodeAsString ? { apiCode: String(apiCode) } : {}),
        requestId,
      };
      sendJson(res, httpStatus, body, { ...dated, ...headers });
    };

    if (req.method === 'GET' && url.pathname === '/healthz') {
      sendJson(res, 200, { statusCode: 200, message: msg('ok'), requestId }, dated);
      return;
    }

    const isToken = req.method === 'POST' && url.pathname === '/api/v3/get-management-token';
    const isResign = req.method === 'POST' && url.pathname === '/api/v3/resign-user-batch';
    const isRead = req.method === 'GET' && url.pathname === '/api/v3/get-user-batch';
    if (!isToken && !isResign && !isRead) {
      return reply({ statusCode: 404, message: `${msg('noEndpoint')}: ${req.method ?? ''} ${url.pathname}` });
    }

    let userIdType: unknown = 'user_id';
    if (isResign) {
      const parsed = parseJson(body) as { userIds?: unknown; userIdType?: unknown } | undefined;
      if (Array.isArray(parsed?.userIds)) {
        call.userIds = parsed.userIds.filter((x): x is string => typeof x === 'string');
        if (call.userIds.length !== parsed.userIds.length) call.userIds = [];
      }
      userIdType = parsed?.userIdType ?? 'user_id';
      call.userIdType = String(userIdType);
    } else if (isRead) {
      call.userIds = (url.searchParams.get('userIds') ?? '').split(',').filter((s) => s !== '');
      userIdType = url.searchParams.get('userIdType') ?? 'user_id';
      call.userIdType = String(userIdType);
    }

    const fault = await this.faults.before({ path: url.pathname });
    // A hang is never answered: the client must give up on its own timeout. Closing the server ends it.
    if (fault?.kind === 'hang') return record(0, 0, undefined, 'hang');
    if (fault) {
      const throttle = fault.kind === 'throttle';
      const httpStatus = throttle ? (this.behaviour.throttleInBody ? 200 : 429) : fault.status;
      const statusCode = throttle ? 429 : fault.status;
      record(httpStatus, statusCode, undefined, throttle ? 'throttle' : 'serverError');
      const message = msg(throttle ? 'throttled' : 'unavailable');
      const headers = throttle ? { ...dated, 'Retry-After': String(fault.retryAfterSeconds) } : dated;
      return sendJson(res, httpStatus, { statusCode, message, requestId }, headers);
    }

    const answerScripted = (scripted: ScriptedAnswer): void => {
      const { httpStatus = 200, apply: _apply, rawBody, ...payload } = scripted;
      if (rawBody === undefined) return reply({ message: 'scripted', ...payload }, httpStatus, 'scripted');
      record(httpStatus, payload.statusCode, undefined, 'scripted');
      res.writeHead(httpStatus, { 'Content-Type': 'text/html; charset=utf-8', ...dated });
      res.end(rawBody);
    };

    if (isToken) {
      const parsed = parseJson(body) as { accessKeyId?: unknown; accessKeySecret?: unknown } | undefined;
      if (
        parsed?.accessKeyId !== this.options.accessKeyId ||
        parsed.accessKeySecret !== this.options.accessKeySecret
      ) {
        return reply({ statusCode: 401, apiCode: 1300, message: msg('badKey') });
      }
      const scriptedToken = this.nextTokenAnswers.shift();
      if (scriptedToken) return answerScripted(scriptedToken);
      const { token: issued, expiresIn } = this.tokens.issue();
      this.issuedTokens.push(issued);
      return reply({
        statusCode: 200,
        message: msg('ok'),
        data: { access_token: issued, expires_in: expiresIn },
      });
    }

    if (authorization !== 'valid') {
      return reply({ statusCode: 401, apiCode: 1301, message: msg('badToken') });
    }
    if (userPoolId !== 'valid') return reply({ statusCode: 404, apiCode: 2224, message: msg('noPool') });
    if (!(AUTHING_USER_ID_TYPES as readonly unknown[]).includes(userIdType)) {
      return reply({
        statusCode: 400,
        message: `${msg('badIdType')}: ${AUTHING_USER_ID_TYPES.join(', ')}`,
      });
    }
    if (call.userIds.length < 1 || call.userIds.length > MAX_IDS) {
      return reply({ statusCode: 400, message: msg('badIdCount') });
    }
    const type = userIdType as AuthingUserIdType;
    const operation = isResign ? 'resign-user-batch' : 'get-user-batch';
    this.behaviour.onApiCall?.({ operation, userIds: [...call.userIds], userIdType: type });

    const scripted = (isResign ? this.nextResignAnswers : this.nextReadAnswers).shift();
    if (scripted) {
      if (isResign && scripted.apply === true) this.resign(call.userIds, type, requestId);
      return answerScripted(scripted);
    }
    if ((await this.bodyFaults.before())?.kind === 'serverError') {
      return reply({ statusCode: 500, message: msg('internal') }, 200, 'failInBody');
    }

    if (isRead) {
      const withIdentities = url.searchParams.get('withIdentities') === 'true';
      const seen = new Set<string>();
      const found = call.userIds
        .flatMap((id) => this.findAll(id, type))
        .filter((u) => {
          if (seen.has(u.userId)) return false;
          seen.add(u.userId);
          return true;
        });
      if (this.behaviour.extraRecord) found.push(this.extraUser(seen));
      const { recordIdField = 'userId', unknownStatus } = this.behaviour;
      return reply({
        statusCode: 200,
        message: msg('ok'),
        data: found.map((u) => {
          const { customData: _custom, identities, userId, status, ...rest } = structuredClone(u);
          return {
            [recordIdField]: userId,
            status: unknownStatus ?? status,
            ...rest,
            ...(withIdentities ? { identities: identities ?? [] } : {}),
          };
        }),
      });
    }

    if (this.behaviour.resignNoop) {
      return reply({ statusCode: 200, message: msg('ok'), data: { success: true } });
    }
    if (call.userIds.some((id) => this.behaviour.rejectIds.includes(id))) {
      const apiCode = this.behaviour.rejectApiCode;
      return reply({ statusCode: 400, apiCode, message: msg(apiCode === 2004 ? 'noUser' : 'badIds') });
    }
    const unknown = call.userIds.filter((id) => this.findAll(id, type).length === 0);
    const resigned = call.userIds.filter((id) => this.findAll(id, type).some((u) => u.status === 'Resigned'));
    if (unknown.length > 0 && this.behaviour.unknownIds === 'fail') {
      return reply({ statusCode: 404, apiCode: 2004, message: msg('noUser') });
    }
    if (resigned.length > 0 && this.behaviour.resignedIds === 'fail') {
      return reply({ statusCode: 422, message: msg('alreadyResigned') });
    }
    this.resign(call.userIds, type, requestId);
    return reply({ statusCode: 200, message: msg('ok'), data: { success: true } });
  }

  /** A user the read did not ask for: the first other one in the directory, or a made-up one. */
  private extraUser(returned: ReadonlySet<string>): AuthingUserRecord {
    for (const user of this.users.values()) if (!returned.has(user.userId)) return user;
    return { userId: 'authing-sim-extra', status: 'Activated', email: 'nobody-asked@example.invalid' };
  }

  private resign(userIds: readonly string[], type: AuthingUserIdType, requestId: string): void {
    for (const id of userIds) {
      for (const user of this.findAll(id, type)) {
        if (user.status === 'Resigned' && this.behaviour.resignedIds !== 'succeed') continue;
        user.status = 'Resigned';
        this.resignations.push({ userId: user.userId, requestId });
      }
    }
  }
}
