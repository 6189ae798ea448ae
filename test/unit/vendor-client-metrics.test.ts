import { AuthingClient } from '../../activities/authing/client';
import type { VendorMetrics } from '../../activities/shared/metrics';
import { Secret } from '../../activities/shared/secret';
import { generateDirectory } from '../../simulators/directory';
import { startSimulators, type RunningSimulators } from '../support/simulators';

/** The `metrics` option of both vendor clients, against the in-process simulators on loopback. */
describe('vendor clients with a metrics hook', () => {
  let sims: RunningSimulators;
  const calls: Array<{ vendor: string; operation: string }> = [];
  const tokens: string[] = [];
  const hook: VendorMetrics = {
    callEnded: ({ vendor, operation, seconds }) => {
      expect(seconds).toBeGreaterThanOrEqual(0);
      calls.push({ vendor, operation });
    },
    tokenFetched: (vendor) => tokens.push(vendor),
  };

  beforeAll(async () => {
    sims = await startSimulators(generateDirectory(4));
  });
  afterAll(async () => sims.close());
  beforeEach(() => {
    calls.length = 0;
    tokens.length = 0;
  });

  it('WPS: one duration per HTTP exchange, the token fetch included, and one token fetch', async () => {
    const wps = sims.wpsClient({ metrics: hook });
    await wps.readUsers(['wps-1', 'wps-2']);
    await wps.disableUsers(['wps-1']);
    expect(calls).toEqual([
      { vendor: 'wps', operation: 'oauth2/token' },
      { vendor: 'wps', operation: 'batch_read' },
      { vendor: 'wps', operation: 'batch_disable' },
    ]);
    expect(tokens).toEqual(['wps']);
  });

  it('WPS: a revoked token is fetched again, and both fetches are counted', async () => {
    const wps = sims.wpsClient({ metrics: hook });
    await wps.readUsers(['wps-3']);
    sims.wps.revokeTokens();
    await wps.readUsers(['wps-3']);
    expect(tokens).toEqual(['wps', 'wps']);
    expect(calls.filter((c) => c.operation === 'batch_read')).toHaveLength(3);
  });

  it('Authing: the same for the management token, reads and resigns', async () => {
    const authing = new AuthingClient({
      baseUrl: sims.authingUrl,
      userPoolId: sims.credentials.userPoolId,
      accessKeyId: sims.credentials.accessKeyId,
      accessKeySecret: new Secret(sims.credentials.accessKeySecret),
      metrics: hook,
    });
    await authing.readUsers(['au-1'], 'user_id');
    await authing.resignUsers(['au-1'], 'user_id');
    expect(calls).toEqual([
      { vendor: 'authing', operation: 'get-management-token' },
      { vendor: 'authing', operation: 'get-user-batch' },
      { vendor: 'authing', operation: 'resign-user-batch' },
    ]);
    expect(tokens).toEqual(['authing']);
  });
});
