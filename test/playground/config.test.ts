import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const PRODUCTION = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), API_KEYS_FILE: '/dev/null' };

describe('Config: PLAYGROUND', () => {
  it('serves every audience a playground in development by default', () => {
    expect(loadConfig({}).playground).toEqual(['mobile', 'web', 'public']);
  });

  it('serves only the public catalog a playground in production by default', () => {
    expect(loadConfig(PRODUCTION).playground).toEqual(['public']);
  });

  it('takes a comma list in either mode, in the canonical order', () => {
    expect(loadConfig({ PLAYGROUND: 'public, web' }).playground).toEqual(['web', 'public']);
    expect(loadConfig({ ...PRODUCTION, PLAYGROUND: 'mobile' }).playground).toEqual(['mobile']);
  });

  it('turns every playground off with `none`', () => {
    expect(loadConfig({ PLAYGROUND: 'none' }).playground).toEqual([]);
  });

  it('refuses an unknown audience, naming it', () => {
    expect(() => loadConfig({ PLAYGROUND: 'web,admin' })).toThrowError(ConfigError);
    expect(() => loadConfig({ PLAYGROUND: 'web,admin' })).toThrowError(/PLAYGROUND has unknown values: admin/);
  });
});
