import { parseEffectiveAt, validateRequest } from '../../workflows/validation';
import { usage } from './failure';

/**
 * Checks of single arguments, reusing the request's own validation so that the CLI accepts exactly
 * what the workflow accepts, and says so before anything is sent.
 */

const PLACEHOLDER_LEAVERS = [{ wpsUserId: 'placeholder' }];

function issueFor(field: string, input: Record<string, unknown>): string | undefined {
  const result = validateRequest({ requestId: 'placeholder', leavers: PLACEHOLDER_LEAVERS, ...input });
  return result.ok ? undefined : result.issues.find((i) => i.field === field)?.message;
}

export function checkRequestId(value: string | undefined, command: string): string {
  if (value === undefined) throw usage(`${command} needs a requestId (see offboard ${command} --help)`);
  const problem = issueFor('requestId', { requestId: value });
  if (problem) throw usage(`"${value}" is not a requestId: it ${problem}`);
  return value;
}

export function checkEffectiveAt(value: string | undefined, label: string): string {
  if (value === undefined) throw usage(`${label} is required`);
  const parsed = parseEffectiveAt(value);
  if (typeof parsed === 'string') throw usage(`${label} ${parsed}; got "${value}"`);
  return value;
}

/** A whole number of seconds above 0, as milliseconds. */
export function secondsOption(value: string | undefined, label: string, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(seconds > 0)) {
    throw usage(`${label} must be a number of seconds above 0; got "${value}"`);
  }
  return Math.round(seconds * 1000);
}

export function stringOption(values: Record<string, unknown>, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * An operator's decision (`continue`, `waive`): `--by` and `--reason`, both required, for the audit
 * trail; `why` says what the reason must explain.
 */
export function decisionOf(
  values: Record<string, unknown>,
  command: string,
  why: string,
): { by: string; reason: string } {
  const by = stringOption(values, 'by')?.trim();
  const reason = stringOption(values, 'reason')?.trim();
  if (!by) throw usage(`${command} needs --by NAME: who decides, for the audit trail`);
  if (!reason) throw usage(`${command} needs --reason TEXT: ${why}`);
  return { by, reason };
}

/** Every value of a repeatable option, in order (none: empty). */
export function stringsOption(values: Record<string, unknown>, name: string): string[] {
  const value = values[name];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

export function flag(values: Record<string, unknown>, name: string): boolean {
  return values[name] === true;
}
