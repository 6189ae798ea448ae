import { AuthingSimulator } from '../simulators/authing/server';
import { generateDirectory } from '../simulators/directory';
import { NO_FAULTS, type FaultInjector, type FaultSettings } from '../simulators/faults';
import { WpsSimulator } from '../simulators/wps/server';
import type {
  CheckResult,
  SimCommand,
  SimReady,
  SimReply,
  SimRequest,
  SimStats,
  VendorStats,
} from './sim-protocol';

/**
 * The bench's simulator process: the project's two vendor simulators (the same classes as
 * simulators/main.ts runs, with signature and token checks), driven over IPC by the bench so that it
 * can reset the directory and the faults between scenarios and read the call records, which
 * simulators/main.ts keeps in memory only. Started by bench/sim-process.ts with child_process.fork.
 *
 *   WPS_SIM_PORT, AUTHING_SIM_PORT, WPS_APP_ID, WPS_APP_KEY, AUTHING_USERPOOL_ID,
 *   AUTHING_ACCESS_KEY_ID, AUTHING_ACCESS_KEY_SECRET
 */

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`sim-host: ${name} is not set`);
  return value;
}

/** Timestamps of accepted calls and counts by answer, kept beside a simulator's own call record. */
class CallClock {
  accepted: number[] = [];
  calls = 0;
  /** The token issuer's counter at the last reset (it only counts up). */
  tokensBefore = 0;
  throttled = 0;
  serverErrors = 0;

  /** Makes `calls.push` also note each call's time and status. */
  watch<T>(calls: T[], status: (call: T) => number): void {
    const push = calls.push.bind(calls);
    calls.push = (...items: T[]): number => {
      const now = Date.now();
      for (const item of items) {
        const code = status(item);
        this.calls += 1;
        if (code >= 200 && code < 300) this.accepted.push(now);
        else if (code === 429) this.throttled += 1;
        else if (code >= 500) this.serverErrors += 1;
      }
      return push(...items);
    };
  }

  reset(tokensIssued: number): void {
    this.tokensBefore = tokensIssued;
    this.accepted = [];
    this.calls = 0;
    this.throttled = 0;
    this.serverErrors = 0;
  }

  stats(faults: FaultInjector, tokensIssued: number): VendorStats {
    let peak = 0;
    let start = 0;
    for (let end = 0; end < this.accepted.length; end++) {
      const t = this.accepted[end] ?? 0;
      while ((this.accepted[start] ?? t) <= t - 1000) start += 1;
      peak = Math.max(peak, end - start + 1);
    }
    const first = this.accepted[0];
    const last = this.accepted[this.accepted.length - 1];
    return {
      calls: this.calls,
      accepted: this.accepted.length,
      throttled: this.throttled,
      rateLimited: faults.counts.rateLimited,
      serverErrors: this.serverErrors,
      tokensIssued: tokensIssued - this.tokensBefore,
      ...(first !== undefined ? { firstAcceptedAt: first } : {}),
      ...(last !== undefined ? { lastAcceptedAt: last } : {}),
      peakAcceptedPerSecond: peak,
    };
  }
}

/**
 * Vendor calls inside their simulated latency right now, both simulators together: the most at
 * once, and the mean over the time from the first call to the last (what the ideal time assumes to
 * be the run's concurrency throughout).
 */
class InFlightGauge {
  private now = 0;
  private peak = 0;
  private area = 0;
  private first: number | undefined;
  private since = 0;

  watch(faults: FaultInjector): void {
    const before = faults.before.bind(faults);
    faults.before = async (call) => {
      this.change(+1);
      try {
        return await before(call);
      } finally {
        this.change(-1);
      }
    };
  }

  private change(by: number): void {
    const t = performance.now();
    if (this.first === undefined) this.first = t;
    else this.area += this.now * (t - this.since);
    this.since = t;
    this.now += by;
    this.peak = Math.max(this.peak, this.now);
  }

  reset(): void {
    this.peak = this.now;
    this.area = 0;
    this.first = undefined;
  }

  stats(): { peak: number; mean: number } {
    const span = this.first === undefined ? 0 : this.since - this.first;
    return { peak: this.peak, mean: span > 0 ? this.area / span : 0 };
  }
}

function resetFaults(faults: FaultInjector, settings: Partial<FaultSettings>): void {
  const next = { ...NO_FAULTS, ...settings };
  // Re-seed, so that every scenario sees the same sequence of injected faults.
  faults.configure({ ...next, seed: next.seed + 1 });
  faults.configure({ seed: next.seed });
  faults.counts.serverErrors = 0;
  faults.counts.throttled = 0;
  faults.counts.rateLimited = 0;
  faults.counts.hung = 0;
}

async function main(): Promise<void> {
  const host = '127.0.0.1';
  const wps = new WpsSimulator({ appId: need('WPS_APP_ID'), appKey: need('WPS_APP_KEY'), users: [] });
  const authing = new AuthingSimulator({
    userPoolId: need('AUTHING_USERPOOL_ID'),
    accessKeyId: need('AUTHING_ACCESS_KEY_ID'),
    accessKeySecret: need('AUTHING_ACCESS_KEY_SECRET'),
    users: [],
  });
  const wpsClock = new CallClock();
  const authingClock = new CallClock();
  wpsClock.watch(wps.calls, (c) => c.status);
  authingClock.watch(authing.calls, (c) => c.httpStatus);
  const inFlight = new InFlightGauge();
  inFlight.watch(wps.faults);
  inFlight.watch(authing.faults);

  const wpsListening = await wps.start(Number(need('WPS_SIM_PORT')), host);
  const authingListening = await authing.start(Number(need('AUTHING_SIM_PORT')), host);

  const run = (command: SimCommand): SimStats | CheckResult | null => {
    switch (command.kind) {
      case 'reset': {
        const directory = generateDirectory(command.users, 0);
        wps.users.clear();
        for (const u of directory.wps) wps.users.set(u.id, u.status);
        authing.users.clear();
        for (const u of directory.authing) authing.users.set(u.userId, u);
        wps.calls.length = 0;
        authing.calls.length = 0;
        authing.resignations.length = 0;
        wpsClock.reset(wps.tokens.issued);
        authingClock.reset(authing.tokens.issued);
        resetFaults(wps.faults, command.faults);
        resetFaults(authing.faults, command.faults);
        wps.configure({ rejectIds: command.refuse.wps });
        authing.configure({ rejectIds: command.refuse.authing });
        inFlight.reset();
        return null;
      }
      case 'stats':
        return {
          wps: wpsClock.stats(wps.faults, wps.tokens.issued),
          authing: authingClock.stats(authing.faults, authing.tokens.issued),
          inFlight: inFlight.stats(),
        };
      case 'check':
        return {
          wpsNotDisabled: command.wpsUserIds.filter((id) => wps.users.get(id) !== 'disabled'),
          authingNotResigned: command.authingUserIds.filter(
            (id) => authing.users.get(id)?.status !== 'Resigned',
          ),
        };
    }
  };

  process.on('message', (message: SimRequest) => {
    let reply: SimReply;
    try {
      reply = { id: message.id, ok: true, value: run(message.command) };
    } catch (err) {
      reply = { id: message.id, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    process.send?.(reply);
  });

  const stop = (): void => {
    void Promise.all([wpsListening.close(), authingListening.close()]).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // The bench went away (even by SIGKILL): do not outlive it.
  process.once('disconnect', stop);

  const ready: SimReady = { ready: true, wpsUrl: wpsListening.url, authingUrl: authingListening.url };
  process.send?.(ready);
  console.log(`sim-host: WPS 365 at ${wpsListening.url}, Authing at ${authingListening.url}`);
}

main().catch((err: unknown) => {
  console.error('sim-host: failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
