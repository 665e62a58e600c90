import { SignJWT } from 'jose';
import type { Config } from '../config.js';
import type { Audience } from '../context.js';

/** The seeded demo user the prefilled token speaks for (`u1`: pro, 45 orders, unread notifications). */
const DEMO_USER = { sub: 'u1', tier: 'pro' } as const;
const DEMO_SCOPES = 'orders:write notifications:write';
/** Long enough to outlive a working session; the secret is public anyway (it is in the source). */
const DEMO_TOKEN_TTL = '30d';
/** One of `DEMO_API_KEYS`, accepted exactly when no `API_KEYS_FILE` is set. */
const DEMO_API_KEY = 'demo-public-key-pro';

/** Header-editor JSON per audience; an audience without an entry opens with empty headers. */
export type PlaygroundHeaders = Partial<Record<Audience, string>>;

async function devToken(config: Config): Promise<string | null> {
  if (config.jwt.kind !== 'secret' || !config.jwt.isDevSecret) return null;
  let jwt = new SignJWT({ scope: DEMO_SCOPES, tier: DEMO_USER.tier })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(DEMO_USER.sub)
    .setIssuedAt()
    .setExpirationTime(DEMO_TOKEN_TTL);
  if (config.jwt.issuer) jwt = jwt.setIssuer(config.jwt.issuer);
  if (config.jwt.audience) jwt = jwt.setAudience(config.jwt.audience);
  return jwt.sign(new TextEncoder().encode(config.jwt.secret));
}

/**
 * Working demo credentials for the playground's header editor, only where the
 * gateway itself runs on development key material: a JWT for `u1` signed
 * with the development secret (mobile, web) and the documented demo API key
 * (public, when no `API_KEYS_FILE`). Production, a real secret, JWKS or a key
 * file → nothing: a page must never carry a credential that unlocks real data.
 */
export async function demoCredentialHeaders(config: Config): Promise<PlaygroundHeaders> {
  if (config.production) return {};
  const headers: PlaygroundHeaders = {};
  const token = await devToken(config);
  if (token !== null) {
    const bearer = JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2);
    headers.mobile = bearer;
    headers.web = bearer;
  }
  if (config.apiKeysFile === null) {
    headers.public = JSON.stringify({ 'X-API-Key': DEMO_API_KEY }, null, 2);
  }
  return headers;
}
