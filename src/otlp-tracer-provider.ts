/**
 * The tracer provider the gateway makes for itself when it is given an OTLP endpoint rather than a
 * provider: spans batched and sent over OTLP/HTTP (JSON), e.g. to an OpenTelemetry Collector, Jaeger or
 * Tempo. Nothing is registered globally: the spans are the gateway's own, and a host application's
 * OpenTelemetry setup is left as it is.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'

export interface OtlpTracingOptions {
  /**
   * Where spans are sent, the full URL (e.g. `http://127.0.0.1:4318/v1/traces`). Headers, timeout and
   * compression still come from the standard `OTEL_EXPORTER_OTLP_*` variables.
   */
  otlpTracesEndpoint: string
  /** The `service.name` the spans carry. Default `seam-graphql-gateway`. */
  serviceName?: string | undefined
}

export function createOtlpTracerProvider({
  otlpTracesEndpoint,
  serviceName = 'seam-graphql-gateway',
}: OtlpTracingOptions): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: otlpTracesEndpoint }))],
  })
}
