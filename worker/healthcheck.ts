/**
 * The container health check of the worker: `node dist/worker/healthcheck.js`. Healthy when the
 * Prometheus endpoint answers and shows that the Temporal workers were created and are polling, so
 * that a worker stuck before polling (a bad connection, a workflow bundle that did not build) is
 * reported unhealthy rather than merely alive. Needs METRICS_BIND_ADDRESS, as the image sets it.
 */

/** Series the SDK exports once its workers run: `temporal_worker_start` and the poller gauges. */
const READY_SERIES = [/^temporal_worker_start\{/m, /^temporal_num_pollers\{/m];

export function isReady(metricsText: string): boolean {
  return READY_SERIES.every((series) => series.test(metricsText));
}

/** The URL to scrape for a bind address: a wildcard bind is reached on loopback. */
export function metricsUrl(bindAddress: string): string {
  const hostPort = bindAddress.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:');
  return `http://${hostPort}/metrics`;
}

async function check(): Promise<number> {
  const bindAddress = process.env.METRICS_BIND_ADDRESS?.trim();
  if (!bindAddress) {
    console.error('healthcheck: METRICS_BIND_ADDRESS is not set, so there is nothing to check');
    return 1;
  }
  try {
    const response = await fetch(metricsUrl(bindAddress), { signal: AbortSignal.timeout(4_000) });
    const body = await response.text();
    if (response.ok && isReady(body)) return 0;
    console.error(
      `healthcheck: ${metricsUrl(bindAddress)} answered ${response.status} without running workers`,
    );
  } catch (err) {
    console.error(
      `healthcheck: ${metricsUrl(bindAddress)}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return 1;
}

if (require.main === module) {
  void check().then((code) => process.exit(code));
}
