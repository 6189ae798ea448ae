import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/**
 * The size of runs' histories, read back from the server: events and encoded bytes per run, and the
 * largest payload anywhere in them (a `Payloads` field, e.g. a start's input, an activity's result,
 * an update's argument, a child's input; Temporal's size limits apply to such a field as a whole).
 */

export interface Largest {
  workflowId: string;
  value: number;
  /** For a payload: the event type it was found in. */
  where?: string;
}

/**
 * Where a run's time goes, from the event timestamps of every run: per vendor activity, the wait
 * from scheduled to started (the task queue, a free slot, earlier failed attempts) and the last
 * attempt's run; per workflow task, scheduled to completed (the workflow's own turn-around).
 */
export interface Timings {
  activities: number;
  meanActivityQueueMs: number;
  meanActivityRunMs: number;
  workflowTasks: number;
  meanWorkflowTaskMs: number;
}

export interface HistoryStats {
  runs: number;
  largestEvents: Largest;
  largestBytes: Largest;
  largestPayload: Largest;
  timings: Timings;
}

const { History } = temporal.api.history.v1;
const { Payloads, Payload } = temporal.api.common.v1;

/** The largest encoded Payloads (or lone Payload) under `value`. */
function largestPayloadIn(value: unknown, depth = 0): number {
  if (value === null || typeof value !== 'object' || depth > 12 || value instanceof Uint8Array) return 0;
  const record = value as Record<string, unknown>;
  if (Array.isArray(record.payloads)) {
    return Payloads.encode(record as temporal.api.common.v1.IPayloads).finish().length;
  }
  if (record.data instanceof Uint8Array && 'metadata' in record) {
    return Payload.encode(record as temporal.api.common.v1.IPayload).finish().length;
  }
  let largest = 0;
  for (const child of Object.values(record)) largest = Math.max(largest, largestPayloadIn(child, depth + 1));
  return largest;
}

function eventTypeName(event: temporal.api.history.v1.IHistoryEvent): string {
  const type = event.eventType;
  return type === null || type === undefined
    ? 'unknown'
    : (temporal.api.enums.v1.EventType[type] ?? String(type));
}

type Time = temporal.api.history.v1.IHistoryEvent['eventTime'];
type Id = number | { toNumber(): number } | null | undefined;

function ms(time: Time): number {
  if (!time) return 0;
  const seconds = time.seconds;
  const whole = typeof seconds === 'number' ? seconds : seconds ? seconds.toNumber() : 0;
  return whole * 1000 + (time.nanos ?? 0) / 1e6;
}

function num(id: Id): number {
  return typeof id === 'number' ? id : id ? id.toNumber() : 0;
}

class TimingSums {
  activities = 0;
  queueMs = 0;
  runMs = 0;
  workflowTasks = 0;
  workflowTaskMs = 0;

  add(events: readonly temporal.api.history.v1.IHistoryEvent[]): void {
    const timeOf = new Map<number, number>();
    for (const event of events) {
      timeOf.set(num(event.eventId), ms(event.eventTime));
      const done = event.activityTaskCompletedEventAttributes;
      if (done) {
        const scheduled = timeOf.get(num(done.scheduledEventId));
        const started = timeOf.get(num(done.startedEventId));
        if (scheduled !== undefined && started !== undefined) {
          this.activities += 1;
          this.queueMs += started - scheduled;
          this.runMs += ms(event.eventTime) - started;
        }
      }
      const task = event.workflowTaskCompletedEventAttributes;
      if (task) {
        const scheduled = timeOf.get(num(task.scheduledEventId));
        if (scheduled !== undefined) {
          this.workflowTasks += 1;
          this.workflowTaskMs += ms(event.eventTime) - scheduled;
        }
      }
    }
  }

  result(): Timings {
    const mean = (total: number, n: number): number => (n > 0 ? total / n : 0);
    return {
      activities: this.activities,
      meanActivityQueueMs: mean(this.queueMs, this.activities),
      meanActivityRunMs: mean(this.runMs, this.activities),
      workflowTasks: this.workflowTasks,
      meanWorkflowTaskMs: mean(this.workflowTaskMs, this.workflowTasks),
    };
  }
}

export async function historyStats(client: Client, workflowIds: readonly string[]): Promise<HistoryStats> {
  const none = (): Largest => ({ workflowId: '', value: 0 });
  const stats: Omit<HistoryStats, 'timings'> = {
    runs: 0,
    largestEvents: none(),
    largestBytes: none(),
    largestPayload: none(),
  };
  const timings = new TimingSums();
  for (const workflowId of workflowIds) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events ?? [];
    const bytes = History.encode(history).finish().length;
    timings.add(events);
    stats.runs += 1;
    if (events.length > stats.largestEvents.value) stats.largestEvents = { workflowId, value: events.length };
    if (bytes > stats.largestBytes.value) stats.largestBytes = { workflowId, value: bytes };
    for (const event of events) {
      const size = largestPayloadIn(event);
      if (size > stats.largestPayload.value) {
        stats.largestPayload = { workflowId, value: size, where: eventTypeName(event) };
      }
    }
  }
  return { ...stats, timings: timings.result() };
}
