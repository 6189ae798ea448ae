import { ConfigError } from '../../config/env';
import { loadWorkerConfig } from '../../worker/config';

/** The WPS code lists from the environment (WpsClientOptions of the same names). */

const complete = {
  WPS_BASE_URL: 'https://host.example/openapi/',
  WPS_APP_ID: 'AK1',
  WPS_APP_KEY: 'sk-1',
  AUTHING_BASE_URL: 'https://api.authing.cn',
  AUTHING_USERPOOL_ID: 'pool',
  AUTHING_ACCESS_KEY_ID: 'pool',
  AUTHING_ACCESS_KEY_SECRET: 'secret',
};

describe('WPS code lists in the worker configuration', () => {
  it('unset: none in the configuration, so the client keeps its defaults', () => {
    const { wps } = loadWorkerConfig(complete);
    expect(wps.baseUrl).toBe('https://host.example/openapi');
    expect(wps).not.toHaveProperty('signatureRejectedCodes');
    expect(wps).not.toHaveProperty('throttledCodes');
    expect(wps).not.toHaveProperty('idRejectedCodes');
  });

  it('reads comma-separated codes', () => {
    const { wps } = loadWorkerConfig({
      ...complete,
      WPS_SIGNATURE_REJECTED_CODES: '400001099, 401000002',
      WPS_THROTTLED_CODES: '400000429',
      WPS_ID_REJECTED_CODES: '400000002,400000010',
    });
    expect(wps).toMatchObject({
      signatureRejectedCodes: [400001099, 401000002],
      throttledCodes: [400000429],
      idRejectedCodes: [400000002, 400000010],
    });
  });

  it.each(['WPS_SIGNATURE_REJECTED_CODES', 'WPS_THROTTLED_CODES', 'WPS_ID_REJECTED_CODES'])(
    'refuses a malformed %s, naming it',
    (name) => {
      for (const bad of ['abc', '1,,2', '-5', '4.5']) {
        expect(() => loadWorkerConfig({ ...complete, [name]: bad })).toThrow(ConfigError);
        expect(() => loadWorkerConfig({ ...complete, [name]: bad })).toThrow(name);
      }
    },
  );
});
