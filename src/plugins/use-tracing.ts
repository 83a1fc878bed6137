/**
 * OpenTelemetry tracing: a span per GraphQL operation (from `@envelop/opentelemetry`), and under it a
 * span per call the operation made to Seam, with its endpoint, status, duration and Seam request id.
 *
 * The upstream spans are made from the finished calls the context records (GatewayContext.upstreamCalls),
 * with their own start time and duration, rather than around the call: the Seam client then knows
 * nothing of tracing, and the parent is found through the GraphQL context, so no global context manager
 * has to be registered in a host application's process.
 */
import { getCurrentOtelContext, useOpenTelemetry } from '@envelop/opentelemetry'
import { type Attributes, SpanKind, SpanStatusCode, type TracerProvider, trace } from '@opentelemetry/api'
import type { Plugin } from 'graphql-yoga'

import type { GatewayContext } from '../context.js'
import type { UpstreamCall } from '../seam/client.js'
import { seamErrorCode } from '../seam/errors.js'

export interface UseTracingOptions {
  tracerProvider: TracerProvider
  /** The tracer's name, and the `service.name` of spans a provider without a resource reports. */
  tracerName?: string
}

const tracerNameDefault = 'seam-graphql-gateway'

/** `performance.now()` times are relative to the time origin; spans want wall-clock milliseconds. */
const wallClock = (performanceTime: number) => performance.timeOrigin + performanceTime

function attributesOf(call: UpstreamCall): Attributes {
  return {
    'http.request.method': 'POST',
    'url.path': call.endpoint,
    'seam.endpoint': call.endpoint,
    'seam.duration_ms': call.durationMs,
    'seam.attempts': call.attempts,
    ...(call.status !== undefined && { 'http.response.status_code': call.status }),
    ...(call.requestId !== undefined && { 'seam.request_id': call.requestId }),
    ...(call.error !== undefined && { 'error.type': seamErrorCode(call.error) }),
  }
}

export function useTracing({ tracerProvider, tracerName = tracerNameDefault }: UseTracingOptions): Plugin {
  const tracer = tracerProvider.getTracer(tracerName)
  return {
    // Added right after this plugin, so this plugin's onExecuteDone runs before the one that ends the
    // operation span: the upstream spans are recorded while their parent is still open.
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
    onExecute: () => ({
      onExecuteDone: ({ args }) => {
        const context = args.contextValue as Partial<GatewayContext>
        const parent = getCurrentOtelContext(context)
        if (trace.getSpan(parent) === undefined) return
        for (const call of context.upstreamCalls ?? []) {
          const span = tracer.startSpan(
            `POST ${call.endpoint}`,
            { kind: SpanKind.CLIENT, startTime: wallClock(call.startedAt), attributes: attributesOf(call) },
            parent,
          )
          if (call.error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: call.error.message })
          span.end(wallClock(call.startedAt + call.durationMs))
        }
      },
    }),
  }
}
