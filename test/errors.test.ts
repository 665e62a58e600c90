import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../clients/errors.js';
import { createFormatError, ErrorCode } from '../src/errors.js';

describe('Error codes', () => {
  it('are every one documented in the README', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const code of Object.values(ErrorCode)) expect(readme, code).toContain(`\`${code}\``);
  });

  it('map an upstream failure to its code and safe message, keeping the path', () => {
    const format = createFormatError(false);
    const error = new GraphQLError('x', {
      path: ['product', 'price'],
      originalError: new UpstreamError('UPSTREAM_TIMEOUT', 'pricing', 'pricing service timed out', undefined, {
        cause: new Error('connect 127.0.0.1:9999'),
      }),
    });
    expect(format({ message: 'x', path: ['product', 'price'] }, error)).toEqual({
      message: 'pricing service timed out',
      path: ['product', 'price'],
      extensions: { code: 'UPSTREAM_TIMEOUT', service: 'pricing' },
    });
  });

  it('mask an unknown error in production, and drop "Did you mean" suggestions', () => {
    const format = createFormatError(false);
    const boom = new GraphQLError('db password is hunter2', { originalError: new Error('db password is hunter2') });
    expect(format({ message: boom.message, extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at x'] } }, boom)).toEqual({
      message: 'Internal server error.',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    const suggestion = format(
      { message: 'Cannot query field "prodct" on type "Query". Did you mean "product"?', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
      new GraphQLError('x'),
    );
    expect(suggestion.message).toBe('Cannot query field "prodct" on type "Query".');
  });
});
