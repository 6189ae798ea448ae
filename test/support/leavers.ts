import type { Leaver } from '../../workflows/request';

/**
 * Leavers `from` to `from + count - 1` of a directory made by `generateDirectory` (simulators/
 * directory.ts): employee `E<n>`, WPS user `wps-<n>`, Authing user `au-<n>`.
 */
export function leaversOf(from: number, count: number): Leaver[] {
  return Array.from({ length: count }, (_, i) => ({
    employeeId: `E${from + i}`,
    wpsUserId: `wps-${from + i}`,
    authingUserId: `au-${from + i}`,
  }));
}
