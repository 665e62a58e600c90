import type { Audience } from '../context.js';

/**
 * How an audience treats documents that are not in its trusted-documents
 * manifest: `off` runs them, `allow-listed` runs them and logs their hash,
 * `required` refuses them before they are parsed.
 */
export type TrustedDocumentsMode = 'off' | 'allow-listed' | 'required';
export const TRUSTED_DOCUMENTS_MODES: readonly TrustedDocumentsMode[] = ['off', 'allow-listed', 'required'];

/**
 * Our own apps: they get automatic persisted queries and trusted documents.
 * The public API is for partners' ad-hoc queries, so it has neither.
 */
export const FIRST_PARTY_AUDIENCES: readonly Audience[] = ['mobile', 'web'];

/** True for the apps' audiences (mobile, web). */
export function isFirstParty(audience: Audience): boolean {
  return FIRST_PARTY_AUDIENCES.includes(audience);
}

/**
 * The mode when `TRUSTED_DOCUMENTS` does not name the audience: `off` in
 * development (any document runs while an app is being written); in
 * production `required` for the apps — they ship their manifests from their
 * first release, so production answers only operations we have seen and
 * arbitrary queries cannot probe the schema (an operator migrating older app
 * versions sets `allow-listed` for a while) — and always `off` for public.
 */
export function defaultTrustedDocumentsMode(audience: Audience, production: boolean): TrustedDocumentsMode {
  return production && isFirstParty(audience) ? 'required' : 'off';
}
