import http from 'node:http';
import { kso1Signature } from '../../activities/wps/kso1';
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

export interface WpsSimulatorOptions {
  appId: string;
  appKey: string;
  users?: WpsUserRecord[];
  /** Token lifetime in seconds. Default 7200, as the vendor's. */
  tokenTtlSeconds?: number;
  /** Largest accepted distance between X-Kso-Date and the simulator's clock. Default 15 minutes. */
  maxClockSkewMs?: number;
  now?: () => number;
}

export interface WpsCall {
  path: string;
  userIds: string[];
  signatureValid: boolean;
  status: number;
  code: number;
}

export const WPS_CODES = {
  ok: 0,
  tokenInvalid: 400001001,
  signatureInvalid: 400001002,
  invalidParam: 400000001,
  appCredentialsInvalid: 400001003,
} as const;

export class WpsSimulator {
  readonly users = new Map<string, WpsStatus>();
  readonly calls: WpsCall[] = [];
  readonly tokens: TokenIssuer;
  private readonly now: () => number;
  private requestCounter = 0;

  constructor(private readonly options: WpsSimulatorOptions) {
    this.now = options.now ?? Date.now;
    this.tokens = new TokenIssuer('wps-sim', () => options.tokenTtlSeconds ?? 7200, this.now);
    for (const user of options.users ?? []) this.users.set(user.id, user.status);
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
    const reply = (
      status: number,
      payload: Record<string, unknown>,
      ids: string[] = [],
      signatureValid = true,
    ): void => {
      if (path.startsWith('/v7/')) {
        this.calls.push({ path, userIds: ids, signatureValid, status, code: Number(payload.code ?? 0) });
      }
      sendJson(res, status, payload, { 'X-Request-Id': requestId });
    };

    if (req.method === 'GET' && path === '/healthz') return reply(200, { code: 0, msg: 'ok' });
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
      return reply(200, { access_token: token, expires_in: expiresIn, token_type: 'bearer' });
    }
    if (req.method !== 'POST' || (path !== '/v7/users/batch_disable' && path !== '/v7/users/batch_read')) {
      return reply(404, { code: 404, msg: `no such endpoint: ${req.method ?? ''} ${path}` });
    }

    const parsed = parseJson(body) as { user_ids?: unknown } | undefined;
    const ids = Array.isArray(parsed?.user_ids)
      ? parsed.user_ids.filter((x): x is string => typeof x === 'string')
      : [];
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

    if (path === '/v7/users/batch_read') {
      const items = ids.flatMap((id) => {
        const status = this.users.get(id);
        return status === undefined ? [] : [{ id, status }];
      });
      return reply(200, { code: 0, msg: 'success', data: { items } }, ids);
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
