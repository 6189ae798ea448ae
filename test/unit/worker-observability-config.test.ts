import { ConfigError } from '../../config/env';
import { loadObservabilityConfig } from '../../worker/observability-config';

function errorOf(env: Record<string, string>): string {
  try {
    loadObservabilityConfig(env, false);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('worker observability configuration', () => {
  it('defaults: no metrics endpoint, INFO, JSON unless standard output is a terminal', () => {
    expect(loadObservabilityConfig({}, false)).toEqual({ logLevel: 'INFO', logFormat: 'json' });
    expect(loadObservabilityConfig({}, true)).toEqual({ logLevel: 'INFO', logFormat: 'text' });
  });

  it('reads every setting, case-insensitively for the level and the format', () => {
    expect(
      loadObservabilityConfig(
        { METRICS_BIND_ADDRESS: '0.0.0.0:9464', LOG_LEVEL: 'debug', LOG_FORMAT: 'TEXT' },
        false,
      ),
    ).toEqual({ metricsBindAddress: '0.0.0.0:9464', logLevel: 'DEBUG', logFormat: 'text' });
    expect(loadObservabilityConfig({ LOG_FORMAT: 'json' }, true).logFormat).toBe('json');
    expect(loadObservabilityConfig({ METRICS_BIND_ADDRESS: '[::]:9464' }, false).metricsBindAddress).toBe(
      '[::]:9464',
    );
  });

  it.each([
    [
      { METRICS_BIND_ADDRESS: '9464' },
      'METRICS_BIND_ADDRESS must be host:port (for example 0.0.0.0:9464), got "9464"',
    ],
    [
      { METRICS_BIND_ADDRESS: 'host:99999' },
      'METRICS_BIND_ADDRESS must be host:port (for example 0.0.0.0:9464), got "host:99999"',
    ],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR, got "verbose"'],
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT must be json or text, got "xml"'],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(errorOf(env)).toBe(message);
  });
});
