import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SearchAttributeType } from '@temporalio/common';
import { Connection } from '@temporalio/client';
import { OFFBOARDING_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { freePort } from './ports';
import { stopProcess } from './processes';

export { freePort };

export interface DevServerOptions {
  /** Path to the `temporal` CLI. */
  binary: string;
  /** gRPC port; 0 picks a free one. Default 7233. */
  port?: number;
  /** Web UI port; omit with `headless`. Default 8233. */
  uiPort?: number;
  headless?: boolean;
  /** SQLite file that keeps state across restarts; omit for an in-memory server. */
  dbFile?: string;
  /** Where the server's own log goes. */
  logFile: string;
  namespace?: string;
  /** How long to wait for it to answer. Default 90 s (a busy 2-core machine can be slow). */
  readyTimeoutMs?: number;
  /** The codec server the Web UI asks to decode payloads; none by default. */
  uiCodecEndpoint?: string;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const CLI_TYPE_NAMES: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** `--sqlite-pragma` values for a dev server on a SQLite file (see startDevServer). */
const SQLITE_PRAGMAS = ['journal_mode=WAL', 'synchronous=NORMAL'];

/** `--search-attribute Name=Type` flags for every custom attribute the workflow uses. */
export function searchAttributeFlags(): string[] {
  return OFFBOARDING_SEARCH_ATTRIBUTES.flatMap((key) => [
    '--search-attribute',
    `${key.name}=${CLI_TYPE_NAMES[key.type]}`,
  ]);
}

/** Starts `temporal server start-dev` on loopback and resolves once it answers gRPC calls. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const port = options.port === 0 ? await freePort() : (options.port ?? 7233);
  const uiPort = options.headless
    ? undefined
    : options.uiPort === 0
      ? await freePort()
      : (options.uiPort ?? 8233);
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  args.push('--namespace', options.namespace ?? 'default');
  if (uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  if (uiPort !== undefined && options.uiCodecEndpoint)
    args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (options.dbFile) {
    fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
    // SQLite's defaults (a rollback journal, a full sync on every commit) make each of the server's
    // many small writes wait for the disk: about 15% of the wall time of a run of 10,000 leavers
    // (docs/benchmarks.md). With a write-ahead log and NORMAL sync, a commit survives a crash of the
    // server or the worker; only a power cut may lose the last ones, acceptable for a dev server.
    args.push(...SQLITE_PRAGMAS.flatMap((pragma) => ['--sqlite-pragma', pragma]));
  }
  args.push(...searchAttributeFlags());
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = fs.openSync(options.logFile, 'a');
  const child = spawn(options.binary, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);

  const address = `127.0.0.1:${port}`;
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? `code ${String(code)}`}`;
  });
  const stop = () => stopProcess(child, 10_000);

  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  for (;;) {
    if (exited)
      throw new Error(`the Temporal dev server ${exited} before it was ready; see ${options.logFile}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: options.namespace ?? 'default' });
        // The UI answers a little after gRPC; wait for it so the printed link works at once.
        if (uiPort !== undefined) await waitForHttp(`http://127.0.0.1:${uiPort}/`, deadline);
        return {
          address,
          process: child,
          stop,
          ...(uiPort !== undefined ? { uiUrl: `http://localhost:${uiPort}` } : {}),
        };
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(
          `the Temporal dev server did not answer on ${address} in time; see ${options.logFile}`,
          { cause: err },
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export async function waitForHttp(url: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${url} did not answer in time`, { cause: err });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
