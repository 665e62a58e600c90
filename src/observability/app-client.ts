import type { IncomingHttpHeaders } from 'node:http';

/** A client name or version as an app sends it: printable ASCII, 1–64 characters; anything else is not logged. */
const CLIENT_FIELD = /^[\x20-\x7e]{1,64}$/;

/** The app's name and version headers as a request sent them (unchecked: `appClientOf` keeps what may be logged). */
export interface SentApp {
  name: string | undefined;
  version: string | undefined;
}

/** The `client` field of a request's log line. */
export interface AppClient {
  name?: string;
  version?: string;
}

/** A request's app headers, a repeated one joined as Apollo's header map joins it. */
export function sentApp(headers: IncomingHttpHeaders): SentApp {
  const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(', ') : value);
  return { name: one(headers['apollographql-client-name']), version: one(headers['apollographql-client-version']) };
}

/**
 * The app behind a request, as Apollo's clients name it (`apollographql-client-name` and
 * `-version`: Apollo Client's `name` / `version`, Apollo iOS and Kotlin by default), so the mobile and
 * web teams can tell which release sends what. Absent when neither is sent, or not in the shape above.
 * One rule for every request line: those of requests Apollo read and those the edge refused.
 */
export function appClientOf({ name, version }: SentApp): AppClient | undefined {
  const client = {
    ...(name !== undefined && CLIENT_FIELD.test(name) ? { name } : {}),
    ...(version !== undefined && CLIENT_FIELD.test(version) ? { version } : {}),
  };
  return client.name === undefined && client.version === undefined ? undefined : client;
}
