/**
 * The tracer provider the gateway makes for itself when it is given an OTLP endpoint rather than a
 * provider: spans batched and sent over OTLP/HTTP, e.g. to an OpenTelemetry Collector, Jaeger or Tempo.
 * Nothing is registered globally: the spans are the gateway's own, and a host application's
 * OpenTelemetry setup is left as it is.
 *
 * Encoded as protobuf unless told otherwise: the OpenTelemetry spec's default for OTLP, which every OTLP/HTTP
 * receiver takes, and the cheaper encoding to make. A batch is encoded on the request whose span fills it;
 * the JSON exporter builds an object per span and attribute and then encodes the JSON text with a
 * `TextEncoder`, at about 8 µs a span against 3 for the library's protobuf (512 of the gateway's spans, in
 * isolation), and under half of that for the gateway's own protobuf encoding (./otlp-protobuf-spans.ts: the
 * same bytes; bench/RESULTS.md has both under load). The protobuf exporter is put together from the
 * parts `@opentelemetry/exporter-trace-otlp-proto` makes its own of, with that serializer in place of the
 * library's: the transport, retries, headers and `OTEL_EXPORTER_OTLP_*` settings are the library's.
 */
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base'
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http'
import { TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base'

import { gatewayDefaults } from './defaults.js'
import { protobufSpanSerializer } from './otlp-protobuf-spans.js'

/** The OTLP/HTTP encodings, named as `OTEL_EXPORTER_OTLP_PROTOCOL` names them. */
export type OtlpHttpProtocol = 'http/protobuf' | 'http/json'

export interface OtlpTracingOptions {
  /**
   * Where spans are sent, the full URL (e.g. `http://127.0.0.1:4318/v1/traces`). Headers, timeout and
   * compression still come from the standard `OTEL_EXPORTER_OTLP_*` variables.
   */
  otlpTracesEndpoint: string
  /** The `service.name` the spans carry. Default `seam-graphql-gateway`. */
  serviceName?: string | undefined
  /** How spans are encoded. Default `http/protobuf`. */
  protocol?: OtlpHttpProtocol | undefined
}

export function createOtlpTracerProvider({
  otlpTracesEndpoint,
  serviceName = 'seam-graphql-gateway',
  protocol = gatewayDefaults.otlpProtocol,
}: OtlpTracingOptions): BasicTracerProvider {
  const exporter =
    protocol === 'http/json'
      ? new OtlpJsonTraceExporter({ url: otlpTracesEndpoint })
      : protobufExporter(otlpTracesEndpoint)
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  })
}

/** What `@opentelemetry/exporter-trace-otlp-proto`'s OTLPTraceExporter is, but for its serializer. */
function protobufExporter(url: string): SpanExporter {
  const options = convertLegacyHttpOptions({ url }, 'TRACES', 'v1/traces', {
    'Content-Type': 'application/x-protobuf',
  })
  // The component type the library's own exporter names its exports by; given no meter provider, as the library's
  // is by default, it records no metrics of them.
  const delegate = createOtlpHttpExportDelegate(
    options,
    protobufSpanSerializer,
    'otlp_http_span_exporter',
    TraceExporterMetricsHelper,
    undefined,
  )
  return new OTLPExporterBase(delegate)
}
