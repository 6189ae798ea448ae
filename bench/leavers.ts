import type { OffboardingRequest } from '../workflows/request';

/**
 * The bench's requests: `count` leavers numbered from 1, matching the simulators' generated
 * directory (simulators/directory.ts: `wps-<n>`, `au-<n>`, employee `E<n>`), all present and active.
 */
export function benchRequest(requestId: string, count: number): OffboardingRequest {
  const leavers = Array.from({ length: count }, (_, i) => ({
    employeeId: `E${i + 1}`,
    wpsUserId: `wps-${i + 1}`,
    authingUserId: `au-${i + 1}`,
  }));
  return { requestId, authingUserIdType: 'user_id', leavers };
}

/** Vendor calls of at most 50 ids: how many batches `count` leavers make. */
export function batchesFor(count: number, batchSize = 50): number {
  return Math.ceil(count / batchSize);
}
