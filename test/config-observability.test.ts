import { describe, expect, it } from 'vitest'

import { ConfigError, loadConfig } from '../src/config.js'

const token = 'scrape-token-0123456789'

describe('loadConfig: metrics and tracing', () => {
  it('leaves both off by default', () => {
    const config = loadConfig({})
    expect(config.metrics).toBeUndefined()
    expect(config.tracing).toBeUndefined()
  })

  it('turns metrics on with METRICS_ENABLED, with or without a token', () => {
    expect(loadConfig({ METRICS_ENABLED: 'true' }).metrics).toEqual({ token: undefined, maxOperationNames: 100 })
    expect(loadConfig({ METRICS_ENABLED: 'true', METRICS_TOKEN: token }).metrics).toEqual({
      token,
      maxOperationNames: 100,
    })
    expect(loadConfig({ METRICS_ENABLED: 'false' }).metrics).toBeUndefined()
  })

  it('bounds the operation names with METRICS_MAX_OPERATION_NAMES', () => {
    for (const [value, maxOperationNames] of [
      ['1', 1],
      ['250', 250],
      ['10000', 10_000],
    ] as const) {
      expect(loadConfig({ METRICS_ENABLED: 'true', METRICS_MAX_OPERATION_NAMES: value }).metrics).toEqual({
        token: undefined,
        maxOperationNames,
      })
    }
  })

  it.each([
    [{ METRICS_ENABLED: 'yes' }, 'METRICS_ENABLED must be true or false, not "yes".'],
    [{ METRICS_TOKEN: token }, 'METRICS_TOKEN is set but METRICS_ENABLED is not true.'],
    [{ METRICS_ENABLED: 'true', METRICS_TOKEN: 'short' }, 'METRICS_TOKEN must be at least 16 characters long.'],
    ...['0', '-1', '2.5', 'many', '10001'].map((value): [Record<string, string>, string] => [
      { METRICS_ENABLED: 'true', METRICS_MAX_OPERATION_NAMES: value },
      `METRICS_MAX_OPERATION_NAMES must be a whole number from 1 to 10000, not "${value}".`,
    ]),
    [{ METRICS_MAX_OPERATION_NAMES: '50' }, 'METRICS_MAX_OPERATION_NAMES is set but METRICS_ENABLED is not true.'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://x' }, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http(s) URL'],
  ])('refuses %o, naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(message)
  })

  it.each([
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'grpc://ingest:SECRET_password@collector.example.com:4317/v1?api-key=SECRET_key'],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'ingest:SECRET_password@collector?api-key=SECRET_key'],
  ])('names a wrong %s without the secrets a collector URL may hold', (name, value) => {
    const message = (() => {
      try {
        loadConfig({ [name]: value })
      } catch (error) {
        return (error as Error).message
      }
      return 'no error'
    })()
    expect(message).toMatch(new RegExp(`^${name} must be an http\\(s\\) URL`))
    expect(message).not.toContain('SECRET')
  })

  it.each([
    ['https://collector.example.com/?api-key=k', 'https://collector.example.com/v1/traces?api-key=k'],
    ['https://collector.example.com/otlp/?api-key=k#x', 'https://collector.example.com/otlp/v1/traces?api-key=k#x'],
    ['http://collector:4318///', 'http://collector:4318/v1/traces'],
  ])('puts /v1/traces under the path of OTEL_EXPORTER_OTLP_ENDPOINT=%s, before its query', (endpoint, traces) => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }).tracing?.otlpTracesEndpoint).toBe(traces)
  })

  it('turns tracing on with an OTLP endpoint, as the OpenTelemetry spec reads them', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      otlpTracesEndpoint: 'http://collector:4318/v1/traces',
      serviceName: undefined,
      protocol: 'http/protobuf',
    })
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/ingest',
        OTEL_SERVICE_NAME: 'seam-gateway-eu',
      }).tracing,
    ).toEqual({
      otlpTracesEndpoint: 'https://traces.example.com/ingest',
      serviceName: 'seam-gateway-eu',
      protocol: 'http/protobuf',
    })
  })

  it('encodes spans as OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, says', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }
    expect(loadConfig({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).tracing?.protocol).toBe('http/json')
    expect(loadConfig({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }).tracing?.protocol).toBe(
      'http/protobuf',
    )
    expect(
      loadConfig({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' })
        .tracing?.protocol,
    ).toBe('http/json')
  })

  it.each([
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc'],
    ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'http/xml'],
  ])('refuses %s=%s with tracing on: the gateway sends OTLP over HTTP only', (name, value) => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', [name]: value }
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(`${name} must be http/protobuf or http/json`)
  })

  it('ignores the general protocol with tracing off: other exporters of a deployment may use gRPC', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).tracing).toBeUndefined()
  })
})
