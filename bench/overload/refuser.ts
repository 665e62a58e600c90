/**
 * The harness's floor for `npm run bench:overload`: a bare `node:http`
 * server that refuses every GraphQL request the way the gateway does (503
 * `OVERLOADED`, `Retry-After`, the same body) and does nothing else. Run on
 * the gateway's core at the 3× rate, its refusal latencies are what the
 * machine and the generator add to any refusal: a gateway cannot be
 * measured faster than this. Prints one JSON line `{"url":…}` once it
 * listens.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode } from '../../src/errors.js';
import { OVERLOADED_MESSAGE } from '../../src/http/overload.js';
import { sendGraphQLError } from '../../src/http/respond.js';

const server = createServer((req, res) => {
  if (req.url === '/healthz') {
    res.end('ok');
    return;
  }
  // Read the body, as the gateway's edge does before it answers on a kept-alive connection.
  req.resume();
  req.on('end', () => sendGraphQLError(res, 503, ErrorCode.OVERLOADED, OVERLOADED_MESSAGE, { 'retry-after': '1' }));
});
// As the gateway's edge (src/http/server.ts): the generator's idle connections time out alike.
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
