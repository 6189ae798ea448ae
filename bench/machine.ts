import os from 'node:os';

/** The machine the figures were taken on; they mean little without it. */
export interface Machine {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  node: string;
  platform: string;
  /** 1, 5 and 15-minute load averages when the bench started: a busy machine skews every figure. */
  loadAverage: number[];
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

export function formatMachine(m: Machine): string {
  const gib = (m.memoryBytes / 1024 ** 3).toFixed(1);
  return `${m.cpuModel}, ${m.cores} cores, ${gib} GiB RAM, Node ${m.node}, ${m.platform}, load ${m.loadAverage.join(' ')}`;
}
