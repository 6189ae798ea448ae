import type { OffboardingRequest } from '../workflows/request';

/**
 * The bench's requests: `count` leavers numbered from 1, matching the simulators' generated
 * directory (simulators/directory.ts: `wps-<n>`, `au-<n>`, employee `E<n>`), all present and active.
 */
export function benchRequest(requestId: string, count: number): OffboardingRequest {
  const leavers = Array.from({ length: count }, (_, i) => leaver(i + 1));
  return { requestId, authingUserIdType: 'user_id', leavers };
}

/** Leaver `n` (1-based) of a bench request. */
export function leaver(n: number): { employeeId: string; wpsUserId: string; authingUserId: string } {
  return { employeeId: `E${n}`, wpsUserId: `wps-${n}`, authingUserId: `au-${n}` };
}

/** Vendor calls of at most 50 ids: how many batches `count` leavers make. */
export function batchesFor(count: number, batchSize = 50): number {
  return Math.ceil(count / batchSize);
}
