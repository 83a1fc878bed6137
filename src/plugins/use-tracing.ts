/**
 * OpenTelemetry tracing: a span per GraphQL operation (from `@envelop/opentelemetry`), and under it a
 * span per call the operation made to Seam, with its endpoint, status, duration and Seam request id.
 *
 * Each call tells Seam its own span's context in a `traceparent` header, so the trace runs on into
 * Seam. The parent of every span is found through the GraphQL context, never through an active
 * context, so no global context manager or propagator has to be registered in a host application's
 * process.
 */
import { getCurrentOtelContext, useOpenTelemetry } from '@envelop/opentelemetry'
import {
  type Attributes,
  defaultTextMapSetter,
  SpanKind,
  SpanStatusCode,
  type TracerProvider,
  trace,
} from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import type { Plugin } from 'graphql-yoga'

import type { UpstreamCallTracer } from '../context.js'
import type { UpstreamCall } from '../seam/client.js'
import { seamErrorCode } from '../seam/errors.js'

export interface UseTracingOptions {
  tracerProvider: TracerProvider
  /** The tracer's name, and the `service.name` of spans a provider without a resource reports. */
  tracerName?: string
}

const tracerNameDefault = 'seam-graphql-gateway'

const propagator = new W3CTraceContextPropagator()

/** `performance.now()` times are relative to the time origin; spans want wall-clock milliseconds. */
const wallClock = (performanceTime: number) => performance.timeOrigin + performanceTime

function attributesOf(call: UpstreamCall): Attributes {
  return {
    'seam.duration_ms': call.durationMs,
    'seam.attempts': call.attempts,
    ...(call.status !== undefined && { 'http.response.status_code': call.status }),
    ...(call.requestId !== undefined && { 'seam.request_id': call.requestId }),
    ...(call.error !== undefined && { 'error.type': seamErrorCode(call.error) }),
  }
}

export function useTracing({ tracerProvider, tracerName = tracerNameDefault }: UseTracingOptions): Plugin {
  return {
    onPluginInit: ({ addPlugin }) => {
      addPlugin(
        // No variables, results or resolver spans: they may hold personal data and cost a span per field.
        // Its type claims a context key of its own that it never reads from the context: hence the cast.
        useOpenTelemetry(
          { resolvers: false, variables: false, result: false },
          tracerProvider,
          SpanKind.SERVER,
          {},
          tracerName,
        ) as unknown as Plugin,
      )
    },
  }
}

/**
 * The upstream half of tracing, for the context factory: a CLIENT span per call under the operation's
 * span, started when the call starts, whose context Seam receives as `traceparent` (the same on every
 * attempt of a retried read), and ended with what the call did. The caller's own `traceparent` never
 * reaches Seam: only the gateway's span does.
 */
export function traceUpstreamCalls({
  tracerProvider,
  tracerName = tracerNameDefault,
}: UseTracingOptions): UpstreamCallTracer {
  const tracer = tracerProvider.getTracer(tracerName)
  return (graphqlContext, endpoint, startedAt) => {
    const parent = getCurrentOtelContext(graphqlContext)
    if (trace.getSpan(parent) === undefined) return undefined
    const span = tracer.startSpan(
      `POST ${endpoint}`,
      {
        kind: SpanKind.CLIENT,
        startTime: wallClock(startedAt),
        attributes: { 'http.request.method': 'POST', 'url.path': endpoint, 'seam.endpoint': endpoint },
      },
      parent,
    )
    const headers: Record<string, string> = {}
    propagator.inject(trace.setSpan(parent, span), headers, defaultTextMapSetter)
    return {
      headers,
      end: (call) => {
        span.setAttributes(attributesOf(call))
        if (call.error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: call.error.message })
        span.end(wallClock(call.startedAt + call.durationMs))
      },
    }
  }
}
