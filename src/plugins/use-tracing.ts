/**
 * OpenTelemetry tracing: a span per GraphQL operation (from `@envelop/opentelemetry`), and under it a
 * span per call the operation made to Seam, with its endpoint, status, duration and Seam request id.
 *
 * The operation continues the caller's W3C trace context (`traceparent`, `tracestate`), and each call
 * tells Seam its own span's context in a `traceparent` header, so a router's trace runs through the
 * gateway to Seam. The parent of every span is found through the GraphQL context, never through an
 * active context, so no global context manager or propagator has to be registered in a host
 * application's process.
 */
import { getCurrentOtelContext, setCurrentOtelContext, useOpenTelemetry } from '@envelop/opentelemetry'
import {
  type Attributes,
  defaultTextMapSetter,
  isSpanContextValid,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TracerProvider,
  trace,
} from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import type { Plugin, YogaInitialContext } from 'graphql-yoga'

import type { UpstreamCallTracer } from '../context.js'
import type { UpstreamCall } from '../seam/client.js'
import { isSeamError } from '../seam/errors.js'

export interface UseTracingOptions {
  tracerProvider: TracerProvider
  /** The tracer's name, and the `service.name` of spans a provider without a resource reports. */
  tracerName?: string
}

const tracerNameDefault = 'seam-graphql-gateway'

// Its traceparent pattern is anchored, fixed-length hex up to an optional `-.*` tail: linear in the
// header, and an invalid one leaves the context as it was (a new trace). tracestate is split on commas
// and each member checked with bounded patterns; at most 32 members and 512 characters are kept.
const propagator = new W3CTraceContextPropagator()

const requestHeaders: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
}

/** `performance.now()` times are relative to the time origin; spans want wall-clock milliseconds. */
const wallClock = (performanceTime: number) => performance.timeOrigin + performanceTime

function attributesOf(call: UpstreamCall): Attributes {
  return {
    'seam.duration_ms': call.durationMs,
    'seam.attempts': call.attempts,
    ...(call.status !== undefined && { 'http.response.status_code': call.status }),
    ...(call.requestId !== undefined && { 'seam.request_id': call.requestId }),
    ...(call.errorCode !== undefined && { 'error.type': call.errorCode }),
  }
}

/**
 * Makes the operation span a child of the caller's span. Only when no span is active: a host
 * application whose own instrumentation already continues the caller's trace keeps its span as parent.
 */
function continueCallersTrace(graphqlContext: YogaInitialContext): void {
  const active = getCurrentOtelContext(graphqlContext)
  const activeSpan = trace.getSpanContext(active)
  if (activeSpan !== undefined && isSpanContextValid(activeSpan)) return
  setCurrentOtelContext(graphqlContext, propagator.extract(active, graphqlContext.request.headers, requestHeaders))
}

export function useTracing({ tracerProvider, tracerName = tracerNameDefault }: UseTracingOptions): Plugin {
  return {
    // Added right after this plugin, so this plugin's onExecute runs first: the operation span is
    // started under the caller's context set there.
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
    onExecute: ({ args }) => continueCallersTrace(args.contextValue as YogaInitialContext),
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
        // A fault of the gateway (not a SeamError) is named by its code: its message is not for export.
        if (call.errorCode !== undefined) {
          const message = isSeamError(call.error) ? call.error.message : call.errorCode
          span.setStatus({ code: SpanStatusCode.ERROR, message })
        }
        span.end(wallClock(call.startedAt + call.durationMs))
      },
    }
  }
}
