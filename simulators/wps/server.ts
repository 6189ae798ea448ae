import http from 'node:http';
import { kso1Signature } from '../../activities/wps/kso1';
import { FaultInjector, type FaultSettings } from '../faults';
import { parseJson, sendJson, serve, TokenIssuer, type Listening } from '../http';

/**
 * A WPS 365 open-API simulator: the app token endpoint, KSO-1 verification as specs/wps-365.md §2
 * states it, and batch_disable / batch_read over an in-memory directory.
 */

/** §6: `dimission` (the person has left) is a fourth status; batch_disable leaves such a user as is. */
export type WpsStatus = 'active' | 'notactive' | 'disabled' | 'dimission';

export interface WpsUserRecord {
  id: string;
  status: WpsStatus;
}

/**
 * The behaviours specs/wps-365.md marks unknown, each played by a switch. All can be changed while
 * the simulator runs, through `configure()`.
 */
export interface WpsBehaviour {
  /**
   * An id in batch_disable that is not in the directory: `skip` it silently (default), or `reject`
   * the whole call with `WPS_CODES.usersNotFound` (the message does not name the id).
   */
  unknownIds: 'skip' | 'reject';
  /** Disabling a user already disabled: a `noop` (default), or `reject` the whole call. */
  disableDisabled: 'noop' | 'reject';
  /**
   * Ids the vendor refuses to disable (say, a protected admin): a batch_disable holding any of them
   * is refused whole with `WPS_CODES.invalidParam`, without naming the id. Default none.
   */
  rejectIds: readonly string[];
  /** Most ids accepted per call (batch_disable and batch_read); more: `WPS_CODES.tooManyIds`. Default 50. */
  maxIdsPerCall: number;
  /** HTTP status of a request the vendor refuses by code (bad ids, too many). Default 400; 200 is plausible. */
  rejectHttpStatus: number;
  /** Token lifetime in seconds. Default 7200, as the vendor's. */
  tokenTtlSeconds: number;
  /**
   * The `expires_in` sent with a token; default the real lifetime. Larger than `tokenTtlSeconds`
   * makes tokens expire while the client still trusts them (expiry in the middle of a run).
   */
  advertisedExpiresInSeconds: number | undefined;
  /** Faults apply to the token endpoint too (they always apply to /v7/). Default false. */
  faultsOnTokenEndpoint: boolean;
  /**
   * The name of the id field of batch_read items. Default `id` (§6); e.g. `user_id` plays a vendor
   * that renamed it, which the connector must refuse rather than read as "no such user".
   */
  itemIdField: string;
  /**
   * A status value batch_read reports for every user instead of the real one (e.g. `locked`).
   * Default none; '' turns it off again (configure() ignores undefined).
   */
  unknownStatus: string | undefined;
  /**
   * Items every batch_read answer carries besides those asked for: an id not sent, or (when it was
   * sent) a second item for it. Default none.
   */
  extraReadItems: readonly WpsUserRecord[];
  /** batch_disable answers success and changes nothing. Default false. */
  disableNoop: boolean;
  /**
   * The rate limit and injected throttles answer HTTP 200 with `{code: 429000001}` (and Retry-After)
   * instead of HTTP 429. Default false.
   */
  throttleInBody: boolean;
  /** Language of error messages: `en` (default) or `zh`. */
  language: 'en' | 'zh';
  /**
   * A path prefix, as behind a gateway (e.g. `/openapi`): every endpoint is served under it, the
   * signature is verified over the full path, and a call without it gets 404. Default none.
   */
  basePath: string;
  /** How far the simulator's clock is off (ms): its `Date` header and its X-Kso-Date check use it. Default 0. */
  clockOffsetMs: number;
  /**
   * The permission scopes the app was granted. batch_disable needs `kso.contact.readwrite`,
   * batch_read `kso.contact.read` or `kso.contact.readwrite`; without it: HTTP 403, code 403000001.
   * Default both.
   */
  grantedScopes: readonly string[];
  /** Error replies also carry `detail` and `more` (§6). Default false. */
  errorDetail: boolean;
  /** A refused token request answers `{code, msg}` (default, §1) or OAuth-style `{error, error_description}`. */
  tokenErrorStyle: 'code' | 'oauth';
}

export interface WpsSimulatorOptions extends Partial<WpsBehaviour> {
  appId: string;
  appKey: string;
  users?: WpsUserRecord[];
  /** Largest accepted distance between X-Kso-Date and the simulator's clock. Default 15 minutes. */
  maxClockSkewMs?: number;
  /** Injected faults (simulators/faults.ts); none by default. */
  faults?: Partial<FaultSettings>;
  now?: () => number;
}

/** One call the simulator received, as tests assert on it. */
export interface WpsCall {
  method: string;
  /** The API path, e.g. `/v7/users/batch_read` (after `basePath`, when one is set). */
  path: string;
  userIds: string[];
  /** The X-Kso-Date header as received (undefined when missing). */
  ksoDate: string | undefined;
  /** The X-Kso-Authorization header as received. */
  ksoAuthorization: string | undefined;
  /** False when the signature was checked and refused; true when it passed or was not reached. */
  signatureValid: boolean;
  /** HTTP status answered; 0 for a call left hanging. */
  status: number;
  code: number;
  requestId: string;
  /** The path as received, a `basePath` prefix included (`path` is without it). */
  url: string;
  /** batch_read's `status` filter as received, when it had one. */
  statusFilter?: string[];
  /** An injected fault, if the call got one. */
  fault?: 'hang' | 'serverError' | 'throttle';
}

/**
 * The simulator's codes. Only `ok` is the vendor's; the rest are made up (the vendor's code table is
 * not published), except the token-invalid code, which a third-party client uses. 400001002 is the
 * documented simulator code for a bad KSO-1 signature, which the connector treats as signature
 * rejection (activities/wps/errors.ts).
 */
export const WPS_CODES = {
  ok: 0,
  tokenInvalid: 400001001,
  signatureInvalid: 400001002,
  invalidParam: 400000001,
  appCredentialsInvalid: 400001003,
  usersNotFound: 400000002,
  userAlreadyDisabled: 400000003,
  tooManyIds: 400000004,
  serviceUnavailable: 503000001,
  rateLimited: 429000001,
  /** No permission for the API (a missing scope): the one code here seen in public clients (§6). */
  scopeMissing: 403000001,
} as const;

/** The simulator's error messages, in each `language`. */
const MESSAGES = {
  en: {
    signatureInvalid: 'invalid signature',
    tokenInvalid: 'access_token invalid or expired',
    appCredentialsInvalid: 'invalid client_id or client_secret',
    grantType: 'grant_type must be client_credentials',
    badUserIds: 'user_ids must be a non-empty array of strings',
    tooManyIds: 'too many user_ids in one call',
    invalidUserIds: 'invalid user_ids',
    usersNotFound: 'user not found',
    userAlreadyDisabled: 'user already disabled',
    scopeMissing: 'no permission for this API',
    rateLimited: 'too many requests',
    serviceUnavailable: 'service unavailable',
    noSuchEndpoint: 'no such endpoint',
  },
  zh: {
    signatureInvalid: '签名无效',
    tokenInvalid: 'access_token 无效或已过期',
    appCredentialsInvalid: 'client_id 或 client_secret 错误',
    grantType: 'grant_type 必须为 client_credentials',
    badUserIds: 'user_ids 必须为非空字符串数组',
    tooManyIds: '单次请求的 user_ids 过多',
    invalidUserIds: 'user_ids 无效',
    usersNotFound: '用户不存在',
    userAlreadyDisabled: '用户已被禁用',
    scopeMissing: '没有该接口的权限',
    rateLimited: '请求过于频繁',
    serviceUnavailable: '服务不可用',
    noSuchEndpoint: '接口不存在',
  },
} as const;

type MessageKey = keyof (typeof MESSAGES)['en'];

const DEFAULT_BEHAVIOUR: WpsBehaviour = {
  unknownIds: 'skip',
  disableDisabled: 'noop',
  rejectIds: [],
  maxIdsPerCall: 50,
  rejectHttpStatus: 400,
  tokenTtlSeconds: 7200,
  advertisedExpiresInSeconds: undefined,
  faultsOnTokenEndpoint: false,
  itemIdField: 'id',
  unknownStatus: undefined,
  extraReadItems: [],
  disableNoop: false,
  throttleInBody: false,
  language: 'en',
  basePath: '',
  clockOffsetMs: 0,
  grantedScopes: ['kso.contact.read', 'kso.contact.readwrite'],
  errorDetail: false,
  tokenErrorStyle: 'code',
};

/** `/openapi/` → `/openapi`; '' for none. */
function normaliseBasePath(value: string): string {
  const trimmed = value.trim().replace(/\/+$/, '');
  return trimmed === '' ? '' : trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

export class WpsSimulator {
  readonly users = new Map<string, WpsStatus>();
  readonly calls: WpsCall[] = [];
  /** Every access token handed out, so tests can assert none leaks into errors or logs. */
  readonly issuedTokens: string[] = [];
  readonly tokens: TokenIssuer;
  readonly faults: FaultInjector;
  private behaviour: WpsBehaviour;
  private readonly now: () => number;
  private requestCounter = 0;

  constructor(private readonly options: WpsSimulatorOptions) {
    // The simulator's own clock, `clockOffsetMs` off (read at each use: configure() may change it).
    const base = options.now ?? Date.now;
    this.now = () => base() + this.behaviour.clockOffsetMs;
    this.behaviour = { ...DEFAULT_BEHAVIOUR };
    this.configure(options);
    this.tokens = new TokenIssuer('wps-sim', () => this.behaviour.tokenTtlSeconds, this.now);
    this.faults = new FaultInjector(options.faults ?? {}, this.now);
    for (const user of options.users ?? []) this.users.set(user.id, user.status);
  }

  /** The current behaviour switches. */
  get settings(): WpsBehaviour {
    return { ...this.behaviour };
  }

  /** Changes behaviour switches (and faults) while the simulator runs; undefined values are ignored. */
  configure(changes: Partial<WpsBehaviour> & { faults?: Partial<FaultSettings> }): void {
    const next: Record<string, unknown> = { ...this.behaviour };
    for (const key of Object.keys(DEFAULT_BEHAVIOUR) as Array<keyof WpsBehaviour>) {
      if (changes[key] !== undefined) next[key] = changes[key];
    }
    next.basePath = normaliseBasePath(typeof next.basePath === 'string' ? next.basePath : '');
    this.behaviour = next as unknown as WpsBehaviour;
    // The constructor passes its options here before `faults` exists; it applies them itself.
    if (changes.faults && (this as { faults?: FaultInjector }).faults) this.faults.configure(changes.faults);
  }

  /** Makes every token issued so far invalid at once (a vendor-side revocation). */
  revokeTokens(): void {
    this.tokens.revokeAll();
  }

  start(port = 0, host = '127.0.0.1'): Promise<Listening> {
    const errorBody = (status: number, msg: string) => ({
      code: status === 413 ? WPS_CODES.invalidParam : 500000000,
      msg,
    });
    return serve((req, res, body) => this.handle(req, res, body), errorBody, port, host);
  }

  /** A message in the configured language; `en` overrides the English text (to add specifics). */
  private msg(key: MessageKey, en?: string): string {
    return this.behaviour.language === 'zh' ? MESSAGES.zh[key] : (en ?? MESSAGES.en[key]);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const url = req.url ?? '/';
    this.requestCounter += 1;
    const requestId = `wps-sim-req-${this.requestCounter}`;
    const b = this.behaviour;
    // Behind a gateway prefix, the API is only under it; `path` is what follows it.
    const prefix = b.basePath;
    const underPrefix = prefix === '' || url === prefix || url.startsWith(`${prefix}/`);
    const path = prefix !== '' && underPrefix ? url.slice(prefix.length) || '/' : url;
    const isApi = path.startsWith('/v7/');
    const ksoDate = headerString(req.headers['x-kso-date']);
    const ksoAuthorization = headerString(req.headers['x-kso-authorization']);
    // The simulator's clock (clockOffsetMs) dates every answer.
    const dated = (headers: Record<string, string>): Record<string, string> => ({
      Date: new Date(this.now()).toUTCString(),
      'X-Request-Id': requestId,
      ...headers,
    });
    const record = (
      call: Omit<
        WpsCall,
        'method' | 'path' | 'url' | 'ksoDate' | 'ksoAuthorization' | 'requestId' | 'statusFilter'
      >,
    ) => {
      if (!isApi) return;
      const filter = (parseJson(body) as { status?: unknown } | undefined)?.status;
      this.calls.push({
        ...(Array.isArray(filter)
          ? { statusFilter: filter.filter((x): x is string => typeof x === 'string') }
          : {}),
        method: req.method ?? '',
        path,
        url,
        ksoDate,
        ksoAuthorization,
        requestId,
        ...call,
      });
    };
    const reply = (
      status: number,
      payload: Record<string, unknown>,
      ids: string[] = [],
      signatureValid = true,
      headers: Record<string, string> = {},
    ): void => {
      const code = typeof payload.code === 'number' ? payload.code : 0;
      record({ userIds: ids, signatureValid, status, code });
      sendJson(res, status, payload, dated(headers));
    };
    /** An error reply `{code, msg}`, with `detail` and `more` when `errorDetail` is on. */
    const fail = (
      status: number,
      code: number,
      msg: string,
      ids: string[] = [],
      extra: { signatureValid?: boolean; detail?: string; headers?: Record<string, string> } = {},
    ): void => {
      const payload: Record<string, unknown> = { code, msg };
      if (b.errorDetail) {
        payload.detail = extra.detail ?? `simulated failure ${code}`;
        payload.more = { request_id: requestId, doc: 'https://open.wps.cn/documents/app-integration-dev/' };
      }
      reply(status, payload, ids, extra.signatureValid ?? true, extra.headers ?? {});
    };
    const idsIn = (): string[] => {
      const parsed = parseJson(body) as { user_ids?: unknown } | undefined;
      return Array.isArray(parsed?.user_ids)
        ? parsed.user_ids.filter((x): x is string => typeof x === 'string')
        : [];
    };

    if (req.method === 'GET' && url === '/healthz') return reply(200, { code: 0, msg: 'ok' });
    if (!underPrefix) {
      return fail(404, 404, this.msg('noSuchEndpoint', `no such endpoint: ${req.method ?? ''} ${url}`), []);
    }

    if (isApi || (b.faultsOnTokenEndpoint && path === '/oauth2/token')) {
      const fault = await this.faults.before({ path: path.split('?')[0] ?? path });
      if (fault?.kind === 'hang') {
        // Never answered: the client's timeout (or the server's close()) ends the connection.
        record({ userIds: isApi ? idsIn() : [], signatureValid: true, status: 0, code: 0, fault: 'hang' });
        return;
      }
      if (fault) {
        const throttle = fault.kind === 'throttle';
        // throttleInBody: a vendor that reports its rate limit inside an HTTP 200 body.
        const status = throttle ? (b.throttleInBody ? 200 : 429) : fault.status;
        const code = throttle ? WPS_CODES.rateLimited : WPS_CODES.serviceUnavailable;
        record({ userIds: isApi ? idsIn() : [], signatureValid: true, status, code, fault: fault.kind });
        const msg = this.msg(throttle ? 'rateLimited' : 'serviceUnavailable');
        const headers = dated(throttle ? { 'Retry-After': String(fault.retryAfterSeconds) } : {});
        sendJson(res, status, { code, msg }, headers);
        return;
      }
    }

    if (req.method === 'POST' && path === '/oauth2/token') {
      const form = new URLSearchParams(body.toString('utf8'));
      const oauth = b.tokenErrorStyle === 'oauth';
      if (form.get('grant_type') !== 'client_credentials') {
        return oauth
          ? reply(400, { error: 'unsupported_grant_type', error_description: this.msg('grantType') })
          : fail(400, WPS_CODES.invalidParam, this.msg('grantType'));
      }
      if (form.get('client_id') !== this.options.appId || form.get('client_secret') !== this.options.appKey) {
        return oauth
          ? reply(401, { error: 'invalid_client', error_description: this.msg('appCredentialsInvalid') })
          : fail(401, WPS_CODES.appCredentialsInvalid, this.msg('appCredentialsInvalid'));
      }
      const { token, expiresIn } = this.tokens.issue();
      this.issuedTokens.push(token);
      return reply(200, {
        access_token: token,
        expires_in: b.advertisedExpiresInSeconds ?? expiresIn,
        token_type: 'bearer',
      });
    }
    if (req.method !== 'POST' || (path !== '/v7/users/batch_disable' && path !== '/v7/users/batch_read')) {
      return fail(404, 404, this.msg('noSuchEndpoint', `no such endpoint: ${req.method ?? ''} ${path}`));
    }

    const parsed = parseJson(body) as { user_ids?: unknown } | undefined;
    const ids = idsIn();
    // The signature covers the path as received, the gateway's prefix included.
    const signatureProblem = this.checkSignature(req, url, body);
    if (signatureProblem) {
      return fail(
        403,
        WPS_CODES.signatureInvalid,
        this.msg('signatureInvalid', `invalid signature: ${signatureProblem}`),
        ids,
        { signatureValid: false, detail: signatureProblem },
      );
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!this.tokens.isValid(bearer)) return fail(401, WPS_CODES.tokenInvalid, this.msg('tokenInvalid'), ids);
    const isRead = path === '/v7/users/batch_read';
    const scopes = b.grantedScopes;
    const permitted = isRead
      ? scopes.includes('kso.contact.read') || scopes.includes('kso.contact.readwrite')
      : scopes.includes('kso.contact.readwrite');
    if (!permitted) {
      return fail(403, WPS_CODES.scopeMissing, this.msg('scopeMissing'), ids, {
        detail: isRead ? 'kso.contact.read' : 'kso.contact.readwrite',
      });
    }
    if (
      !parsed ||
      !Array.isArray(parsed.user_ids) ||
      ids.length !== parsed.user_ids.length ||
      ids.length === 0
    ) {
      return fail(400, WPS_CODES.invalidParam, this.msg('badUserIds'), ids);
    }
    const rejectStatus = b.rejectHttpStatus;
    if (ids.length > b.maxIdsPerCall) {
      return fail(
        rejectStatus,
        WPS_CODES.tooManyIds,
        this.msg('tooManyIds', `at most ${b.maxIdsPerCall} user_ids per call`),
        ids,
      );
    }

    if (isRead) {
      // §4/§6: `status` filters the users returned (a user whose status is not asked for looks
      // unknown); absent, every status is returned.
      const filter = (parsed as { status?: unknown }).status;
      const wanted = Array.isArray(filter) ? new Set(filter) : undefined;
      const found = ids.flatMap((id) => {
        const status = this.users.get(id);
        return status === undefined || (wanted && !wanted.has(status)) ? [] : [{ id, status }];
      });
      const items = [...found, ...b.extraReadItems].map(({ id, status }) => ({
        [b.itemIdField]: id,
        status: b.unknownStatus ? b.unknownStatus : status,
      }));
      return reply(200, { code: 0, msg: 'success', data: { items } }, ids);
    }
    if (ids.some((id) => b.rejectIds.includes(id))) {
      return fail(rejectStatus, WPS_CODES.invalidParam, this.msg('invalidUserIds'), ids);
    }
    if (b.unknownIds === 'reject' && ids.some((id) => !this.users.has(id))) {
      // As a vendor might: the whole call refused, without saying which id.
      return fail(rejectStatus, WPS_CODES.usersNotFound, this.msg('usersNotFound'), ids);
    }
    if (b.disableDisabled === 'reject' && ids.some((id) => this.users.get(id) === 'disabled')) {
      return fail(rejectStatus, WPS_CODES.userAlreadyDisabled, this.msg('userAlreadyDisabled'), ids);
    }
    if (!b.disableNoop) {
      for (const id of ids) {
        const status = this.users.get(id);
        // A user who has left stays `dimission`.
        if (status !== undefined && status !== 'dimission') this.users.set(id, 'disabled');
      }
    }
    return reply(200, { code: 0, msg: 'success' }, ids);
  }

  /** Returns why the KSO-1 signature is not acceptable, or undefined when it is. */
  private checkSignature(req: http.IncomingMessage, path: string, body: Buffer): string | undefined {
    const header = req.headers['x-kso-authorization'];
    const date = req.headers['x-kso-date'];
    if (typeof header !== 'string') return 'X-Kso-Authorization header missing';
    if (typeof date !== 'string') return 'X-Kso-Date header missing';
    const match = /^KSO-1 ([^:]+):([0-9a-f]{64})$/.exec(header);
    if (!match) return 'X-Kso-Authorization is not "KSO-1 <appid>:<hex signature>"';
    if (match[1] !== this.options.appId) return 'unknown app id';
    const at = Date.parse(date);
    if (Number.isNaN(at)) return 'X-Kso-Date is not an RFC 1123 date';
    if (Math.abs(this.now() - at) > (this.options.maxClockSkewMs ?? 15 * 60_000))
      return 'X-Kso-Date too far from server time';
    const expected = kso1Signature({
      method: req.method ?? '',
      requestUri: path,
      contentType: req.headers['content-type'] ?? '',
      date,
      body,
      appId: this.options.appId,
      appKey: this.options.appKey,
    });
    return expected === match[2] ? undefined : 'signature mismatch';
  }
}

function headerString(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
