/**
 * The contract's error code of a failure, for a span: the same codes a client
 * sees (CONTRACT.md §2 Error codes), so a trace and a response agree.
 */
import { GraphQLError } from 'graphql';
import { UpstreamError } from '../../../clients/index.js';
import { CredentialCheckUnavailable, CredentialError } from '../../auth/credential-error.js';
import { ErrorCode } from '../../errors.js';

export function errorCodeOf(error: unknown): string {
  if (error instanceof UpstreamError) return error.code;
  if (error instanceof CredentialError) return ErrorCode.UNAUTHENTICATED;
  if (error instanceof CredentialCheckUnavailable) return error.code;
  if (error instanceof GraphQLError) {
    const code = error.extensions['code'];
    if (typeof code === 'string') return code;
  }
  return ErrorCode.INTERNAL_SERVER_ERROR;
}
