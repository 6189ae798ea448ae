import { ConfigError } from '../../config/env';
import { loadWorkerConfig } from '../../worker/config';

/** The worker's Authing settings added for the connector (worker/config.ts). */
const complete = {
  WPS_BASE_URL: 'https://openapi.wps.cn',
  WPS_APP_ID: 'AK123',
  WPS_APP_KEY: 'wps-secret',
  AUTHING_BASE_URL: 'https://api.authing.cn',
  AUTHING_USERPOOL_ID: 'pool',
  AUTHING_ACCESS_KEY_ID: 'key',
  AUTHING_ACCESS_KEY_SECRET: 'authing-secret',
};

describe('AUTHING_ID_REJECTED_API_CODES', () => {
  it('is left to the client default when unset or empty', () => {
    expect(loadWorkerConfig(complete).authing.idRejectedApiCodes).toBeUndefined();
    expect(
      loadWorkerConfig({ ...complete, AUTHING_ID_REJECTED_API_CODES: '' }).authing.idRejectedApiCodes,
    ).toBeUndefined();
  });

  it('reads comma-separated apiCodes', () => {
    expect(
      loadWorkerConfig({ ...complete, AUTHING_ID_REJECTED_API_CODES: '2004, 2001' }).authing
        .idRejectedApiCodes,
    ).toEqual([2004, 2001]);
  });

  it.each(['2004,abc', '20.4', '-1'])('names the variable when malformed (%s)', (value) => {
    const load = () => loadWorkerConfig({ ...complete, AUTHING_ID_REJECTED_API_CODES: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow('AUTHING_ID_REJECTED_API_CODES');
  });
});
