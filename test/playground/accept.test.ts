import { describe, expect, it } from 'vitest';
import { prefersHtml } from '../../src/playground/accept.js';
import { BROWSER_ACCEPT } from './page-config.js';

describe('Playground: Accept negotiation', () => {
  it.each([
    ['a browser navigating', BROWSER_ACCEPT],
    ['Firefox', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
    ['HTML explicitly above JSON', 'application/json;q=0.5, text/html'],
    ['a family wildcard for HTML', 'text/*, application/json;q=0.1'],
  ])('prefers HTML for %s', (_, accept) => {
    expect(prefersHtml(accept)).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['curl (*/*)', '*/*'],
    ['a GraphQL client', 'application/graphql-response+json, application/json;q=0.9'],
    ['HTML tied with JSON (JSON wins, as in Apollo)', 'text/html, application/json'],
    ['HTML tied with the GraphQL response type', 'application/graphql-response+json, text/html'],
    ['HTML refused', 'text/html;q=0, */*'],
    ['garbage', 'not a media type'],
  ])('does not prefer HTML for %s', (_, accept) => {
    expect(prefersHtml(accept)).toBe(false);
  });

  it('lets the most specific range set the quality (RFC 9110 §12.5.1)', () => {
    expect(prefersHtml('text/html;q=0.2, text/*;q=0.9, application/json;q=0.5')).toBe(false);
    expect(prefersHtml('text/html;q=0.9, */*;q=0.1')).toBe(true);
  });
});
