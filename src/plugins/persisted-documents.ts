import type { ApolloServerPlugin, GraphQLRequest } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import type { Audience, Context } from '../context.js';
import { ErrorCode, gatewayError } from '../errors.js';
import { recordedOperationName } from '../observability/operation-label.js';
import { admit } from '../persisted/admission.js';
import type { TrustedDocuments } from '../persisted/manifest.js';
import type { TrustedDocumentsMode } from '../persisted/mode.js';

export interface TrustedDocumentsPluginOptions {
  audience: Audience;
  mode: TrustedDocumentsMode;
  documents: TrustedDocuments;
  logger: Logger;
}

/**
 * Apollo offers no hook that can refuse a request before it is parsed (an
 * error thrown from `requestDidStart` is a 500), and parsing and validating
 * an untrusted document would let it probe the schema through validation
 * messages. So a refused request's document is swapped for this one, which
 * parses and validates against any schema, and the refusal is thrown once
 * the operation is resolved, before anything is priced or executed.
 */
const REFUSED_DOCUMENT = '{ __typename }';
/** Hashes whose text an allow-listed gateway has logged; bounded, so a flood of documents cannot grow it. */
const MAX_LOGGED_TEXTS = 1_000;
/** Enough of a document to recognise it in the log. */
const LOGGED_TEXT_CHARS = 4_000;

/** The request without `extensions.persistedQuery`: Apollo then neither looks the hash up nor registers it. */
function withoutPersistedQuery(request: GraphQLRequest): void {
  if (!request.extensions) return;
  request.extensions = Object.fromEntries(Object.entries(request.extensions).filter(([name]) => name !== 'persistedQuery'));
}

/**
 * Trusted documents for a first-party app (the GraphQL-over-HTTP "trusted
 * documents" practice over the APQ wire format). A manifest id sent alone
 * runs the manifest's document, in every mode and without touching the APQ
 * store. Any other document depends on `mode`: `off` runs it; `allow-listed`
 * runs it and logs its SHA-256 (and, the first time, its text);
 * `required` refuses it before it is parsed — text with
 * PERSISTED_QUERY_NOT_ALLOWED (HTTP 400), an unknown hash with
 * PERSISTED_QUERY_NOT_FOUND (HTTP 200, so an APQ client resends the text and
 * then learns it is not allowed), and nothing is registered. A malformed
 * persisted-query extension, or a hash that does not match its text, is
 * BAD_REQUEST (HTTP 400) in every mode.
 */
export function trustedDocumentsPlugin(options: TrustedDocumentsPluginOptions): ApolloServerPlugin<Context> {
  const { audience, mode, documents, logger } = options;
  const logged = new Set<string>();
  return {
    async requestDidStart({ request, contextValue }) {
      const admission = admit(request, documents);
      let refusal: GraphQLError | undefined;
      const refuse = (error: GraphQLError, id?: string) => {
        refusal = error;
        if (id !== undefined) {
          logger.info({ audience, correlationId: contextValue.correlationId, documentHash: id, code: error.extensions['code'] }, 'untrusted document refused');
        }
        request.query = REFUSED_DOCUMENT;
        delete request.operationName;
        withoutPersistedQuery(request);
      };

      switch (admission.kind) {
        case 'trusted':
          request.query = admission.operation.body;
          withoutPersistedQuery(request);
          break;
        case 'unknown-id':
          if (mode === 'required') refuse(gatewayError(ErrorCode.PERSISTED_QUERY_NOT_FOUND, 'PersistedQueryNotFound', { status: 200 }), admission.id);
          break;
        case 'untrusted':
          if (mode === 'required') {
            refuse(
              gatewayError(ErrorCode.PERSISTED_QUERY_NOT_ALLOWED, `Only the ${audience} app's trusted documents run here; this document is not one of them.`, {
                status: 400,
              }),
              admission.id,
            );
          } else if (mode === 'allow-listed') {
            const first = !logged.has(admission.id) && logged.size < MAX_LOGGED_TEXTS;
            if (first) logged.add(admission.id);
            logger.warn(
              {
                audience,
                correlationId: contextValue.correlationId,
                documentHash: admission.id,
                operation: recordedOperationName(request.operationName),
                ...(first ? { document: admission.text.slice(0, LOGGED_TEXT_CHARS) } : {}),
              },
              'untrusted document (allow-listed: run)',
            );
          }
          break;
        case 'malformed':
          // Apollo would answer these too, but with a code-less error that production masks as INTERNAL_SERVER_ERROR.
          refuse(gatewayError(ErrorCode.BAD_REQUEST, admission.reason, { status: 400 }));
          break;
        case 'apollo':
          break;
      }

      return {
        async didResolveOperation() {
          if (refusal) throw refusal;
        },
      };
    },
  };
}
