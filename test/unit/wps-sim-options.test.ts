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

  it('parses the switches that play answers the connector must refuse', () => {
    expect(
      wpsSimulatorOptionsFromEnv({
        WPS_SIM_ITEM_ID_FIELD: 'user_id',
        WPS_SIM_UNKNOWN_STATUS: 'locked',
        WPS_SIM_EXTRA_READ_ITEMS: 'w-9:active, w-1:dimission',
        WPS_SIM_DISABLE_NOOP: 'true',
        WPS_SIM_THROTTLE_IN_BODY: 'yes',
        WPS_SIM_LANGUAGE: 'zh',
        WPS_SIM_BASE_PATH: '/openapi',
        WPS_SIM_CLOCK_OFFSET_MS: '-600000',
        WPS_SIM_GRANTED_SCOPES: 'kso.contact.read',
        WPS_SIM_ERROR_DETAIL: 'on',
        WPS_SIM_TOKEN_ERROR_STYLE: 'oauth',
      }),
    ).toEqual({
      itemIdField: 'user_id',
      unknownStatus: 'locked',
      extraReadItems: [
        { id: 'w-9', status: 'active' },
        { id: 'w-1', status: 'dimission' },
      ],
      disableNoop: true,
      throttleInBody: true,
      language: 'zh',
      basePath: '/openapi',
      clockOffsetMs: -600000,
      grantedScopes: ['kso.contact.read'],
      errorDetail: true,
      tokenErrorStyle: 'oauth',
    });
  });

  it('every new switch is settable in options and through configure()', () => {
    const sim = new WpsSimulator({ appId: 'a', appKey: 'k', basePath: 'openapi/', language: 'zh' });
    expect(sim.settings).toMatchObject({ basePath: '/openapi', language: 'zh', itemIdField: 'id' });
    sim.configure({
      itemIdField: 'user_id',
      unknownStatus: 'locked',
      disableNoop: true,
      throttleInBody: true,
      language: 'en',
      basePath: '',
      clockOffsetMs: 5,
    });
    expect(sim.settings).toMatchObject({
      itemIdField: 'user_id',
      unknownStatus: 'locked',
      disableNoop: true,
      throttleInBody: true,
      language: 'en',
      basePath: '',
      clockOffsetMs: 5,
    });
  });

  it.each([
    ['WPS_SIM_LANGUAGE', 'fr'],
    ['WPS_SIM_BASE_PATH', 'openapi'],
    ['WPS_SIM_BASE_PATH', '/open api'],
    ['WPS_SIM_CLOCK_OFFSET_MS', 'soon'],
    ['WPS_SIM_EXTRA_READ_ITEMS', 'w-9:locked'],
    ['WPS_SIM_EXTRA_READ_ITEMS', 'w-9'],
    ['WPS_SIM_TOKEN_ERROR_STYLE', 'json'],
    ['WPS_SIM_THROTTLE_IN_BODY', 'sometimes'],
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
