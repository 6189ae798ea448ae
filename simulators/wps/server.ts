import http from 'node:http';
import { kso1Signature } from '../../activities/wps/kso1';
import { FaultInjector, type FaultSettings } from '../faults';
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
 * A WPS 365 open-API simulator: the app token endpoint, KSO-1 verification as specs/wps-365.md §2
 * states it, and batch_disable / batch_read over an in-memory directory.
 */

export type WpsStatus = 'active' | 'notactive' | 'disabled';

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
} as const;

const DEFAULT_BEHAVIOUR: WpsBehaviour = {
  unknownIds: 'skip',
  disableDisabled: 'noop',
  rejectIds: [],
  maxIdsPerCall: 50,
  rejectHttpStatus: 400,
  tokenTtlSeconds: 7200,
  advertisedExpiresInSeconds: undefined,
  faultsOnTokenEndpoint: false,
};

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
    this.now = options.now ?? Date.now;
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
    this.behaviour = next as unknown as WpsBehaviour;
    // The constructor passes its options here before `faults` exists; it applies them itself.
    if (changes.faults && (this as { faults?: FaultInjector }).faults) this.faults.configure(changes.faults);
  }

  /** Makes every token issued so far invalid at once (a vendor-side revocation). */
  revokeTokens(): void {
    this.tokens.revokeAll();
  }

  async start(port = 0, host = '127.0.0.1'): Promise<Listening> {
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (err instanceof BodyTooLargeError)
          sendJson(res, 413, { code: WPS_CODES.invalidParam, msg: err.message });
        else sendJson(res, 500, { code: 500, msg: 'simulator error' });
      });
    });
    return listen(server, port, host);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = req.url ?? '/';
    this.requestCounter += 1;
    const requestId = `wps-sim-req-${this.requestCounter}`;
    const isApi = path.startsWith('/v7/');
    const ksoDate = headerString(req.headers['x-kso-date']);
    const ksoAuthorization = headerString(req.headers['x-kso-authorization']);
    const record = (
      call: Omit<WpsCall, 'method' | 'path' | 'ksoDate' | 'ksoAuthorization' | 'requestId'>,
    ) => {
      if (!isApi) return;
      this.calls.push({ method: req.method ?? '', path, ksoDate, ksoAuthorization, requestId, ...call });
    };
    const reply = (
      status: number,
      payload: Record<string, unknown>,
      ids: string[] = [],
      signatureValid = true,
      headers: Record<string, string> = {},
    ): void => {
      record({ userIds: ids, signatureValid, status, code: Number(payload.code ?? 0) });
      sendJson(res, status, payload, { 'X-Request-Id': requestId, ...headers });
    };
    const idsIn = (): string[] => {
      const parsed = parseJson(body) as { user_ids?: unknown } | undefined;
      return Array.isArray(parsed?.user_ids)
        ? parsed.user_ids.filter((x): x is string => typeof x === 'string')
        : [];
    };

    if (req.method === 'GET' && path === '/healthz') return reply(200, { code: 0, msg: 'ok' });

    if (isApi || (this.behaviour.faultsOnTokenEndpoint && path === '/oauth2/token')) {
      const fault = await this.faults.before({ path: path.split('?')[0] ?? path });
      if (fault?.kind === 'hang') {
        // Never answered: the client's timeout (or the server's close()) ends the connection.
        record({ userIds: isApi ? idsIn() : [], signatureValid: true, status: 0, code: 0, fault: 'hang' });
        return;
      }
      if (fault?.kind === 'serverError') {
        record({
          userIds: isApi ? idsIn() : [],
          signatureValid: true,
          status: fault.status,
          code: WPS_CODES.serviceUnavailable,
          fault: 'serverError',
        });
        sendJson(
          res,
          fault.status,
          { code: WPS_CODES.serviceUnavailable, msg: 'service unavailable' },
          { 'X-Request-Id': requestId },
        );
        return;
      }
      if (fault?.kind === 'throttle') {
        record({
          userIds: isApi ? idsIn() : [],
          signatureValid: true,
          status: 429,
          code: WPS_CODES.rateLimited,
          fault: 'throttle',
        });
        sendJson(
          res,
          429,
          { code: WPS_CODES.rateLimited, msg: 'too many requests' },
          { 'X-Request-Id': requestId, 'Retry-After': String(fault.retryAfterSeconds) },
        );
        return;
      }
    }

    if (req.method === 'POST' && path === '/oauth2/token') {
      const form = new URLSearchParams(body.toString('utf8'));
      if (form.get('grant_type') !== 'client_credentials') {
        return reply(400, { code: WPS_CODES.invalidParam, msg: 'grant_type must be client_credentials' });
      }
      if (form.get('client_id') !== this.options.appId || form.get('client_secret') !== this.options.appKey) {
        return reply(401, {
          code: WPS_CODES.appCredentialsInvalid,
          msg: 'invalid client_id or client_secret',
        });
      }
      const { token, expiresIn } = this.tokens.issue();
      this.issuedTokens.push(token);
      return reply(200, {
        access_token: token,
        expires_in: this.behaviour.advertisedExpiresInSeconds ?? expiresIn,
        token_type: 'bearer',
      });
    }
    if (req.method !== 'POST' || (path !== '/v7/users/batch_disable' && path !== '/v7/users/batch_read')) {
      return reply(404, { code: 404, msg: `no such endpoint: ${req.method ?? ''} ${path}` });
    }

    const parsed = parseJson(body) as { user_ids?: unknown } | undefined;
    const ids = idsIn();
    const signatureProblem = this.checkSignature(req, path, body);
    if (signatureProblem)
      return reply(
        403,
        { code: WPS_CODES.signatureInvalid, msg: `invalid signature: ${signatureProblem}` },
        ids,
        false,
      );
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!this.tokens.isValid(bearer))
      return reply(401, { code: WPS_CODES.tokenInvalid, msg: 'access_token invalid or expired' }, ids);
    if (
      !parsed ||
      !Array.isArray(parsed.user_ids) ||
      ids.length !== parsed.user_ids.length ||
      ids.length === 0
    ) {
      return reply(
        400,
        { code: WPS_CODES.invalidParam, msg: 'user_ids must be a non-empty array of strings' },
        ids,
      );
    }
    const rejectStatus = this.behaviour.rejectHttpStatus;
    if (ids.length > this.behaviour.maxIdsPerCall) {
      return reply(
        rejectStatus,
        { code: WPS_CODES.tooManyIds, msg: `at most ${this.behaviour.maxIdsPerCall} user_ids per call` },
        ids,
      );
    }

    if (path === '/v7/users/batch_read') {
      const items = ids.flatMap((id) => {
        const status = this.users.get(id);
        return status === undefined ? [] : [{ id, status }];
      });
      return reply(200, { code: 0, msg: 'success', data: { items } }, ids);
    }
    if (ids.some((id) => this.behaviour.rejectIds.includes(id))) {
      return reply(rejectStatus, { code: WPS_CODES.invalidParam, msg: 'invalid user_ids' }, ids);
    }
    if (this.behaviour.unknownIds === 'reject' && ids.some((id) => !this.users.has(id))) {
      // As a vendor might: the whole call refused, without saying which id.
      return reply(rejectStatus, { code: WPS_CODES.usersNotFound, msg: 'user not found' }, ids);
    }
    if (this.behaviour.disableDisabled === 'reject' && ids.some((id) => this.users.get(id) === 'disabled')) {
      return reply(rejectStatus, { code: WPS_CODES.userAlreadyDisabled, msg: 'user already disabled' }, ids);
    }
    for (const id of ids) {
      if (this.users.has(id)) this.users.set(id, 'disabled');
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
