import { wpsSimulatorOptionsFromEnv } from '../../simulators/wps/options-from-env';
import { WpsSimulator } from '../../simulators/wps/server';

describe('WPS simulator switches from WPS_SIM_* variables', () => {
  it('leaves every default when nothing is set', () => {
    expect(wpsSimulatorOptionsFromEnv({})).toEqual({});
    expect(wpsSimulatorOptionsFromEnv({ WPS_SIM_UNKNOWN_IDS: '  ' })).toEqual({});
  });

  it('parses every switch', () => {
    expect(
      wpsSimulatorOptionsFromEnv({
        WPS_SIM_UNKNOWN_IDS: 'reject',
        WPS_SIM_DISABLE_DISABLED: 'reject',
        WPS_SIM_MAX_IDS_PER_CALL: '20',
        WPS_SIM_REJECT_HTTP_STATUS: '200',
        WPS_SIM_TOKEN_TTL_SECONDS: '60',
        WPS_SIM_TOKEN_EXPIRES_IN: '7200',
        WPS_SIM_FAULTS_ON_TOKEN: 'true',
        WPS_SIM_MAX_CLOCK_SKEW_MS: '1000',
        WPS_SIM_LATENCY_MS: '5',
        WPS_SIM_SERVER_ERROR_RATE: '0.3',
        WPS_SIM_THROTTLE_RATE: '0.5',
        WPS_SIM_RETRY_AFTER_SECONDS: '2',
        WPS_SIM_HANG_RATE: '0.01',
        WPS_SIM_DOWN: 'no',
        WPS_SIM_RATE_LIMIT_PER_SECOND: '10',
        WPS_SIM_FAULT_SEED: '42',
      }),
    ).toEqual({
      unknownIds: 'reject',
      disableDisabled: 'reject',
      maxIdsPerCall: 20,
      rejectHttpStatus: 200,
      tokenTtlSeconds: 60,
      advertisedExpiresInSeconds: 7200,
      faultsOnTokenEndpoint: true,
      maxClockSkewMs: 1000,
      faults: {
        latencyMs: 5,
        serverErrorRate: 0.3,
        throttleRate: 0.5,
        retryAfterSeconds: 2,
        hangRate: 0.01,
        down: false,
        rateLimitPerSecond: 10,
        seed: 42,
      },
    });
  });

  it.each([
    ['WPS_SIM_UNKNOWN_IDS', 'maybe'],
    ['WPS_SIM_DISABLE_DISABLED', 'skip'],
    ['WPS_SIM_MAX_IDS_PER_CALL', '0'],
    ['WPS_SIM_MAX_IDS_PER_CALL', '2.5'],
    ['WPS_SIM_SERVER_ERROR_RATE', '1.5'],
    ['WPS_SIM_THROTTLE_RATE', 'lots'],
    ['WPS_SIM_DOWN', 'perhaps'],
    ['WPS_SIM_REJECT_HTTP_STATUS', '700'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => wpsSimulatorOptionsFromEnv({ [name]: value })).toThrow(name);
  });

  it('gives options a WpsSimulator accepts', () => {
    const sim = new WpsSimulator({
      appId: 'a',
      appKey: 'k',
      ...wpsSimulatorOptionsFromEnv({ WPS_SIM_UNKNOWN_IDS: 'reject', WPS_SIM_THROTTLE_RATE: '0.5' }),
    });
    expect(sim.settings.unknownIds).toBe('reject');
    expect(sim.faults.settings.throttleRate).toBe(0.5);
    sim.configure({ unknownIds: 'skip', faults: { throttleRate: 0 } });
    expect(sim.settings.unknownIds).toBe('skip');
    expect(sim.faults.settings.throttleRate).toBe(0);
  });
});
