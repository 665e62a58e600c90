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

  it('drop suggestions in time proportional to the message, whatever client text it repeats', () => {
    // Messages echo client input (an operationName, a variable's value). A run of spaces made the suggestion pattern
    // backtrack quadratically: 90,000 of them held the process for seconds per request.
    const format = createFormatError(false);
    const spaces = ' '.repeat(150_000);
    const started = performance.now();
    const echoed = format({ message: `Unknown operation named "${spaces}".`, extensions: { code: 'BAD_REQUEST' } }, new GraphQLError('x'));
    const suggested = format({ message: `Unknown field "${spaces}x"${spaces}Did you mean "y"?`, extensions: { code: 'BAD_USER_INPUT' } }, new GraphQLError('x'));
    // Linear work is a few milliseconds; the quadratic pattern took minutes for this input.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(echoed.message).toBe(`Unknown operation named "${spaces}".`);
    expect(suggested.message).toBe(`Unknown field "${spaces}x"`);
  });
});
