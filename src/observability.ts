/**
 * The metrics and tracing plugins, in a module of their own: prom-client and OpenTelemetry take about a
 * quarter of the gateway's start-up to load, so `npm start` imports this module only when metrics or
 * tracing are on. The package's entry (./index.ts) always supplies it, so embedders see no difference.
 */
export { createOtlpTracerProvider } from './otlp-tracer-provider.js'
export { useMetrics } from './plugins/use-metrics.js'
export { traceLaneOperations, traceUpstreamCalls, useTracing } from './plugins/use-tracing.js'
