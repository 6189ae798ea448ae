import { PHASES } from '../../workflows/messages';
import { FAILED_COUNT, PHASE } from '../../workflows/search-attributes';
import { usage } from './failure';

/**
 * The visibility query behind `offboard list`, from its filters. Pure. Only `offboarding` runs
 * (a large request's chunk runs are another workflow type, and not requests of their own).
 */

export interface ListFilters {
  phase?: string;
  failed?: boolean;
  since?: string;
  until?: string;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 86_400_000;

/** A date (midnight UTC; `end` gives the next midnight, so that --until includes the day) or an instant. */
export function parseTime(value: string, label: string, end: boolean): Date {
  const date = DATE_ONLY.test(value)
    ? new Date(Date.parse(`${value}T00:00:00Z`) + (end ? DAY_MS : 0))
    : INSTANT.test(value)
      ? new Date(Date.parse(value))
      : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw usage(
      `${label} must be a date (2026-11-30) or a time with an offset (2026-11-30T18:00:00+08:00); got "${value}"`,
    );
  }
  return date;
}

export function listQuery(filters: ListFilters): string {
  const clauses = [`WorkflowType = 'offboarding'`];
  if (filters.phase !== undefined) {
    if (!(PHASES as readonly string[]).includes(filters.phase)) {
      throw usage(`--phase must be one of ${PHASES.join(', ')}; got "${filters.phase}"`);
    }
    clauses.push(`${PHASE.name} = '${filters.phase}'`);
  }
  if (filters.failed) clauses.push(`${FAILED_COUNT.name} > 0`);
  const since = filters.since !== undefined ? parseTime(filters.since, '--since', false) : undefined;
  const until = filters.until !== undefined ? parseTime(filters.until, '--until', true) : undefined;
  if (since && until && since >= until) throw usage('--since must be before --until');
  if (since) clauses.push(`StartTime >= '${since.toISOString()}'`);
  if (until) clauses.push(`StartTime < '${until.toISOString()}'`);
  return clauses.join(' AND ');
}
