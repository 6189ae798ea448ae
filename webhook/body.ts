import type { IncomingMessage } from 'node:http';

/** The body is over the limit: reading stopped there. */
export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`the body is larger than the limit of ${limitBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** Whether the request's Content-Length declares a body over `limitBytes`. */
export function declaresTooLarge(req: IncomingMessage, limitBytes: number): boolean {
  const declared = Number(req.headers['content-length']);
  return Number.isFinite(declared) && declared > limitBytes;
}

/** Whether the request says a body follows (a Content-Length above 0, or a Transfer-Encoding). */
export function hasBody(req: IncomingMessage): boolean {
  return Number(req.headers['content-length']) > 0 || req.headers['transfer-encoding'] !== undefined;
}

/**
 * A request's raw body, stopping as soon as it passes `limitBytes` (a declared Content-Length over it:
 * before reading), so that an oversized or endless body costs at most the limit in memory.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  if (declaresTooLarge(req, limitBytes)) return Promise.reject(new BodyTooLargeError(limitBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        req.pause();
        reject(new BodyTooLargeError(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** How discarding the rest of a body ended. */
export type DiscardOutcome = 'ended' | 'too_much' | 'too_slow' | 'closed';

/**
 * Reads what is left of a request's body and drops it, until it ends, `maxBytes` more arrived, or
 * `maxMs` passed. After an early answer (a 413 ...): closing a connection the client is still sending
 * on resets it, and the client sees a broken pipe (EPIPE, ECONNRESET) instead of the answer.
 */
export function discardBody(req: IncomingMessage, maxBytes: number, maxMs: number): Promise<DiscardOutcome> {
  return new Promise((resolve) => {
    if (req.complete || req.destroyed) {
      resolve(req.complete ? 'ended' : 'closed');
      return;
    }
    let discarded = 0;
    const done = (outcome: DiscardOutcome): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onClose);
      if (outcome === 'too_much' || outcome === 'too_slow') req.pause();
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      discarded += chunk.length;
      if (discarded > maxBytes) done('too_much');
    };
    const onEnd = (): void => done('ended');
    const onClose = (): void => done(req.complete ? 'ended' : 'closed');
    const timer = setTimeout(() => done('too_slow'), maxMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    req.on('error', onClose);
    req.resume();
  });
}
