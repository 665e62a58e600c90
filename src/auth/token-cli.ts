/**
 * `npm run token -- --sub u1 [--tier pro] [--scope "orders:write notifications:write"] [--ttl 3600]`
 * prints a JWT signed with JWT_SECRET (or the development secret), for trying the API.
 * `npm run token -- --hash-key <api key>` prints the SHA-256 to store in API_KEYS_FILE.
 */
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { TIERS } from '../../clients/types.js';
import { isOneOf } from '../../clients/validate.js';
import { loadConfig } from '../config.js';
import { hashApiKey } from './api-keys.js';

const USAGE = 'usage: npm run token -- --sub <userId> [--tier free|pro|enterprise] [--scope "a b"] [--ttl seconds]\n';

/** The arguments, or the usage line and exit 1 (an unknown option, a value starting with `-`). */
function readArgs() {
  try {
    return parseArgs({
      options: {
        sub: { type: 'string' },
        tier: { type: 'string' },
        scope: { type: 'string', default: 'orders:write notifications:write' },
        ttl: { type: 'string', default: '3600' },
        'hash-key': { type: 'string' },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    process.exit(1);
  }
}
const values = readArgs();

if (values['hash-key'] !== undefined) {
  process.stdout.write(`${hashApiKey(values['hash-key'])}\n`);
} else {
  const config = loadConfig();
  if (config.jwt.kind !== 'secret') {
    process.stderr.write('JWT_JWKS_URL is set: tokens come from your identity provider, not from this tool.\n');
    process.exit(1);
  }
  if (!values.sub) {
    process.stderr.write(USAGE);
    process.exit(1);
  }
  // A token the gateway would refuse (an unknown tier is a 401) is not printed.
  const problem =
    values.tier !== undefined && !isOneOf(values.tier, TIERS)
      ? `--tier must be one of ${TIERS.join(', ')} (got "${values.tier}")`
      : /^[1-9]\d{0,8}$/.test(values.ttl)
        ? undefined
        : `--ttl must be a whole number of seconds (got "${values.ttl}")`;
  if (problem !== undefined) {
    process.stderr.write(`${problem}\n${USAGE}`);
    process.exit(1);
  }
  let jwt = new SignJWT({ scope: values.scope, ...(values.tier ? { tier: values.tier } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(values.sub)
    .setIssuedAt()
    .setExpirationTime(`${Number(values.ttl)}s`);
  if (config.jwt.issuer) jwt = jwt.setIssuer(config.jwt.issuer);
  if (config.jwt.audience) jwt = jwt.setAudience(config.jwt.audience);
  process.stdout.write(`${await jwt.sign(new TextEncoder().encode(config.jwt.secret))}\n`);
}
