import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { FaultInjector } from '../../simulators/faults';

/**
 * Counts a simulator's API calls that are inside their injected latency right now: a moment when
 * an activity is certainly in flight, which is when a crash test wants to pull the plug.
 */
export function countInFlight(faults: FaultInjector): () => number {
  const original = faults.before.bind(faults);
  let inFlight = 0;
  faults.before = async () => {
    inFlight += 1;
    try {
      return await original();
    } finally {
      inFlight -= 1;
    }
  };
  return () => inFlight;
}

/** An activity of a run that a worker has picked up and not yet finished, as the server sees it. */
export interface StartedActivity {
  activityId: string;
  activityType: string;
  attempt: number;
  /** The identity of the worker running it (`<pid>@<host>` by default). */
  worker: string;
}

/** The activities of a run that are running on some worker right now, as the server sees them. */
export async function startedActivities(handle: WorkflowHandle): Promise<StartedActivity[]> {
  const description = await handle.describe();
  return (description.raw.pendingActivities ?? [])
    .filter((a) => a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED)
    .map((a) => ({
      activityId: a.activityId ?? '',
      activityType: a.activityType?.name ?? '',
      attempt: a.attempt ?? 0,
      worker: a.lastWorkerIdentity ?? '',
    }));
}
