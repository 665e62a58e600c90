/**
 * The demo services for a chaos run, as their own process:
 * `node --import tsx bench/chaos/upstreams.ts`. The embedded demo services
 * with a fault switch, driven only through this process's stdin (one JSON
 * line per change: `{"service":"users","mode":"hang"}`, or `{"clear":true}`),
 * so no port — theirs or the gateway's — can turn a fault on. Prints
 * `{"urls":{…}}` once listening, then `{"ok":true}` after each change.
 */
import { createInterface } from 'node:readline';
import { createFaultSwitch, startDemoServices } from '../../src/demo/index.js';
import { isFaultMode, isServiceName } from '../../src/demo/faults.js';

const faults = createFaultSwitch();
const services = await startDemoServices({ faults });
process.stdout.write(`${JSON.stringify({ urls: services.urls })}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as { service?: string; mode?: string; clear?: boolean };
  if (command.clear) faults.clear();
  else if (command.service && command.mode && isServiceName(command.service) && isFaultMode(command.mode)) {
    faults.set(command.service, command.mode);
  } else {
    process.stdout.write(`${JSON.stringify({ ok: false, line })}\n`);
    return;
  }
  process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
});

const stop = (): void => {
  void services.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
