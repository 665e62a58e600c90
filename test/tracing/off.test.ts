import { describe, expect, it } from 'vitest';
import { startFixtureUpstream } from '../helpers/fixture-upstream.js';
import { spawnGateway } from '../helpers/gateway-process.js';
import { captureLogs, gql, startTestGateway } from '../helpers/gateway.js';
import { tempFile } from '../helpers/temp-file.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { PRODUCT_PAGE } from '../operations/contract.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('Tracing off (no OTLP endpoint configured)', () => {
  it('makes no spans, sends nothing to a receiver, propagates no trace context and logs nothing about it', async () => {
    const receiver = await startOtlpReceiver();
    const upstream = await startFixtureUpstream();
    const logs = captureLogs();
    // Everything but the endpoint: the rest alone must not turn tracing on.
    const gateway = await startTestGateway({
      upstreams: upstream.urls,
      env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '1', OTEL_SERVICE_NAME: 'x', LOG_LEVEL: 'debug' },
      logDestination: logs.destination,
    });
    try {
      for (let i = 0; i < 3; i++) {
        const { status, body } = await gql(gateway, 'web', PRODUCT_PAGE, { id: 'fx-p1' }, { traceparent: TRACEPARENT });
        expect(status).toBe(200);
        expect(body.errors).toBeUndefined();
      }
    } finally {
      // A traced gateway exports whatever it still holds here, on close.
      await gateway.close();
      await upstream.close();
    }
    await receiver.close();
    expect(receiver.requests).toHaveLength(0);
    expect(upstream.requests.length).toBeGreaterThan(0);
    expect(upstream.requests.every((r) => r.headers['traceparent'] === undefined && r.headers['tracestate'] === undefined)).toBe(true);
    const lines = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => (l['level'] as number) >= 50)).toEqual([]);
    expect(lines.some((l) => 'trace_id' in l || /trac(e|ing)|otlp|span/i.test(String(l['msg'])))).toBe(false);
  });

  it('loads no OpenTelemetry package of tracing in the compiled gateway (`npm start`), and loads them once an endpoint is set', async () => {
    // Told at exit: the packages (CommonJS) the process loaded, from the module cache.
    const preload = tempFile(
      'loaded-packages.mjs',
      `import { createRequire } from 'node:module';
       const require = createRequire(import.meta.url);
       process.on('exit', () => {
         const names = new Set(Object.keys(require.cache).map((file) => /node_modules\\/(@opentelemetry\\/[^/]+)\\//.exec(file)?.[1]).filter(Boolean));
         process.stdout.write(JSON.stringify({ msg: 'packages loaded', packages: [...names].sort() }) + '\\n');
       });`,
    );
    const loadedBy = async (env: Record<string, string>) => {
      const gateway = await spawnGateway(null, { NODE_OPTIONS: `--import=${preload}`, ...env });
      // Serving (its signal handlers in place), then stopped: the list is printed as the process exits.
      expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
      expect(await gateway.stop()).toBe(0);
      const line = gateway.output().split('\n').find((l) => l.includes('"msg":"packages loaded"'));
      return (JSON.parse(line!) as { packages: string[] }).packages;
    };
    // The tracing packages; @opentelemetry/api alone is prom-client's (exemplars), tracing or not.
    const tracingPackages = ['@opentelemetry/core', '@opentelemetry/otlp-exporter-base', '@opentelemetry/otlp-transformer', '@opentelemetry/resources', '@opentelemetry/sdk-trace'];
    expect((await loadedBy({})).filter((name) => tracingPackages.includes(name))).toEqual([]);
    expect(await loadedBy({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' })).toEqual(expect.arrayContaining(tracingPackages));
  }, 60_000);
});
