import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const PRODUCTION = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), API_KEYS_FILE: '/dev/null' };

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  return '';
}

describe('TRUSTED_DOCUMENTS', () => {
  it('defaults to off everywhere in development', () => {
    expect(loadConfig({}).trustedDocuments).toEqual({ mobile: 'off', web: 'off', public: 'off' });
  });

  it('defaults to required for the apps in production, and off for the public API', () => {
    expect(loadConfig(PRODUCTION).trustedDocuments).toEqual({ mobile: 'required', web: 'required', public: 'off' });
  });

  it('sets the named audiences and keeps the others at their default', () => {
    expect(loadConfig({ ...PRODUCTION, TRUSTED_DOCUMENTS: 'mobile=allow-listed' }).trustedDocuments).toEqual({
      mobile: 'allow-listed',
      web: 'required',
      public: 'off',
    });
    expect(loadConfig({ TRUSTED_DOCUMENTS: ' web = required , mobile=allow-listed ' }).trustedDocuments).toMatchObject({
      mobile: 'allow-listed',
      web: 'required',
    });
  });

  it('refuses unknown audiences and modes, and trusted documents for the public API', () => {
    expect(problemsOf({ TRUSTED_DOCUMENTS: 'admin=required' })).toContain('TRUSTED_DOCUMENTS entries are audience=mode');
    expect(problemsOf({ TRUSTED_DOCUMENTS: 'web=strict' })).toContain('(got "web=strict")');
    expect(problemsOf({ TRUSTED_DOCUMENTS: 'web' })).toContain('(got "web")');
    expect(problemsOf({ TRUSTED_DOCUMENTS: 'public=required' })).toContain('public serves partners');
    expect(problemsOf({ TRUSTED_DOCUMENTS: 'public=off' })).toBe('');
  });
});
