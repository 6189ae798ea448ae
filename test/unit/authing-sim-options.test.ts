import { authingSimulatorOptionsFromEnv } from '../../simulators/authing/options-from-env';

describe('Authing simulator switches from the environment', () => {
  it('is empty when nothing is set', () => {
    expect(authingSimulatorOptionsFromEnv({})).toEqual({});
  });

  it('reads every switch', () => {
    expect(
      authingSimulatorOptionsFromEnv({
        AUTHING_SIM_UNKNOWN_IDS: 'fail',
        AUTHING_SIM_RESIGNED_IDS: 'succeed',
        AUTHING_SIM_TOKEN_TTL_SECONDS: '60',
        AUTHING_SIM_FAIL_IN_BODY_RATE: '0.1',
        AUTHING_SIM_REJECT_IDS: 'au-1, au-2',
        AUTHING_SIM_REJECT_API_CODE: '2001',
        AUTHING_SIM_RECORD_ID_FIELD: 'id',
        AUTHING_SIM_UNKNOWN_STATUS: 'Locked',
        AUTHING_SIM_RESIGN_NOOP: 'true',
        AUTHING_SIM_THROTTLE_IN_BODY: 'yes',
        AUTHING_SIM_LANGUAGE: 'zh',
        AUTHING_SIM_CLOCK_OFFSET_MS: '-600000',
        AUTHING_SIM_EXTRA_RECORD: '1',
        AUTHING_SIM_API_CODE_AS_STRING: 'on',
        AUTHING_SIM_LATENCY_MS: '5',
        AUTHING_SIM_SERVER_ERROR_RATE: '0.2',
        AUTHING_SIM_THROTTLE_RATE: '0.3',
        AUTHING_SIM_RETRY_AFTER_SECONDS: '2',
        AUTHING_SIM_HANG_RATE: '0',
        AUTHING_SIM_DOWN: 'false',
        AUTHING_SIM_RATE_LIMIT_PER_SECOND: '300',
        AUTHING_SIM_FAULT_SEED: '7',
      }),
    ).toEqual({
      unknownIds: 'fail',
      resignedIds: 'succeed',
      tokenTtlSeconds: 60,
      failInBodyRate: 0.1,
      rejectIds: ['au-1', 'au-2'],
      rejectApiCode: 2001,
      recordIdField: 'id',
      unknownStatus: 'Locked',
      resignNoop: true,
      throttleInBody: true,
      language: 'zh',
      clockOffsetMs: -600_000,
      extraRecord: true,
      apiCodeAsString: true,
      faults: {
        latencyMs: 5,
        serverErrorRate: 0.2,
        throttleRate: 0.3,
        retryAfterSeconds: 2,
        hangRate: 0,
        down: false,
        rateLimitPerSecond: 300,
        seed: 7,
      },
    });
  });

  it.each([
    ['AUTHING_SIM_UNKNOWN_IDS', 'ignore'],
    ['AUTHING_SIM_RESIGNED_IDS', 'FAIL'],
    ['AUTHING_SIM_TOKEN_TTL_SECONDS', '0'],
    ['AUTHING_SIM_SERVER_ERROR_RATE', '1.5'],
    ['AUTHING_SIM_LATENCY_MS', 'abc'],
    ['AUTHING_SIM_DOWN', 'maybe'],
    ['AUTHING_SIM_LANGUAGE', 'fr'],
    ['AUTHING_SIM_CLOCK_OFFSET_MS', '1.5'],
    ['AUTHING_SIM_RESIGN_NOOP', 'perhaps'],
    ['AUTHING_SIM_REJECT_API_CODE', '-1'],
  ])('names %s when it is malformed (%s)', (name, value) => {
    expect(() => authingSimulatorOptionsFromEnv({ [name]: value })).toThrow(name);
  });
});
