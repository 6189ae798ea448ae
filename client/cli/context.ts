import type { Client } from '@temporalio/client';
import { ConfigError } from '../../config/env';
import { connectClient } from '../connection';
import { CliFailure, toFailure, type FailureContext } from './failure';
import type { Output } from './output';

export interface Connected {
  client: Client;
  address: string;
  namespace: string;
}

export type Connector = () => Promise<Connected>;

export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * What every command shares: its output, the settings from the environment, and one Temporal
 * connection made on first use (a dry run or a usage error never connects). Calls go through
 * `bounded`, so that a server that stops answering fails the command in `timeoutMs`, not minutes.
 */
export class CliContext {
  readonly taskQueue: string;
  readonly uiBaseUrl: string;
  /** The task queue of the run the command works on, once described: the worker that must answer. */
  runTaskQueue: string | undefined;
  private connected: Connected | undefined;

  constructor(
    readonly out: Output,
    readonly env: Record<string, string | undefined>,
    readonly timeoutMs: number,
    private readonly connector: Connector = connectClient,
  ) {
    this.taskQueue = env.OFFBOARDING_TASK_QUEUE || 'offboarding';
    this.uiBaseUrl = env.TEMPORAL_UI_URL || 'http://localhost:8233';
  }

  async temporal(): Promise<Connected> {
    if (!this.connected) {
      try {
        this.connected = await this.connector();
      } catch (err) {
        // A malformed PAYLOAD_CODEC_* setting is the operator's to fix, not the server's absence.
        if (err instanceof ConfigError) {
          throw new CliFailure('usage', `configuration error: ${err.message}`, { cause: err });
        }
        // connectClient's message names the address and how to fix it.
        throw new CliFailure('unreachable', err instanceof Error ? err.message : String(err), { cause: err });
      }
    }
    return this.connected;
  }

  /** Runs `fn` with one deadline over every Temporal call it makes (default: the --timeout). */
  async bounded<T>(
    fn: (client: Client, connected: Connected) => Promise<T>,
    timeoutMs: number = this.timeoutMs,
  ): Promise<T> {
    const connected = await this.temporal();
    return connected.client.withDeadline(Date.now() + timeoutMs, () => fn(connected.client, connected));
  }

  failureContext(requestId?: string): FailureContext {
    return {
      ...(requestId !== undefined ? { requestId } : {}),
      ...(this.connected ? { address: this.connected.address } : {}),
      taskQueue: this.runTaskQueue ?? this.taskQueue,
      timeoutMs: this.timeoutMs,
    };
  }

  /** Maps an error in the terms of this command's run. */
  failure(err: unknown, requestId?: string): CliFailure {
    return toFailure(err, this.failureContext(requestId));
  }

  async close(): Promise<void> {
    await this.connected?.client.connection.close();
    this.connected = undefined;
  }
}
