/** A measured figure, with the target it is held to (if any) and whether it met it. */

export type Unit = 'ms' | 'ratio' | 'count' | 'number' | 'bytes' | 'per-second' | 'share';

export interface Target {
  op: '<=' | '>=';
  value: number;
}

export interface Figure {
  key: string;
  label: string;
  /** Null when it could not be measured (say, no /proc for the RSS). */
  value: number | null;
  unit: Unit;
  target?: Target;
  /** Present when there is a target: whether the value meets it (false when it could not be measured). */
  pass?: boolean;
  note?: string;
}

export function figure(
  key: string,
  label: string,
  value: number | null | undefined,
  unit: Unit,
  target?: Target,
  note?: string,
): Figure {
  const v = value === undefined || value === null || !Number.isFinite(value) ? null : value;
  const result: Figure = { key, label, value: v, unit };
  if (target) {
    result.target = target;
    result.pass = v !== null && (target.op === '<=' ? v <= target.value : v >= target.value);
  }
  if (note !== undefined) result.note = note;
  return result;
}

export function formatValue(value: number | null, unit: Unit): string {
  if (value === null) return 'n/a';
  switch (unit) {
    case 'ms':
      if (value < 1000) return `${Math.round(value)} ms`;
      return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${(value / 1000).toFixed(2)} s`;
    case 'ratio':
      return `${value.toFixed(2)}×`;
    case 'count':
      return Math.round(value).toLocaleString('en-US');
    case 'number':
      return value.toFixed(1);
    case 'bytes':
      if (value >= 1024 * 1024) return `${(value / (1024 * 1024)).toFixed(1)} MiB`;
      if (value >= 1024) return `${(value / 1024).toFixed(1)} KiB`;
      return `${value} B`;
    case 'per-second':
      return `${value.toFixed(1)}/s`;
    case 'share':
      return `${(value * 100).toFixed(1)}%`;
  }
}

export function formatTarget(target: Target | undefined, unit: Unit): string {
  return target ? `${target.op === '<=' ? '≤' : '≥'} ${formatValue(target.value, unit)}` : '';
}
