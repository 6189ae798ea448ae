import { MAX_CONCURRENCY, type RunOptions } from '../workflows/options';
import { MAX_IDS_PER_CALL } from '../workflows/request';

/**
 * How a run is carried out, from the starter's flags with environment defaults. The request's JSON
 * never sets these (workflows/options.ts says why). A bad value is refused naming where it came
 * from, before anything starts.
 */

export class RunOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunOptionError';
  }
}

export interface RunOptionInputs {
  batchSize?: string;
  concurrency?: string;
  approvalThreshold?: string;
  notFoundThreshold?: string;
  deadlineDays?: string;
  authingWaitSeconds?: string;
}

interface Setting {
  key: Exclude<keyof RunOptionInputs, 'notFoundThreshold'>;
  flag: string;
  env: string;
  min: number;
  max: number;
  /** The run option it sets, when not the key itself, and what one unit is in it. */
  option?: { name: 'deadlineMs' | 'authingWaitMs'; unitMs: number };
}

const SETTINGS: Setting[] = [
  { key: 'batchSize', flag: '--batch-size', env: 'OFFBOARDING_BATCH_SIZE', min: 1, max: MAX_IDS_PER_CALL },
  { key: 'concurrency', flag: '--concurrency', env: 'OFFBOARDING_CONCURRENCY', min: 1, max: MAX_CONCURRENCY },
  {
    key: 'approvalThreshold',
    flag: '--approval-threshold',
    env: 'OFFBOARDING_APPROVAL_THRESHOLD',
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
  },
  {
    key: 'deadlineDays',
    flag: '--deadline-days',
    env: 'OFFBOARDING_DEADLINE_DAYS',
    min: 1,
    max: 90,
    option: { name: 'deadlineMs', unitMs: 86_400_000 },
  },
  {
    key: 'authingWaitSeconds',
    flag: '--authing-wait-seconds',
    env: 'OFFBOARDING_AUTHING_WAIT_SECONDS',
    min: 1,
    max: 86_400,
    option: { name: 'authingWaitMs', unitMs: 1_000 },
  },
];

/** Flags win over the environment; neither set leaves the workflow's default. */
export function runOptionsFrom(inputs: RunOptionInputs, env: Record<string, string | undefined>): RunOptions {
  const options: RunOptions = {};
  for (const setting of SETTINGS) {
    const fromFlag = inputs[setting.key];
    const raw = fromFlag ?? (env[setting.env] === '' ? undefined : env[setting.env]);
    if (raw === undefined) continue;
    const source = fromFlag !== undefined ? setting.flag : setting.env;
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || value < setting.min || value > setting.max) {
      const range =
        setting.max === Number.MAX_SAFE_INTEGER
          ? `${setting.min} or more`
          : `${setting.min} to ${setting.max}`;
      throw new RunOptionError(`${source} must be a whole number, ${range}; got "${raw}"`);
    }
    if (setting.option) options[setting.option.name] = value * setting.option.unitMs;
    else options[setting.key as 'batchSize' | 'concurrency' | 'approvalThreshold'] = value;
  }
  // A share, not a count: read on its own.
  const share = inputs.notFoundThreshold ?? (env[NOT_FOUND_ENV] === '' ? undefined : env[NOT_FOUND_ENV]);
  if (share !== undefined) {
    const source = inputs.notFoundThreshold !== undefined ? '--not-found-threshold' : NOT_FOUND_ENV;
    const value = Number(share);
    if (!/^(0(\.\d+)?|1(\.0+)?)$/.test(share.trim()) || !(value >= 0 && value <= 1)) {
      throw new RunOptionError(`${source} must be a share from 0 to 1 (e.g. 0.2); got "${share}"`);
    }
    options.notFoundThreshold = value;
  }
  return options;
}

const NOT_FOUND_ENV = 'OFFBOARDING_NOT_FOUND_THRESHOLD';
