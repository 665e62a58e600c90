import { describe, expect, it } from 'vitest';
import { problemsOf } from '../helpers/config-problems.js';
import { loadConfig } from '../../src/config.js';
import { captureLogs, startTestGateway } from '../helpers/gateway.js';


describe('Tracing configuration (OpenTelemetry environment variables)', () => {
  it('is off without an OTLP endpoint, and with OTEL_SDK_DISABLED=true', () => {
    expect(loadConfig({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' }).tracing).toBeNull();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).tracing).toBeNull();
  });

  it('is off with OTEL_TRACES_EXPORTER=none, on with otlp, and refuses an exporter it does not have', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(loadConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).tracing).toBeNull();
    expect(loadConfig({ ...endpoint, OTEL_TRACES_EXPORTER: ' none ' }).tracing).toBeNull();
    for (const value of ['otlp', '', ' otlp ']) expect(loadConfig({ ...endpoint, OTEL_TRACES_EXPORTER: value }).tracing, value).not.toBeNull();
    expect(problemsOf({ ...endpoint, OTEL_TRACES_EXPORTER: 'zipkin' }).join('\n')).toMatch(/OTEL_TRACES_EXPORTER must be otlp or none \(got "zipkin"/);
  });

  it('reads an OTEL_SDK_DISABLED that is neither true nor false as false, and says so at start-up', async () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' };
    for (const value of ['false', 'FALSE', '', undefined]) {
      expect(loadConfig({ ...endpoint, OTEL_SDK_DISABLED: value }).tracing?.sdkDisabledIgnored, String(value)).toBeUndefined();
    }
    expect(loadConfig({ ...endpoint, OTEL_SDK_DISABLED: 'yes' }).tracing?.sdkDisabledIgnored).toBe('yes');
    const logs = captureLogs();
    const gateway = await startTestGateway({ env: { ...endpoint, OTEL_SDK_DISABLED: '1', LOG_LEVEL: 'warn' }, logDestination: logs.destination });
    await gateway.close();
    const warnings = logs.lines.map((line) => JSON.parse(line) as { level: number; msg: string; OTEL_SDK_DISABLED?: string });
    expect(warnings.filter((line) => line.OTEL_SDK_DISABLED === '1')).toEqual([
      expect.objectContaining({ level: 40, msg: expect.stringContaining('set it to true to turn tracing off') }),
    ]);
  });

  it('defaults to http/protobuf, parentbased_traceidratio at 1.0 and service bff-gateway, appending /v1/traces to the base endpoint', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toMatchObject({
      tracesUrl: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      sampler: 'parentbased_traceidratio',
      samplerRatio: 1,
      serviceName: 'bff-gateway',
      resourceAttributes: {},
      headers: {},
      batch: { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMs: 5000, exportTimeoutMs: 30000 },
    });
  });

  it('uses the traces endpoint as it is, and the signal-specific settings over the general ones', () => {
    const tracing = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otlp.example.com/custom/traces',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-team=a,x-key=general',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-key=s%20ecret',
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_BSP_MAX_QUEUE_SIZE: '100',
    }).tracing;
    expect(tracing).toMatchObject({
      tracesUrl: 'https://otlp.example.com/custom/traces',
      protocol: 'http/json',
      headers: { 'x-team': 'a', 'x-key': 's ecret' },
      sampler: 'traceidratio',
      samplerRatio: 0.25,
      // A batch never larger than the queue.
      batch: { maxQueueSize: 100, maxExportBatchSize: 100 },
    });
  });

  it('reads resource attributes, with OTEL_SERVICE_NAME over their service.name', () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,deployment.environment=prod,team=web%20apps' };
    expect(loadConfig(base).tracing).toMatchObject({ serviceName: 'from-attrs', resourceAttributes: { 'deployment.environment': 'prod', team: 'web apps' } });
    expect(loadConfig({ ...base, OTEL_SERVICE_NAME: 'gateway-eu' }).tracing?.serviceName).toBe('gateway-eu');
    expect(loadConfig({ ...base, OTEL_SERVICE_NAME: 'gateway-eu' }).tracing?.resourceAttributes).not.toHaveProperty('service.name');
  });

  it('refuses gRPC, unknown samplers, ratios outside 0–1, malformed lists and non-HTTP endpoints, naming each variable', () => {
    const problems = problemsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_TRACES_SAMPLER: 'jaeger_remote',
      OTEL_TRACES_SAMPLER_ARG: '1.5',
      OTEL_RESOURCE_ATTRIBUTES: 'novalue',
      OTEL_BSP_MAX_QUEUE_SIZE: '0',
    });
    expect(problems.join('\n')).toMatch(/OTEL_EXPORTER_OTLP_\(TRACES_\)ENDPOINT/);
    expect(problems.join('\n')).toMatch(/OTEL_EXPORTER_OTLP_PROTOCOL .*gRPC is not supported/);
    expect(problems.join('\n')).toMatch(/OTEL_TRACES_SAMPLER must be one of/);
    expect(problems.join('\n')).toMatch(/OTEL_TRACES_SAMPLER_ARG/);
    expect(problems.join('\n')).toMatch(/OTEL_RESOURCE_ATTRIBUTES/);
    expect(problems.join('\n')).toMatch(/OTEL_BSP_MAX_QUEUE_SIZE/);
  });

  it('reads the export time-out and compression, the signal-specific variables first, and refuses values the exporter would ignore', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(loadConfig(endpoint).tracing).toMatchObject({ timeoutMs: 10_000, compression: 'none' });
    expect(loadConfig({ ...endpoint, OTEL_EXPORTER_OTLP_TIMEOUT: '2500', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }).tracing).toMatchObject({ timeoutMs: 2500, compression: 'gzip' });
    expect(
      loadConfig({ ...endpoint, OTEL_EXPORTER_OTLP_TIMEOUT: '2500', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '700', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip', OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'none' }).tracing,
    ).toMatchObject({ timeoutMs: 700, compression: 'none' });
    // The exporter would ignore these without a word (no compression, its default time-out).
    const problems = problemsOf({ ...endpoint, OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'GZIP', OTEL_EXPORTER_OTLP_TIMEOUT: '10s' }).join('\n');
    expect(problems).toMatch(/OTEL_EXPORTER_OTLP_TRACES_COMPRESSION must be gzip or none \(got "GZIP"\)/);
    expect(problems).toMatch(/OTEL_EXPORTER_OTLP_TIMEOUT must be an integer/);
  });

  it('names the signal-specific protocol variable when that is the one set', () => {
    const problems = problemsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' });
    expect(problems.join('\n')).toMatch(/OTEL_EXPORTER_OTLP_TRACES_PROTOCOL must be .*gRPC is not supported/);
  });
});
