import fs from 'node:fs';

/**
 * A process's memory, from /proc/<pid>/status (Linux): `VmHWM` is the kernel's own record of the
 * peak resident set since the process started; `VmRSS` is sampled too, so that a platform without
 * VmHWM still gets a (sampled) peak. Undefined where /proc is not available.
 */

function readKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match?.[1] !== undefined ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

export class RssSampler {
  private sampledPeakKiB: number | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 500,
  ) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  private sample(): void {
    const rss = readKiB(this.pid, 'VmRSS');
    if (rss !== undefined) this.sampledPeakKiB = Math.max(this.sampledPeakKiB ?? 0, rss);
  }

  /** The peak resident set so far, in bytes: VmHWM when the kernel keeps it, else the sampled peak. */
  peakBytes(): number | undefined {
    this.sample();
    const hwm = readKiB(this.pid, 'VmHWM');
    const kib = hwm ?? this.sampledPeakKiB;
    return kib === undefined ? undefined : kib * 1024;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
