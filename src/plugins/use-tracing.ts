/**
 * OpenTelemetry tracing: a span per GraphQL operation (from `@envelop/opentelemetry`), and under it a
 * span per call the operation made to Seam, with its endpoint, status, duration and Seam request id.
 *
 * The operation continues the caller's W3C trace context (`traceparent`, `tracestate`), and each call
 * tells Seam its own span's context in a `traceparent` header, so a router's trace runs through the
 * gateway to Seam. The parent of every span is found through the GraphQL context, never through an
 * active context, so no global context manager or propagator has to be registered in a host
 * application's process.
 *
 * A request the lean lane serves (../lean-lane.ts) passes no plugin: `traceLaneOperations` gives its
 * operation the span `@envelop/opentelemetry` gives one yoga serves, by the same rules.
 */
import { getCurrentOtelContext, setCurrentOtelContext, useOpenTelemetry } from '@envelop/opentelemetry'
import {
  type Attributes,
  type Context,
  context,
  defaultTextMapSetter,
  isSpanContextValid,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BREAK, type DocumentNode, type ExecutionResult, type GraphQLError, visit } from 'graphql'
import type { Plugin } from 'graphql-yoga'

import type { ContextRequest, UpstreamCallTracer } from '../context.js'
import type { LaneTelemetry } from '../lane-telemetry.js'
import type { PreparedOperation } from '../prepared/prepared-operations.js'
import type { UpstreamCall } from '../seam/client.js'
import { errorCodesOf } from './use-request-log.js'

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

/** yoga's Headers, or the lean lane's reader of node:http's headers. */
const requestHeaders: TextMapGetter<ContextRequest['headers']> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  // The only keys this propagator reads.
  keys: (headers) => ['traceparent', 'tracestate'].filter((key) => headers.get(key) !== null),
}

/** `performance.now()` times are relative to the time origin; spans want wall-clock milliseconds. */
const wallClock = (performanceTime: number) => performance.timeOrigin + performanceTime

/** Built with assignments, not conditional spreads: each spread is an object of its own, per call. */
function attributesOf(call: UpstreamCall): Attributes {
  const attributes: Attributes = { 'seam.duration_ms': call.durationMs, 'seam.attempts': call.attempts }
  if (call.status !== undefined) attributes['http.response.status_code'] = call.status
  if (call.requestId !== undefined) attributes['seam.request_id'] = call.requestId
  if (call.errorCode !== undefined) attributes['error.type'] = call.errorCode
  return attributes
}

/**
 * The operation span's parent: the caller's span. Only when no span is active: a host application whose
 * own instrumentation already continues the caller's trace keeps its span as parent.
 */
function callersContext(active: Context, headers: ContextRequest['headers']): Context {
  const activeSpan = trace.getSpanContext(active)
  if (activeSpan !== undefined && isSpanContextValid(activeSpan)) return active
  return propagator.extract(active, headers, requestHeaders)
}

/** Makes the operation span yoga's plugin starts a child of the caller's span. */
function continueCallersTrace(graphqlContext: { request: Pick<ContextRequest, 'headers'> }): void {
  const active = getCurrentOtelContext(graphqlContext)
  setCurrentOtelContext(graphqlContext, callersContext(active, graphqlContext.request.headers))
}

/** The name of the event an operation span records when its answer has errors (`@envelop/opentelemetry`'s). */
const executionErrorEvent = 'graphql.execute.error'

/**
 * The event of an answer with errors: their codes, never their messages, which can quote a variable's
 * value (`String cannot represent a non string value: …`) or what Seam said, and so may hold personal data.
 */
const errorCodesEvent = (codes: string[]) => ({ name: executionErrorEvent, message: JSON.stringify(codes) })

/** The codes of errors as `@envelop/opentelemetry` serialized them (`JSON.stringify(result.errors)`). */
function serializedErrorCodes(message: string | undefined): string[] {
  try {
    return errorCodesOf({ errors: JSON.parse(message ?? '') as GraphQLError[] })
  } catch {
    return []
  }
}

/**
 * The provider `@envelop/opentelemetry` is given: its operation spans record the errors' codes in place of
 * the errors it serializes whole (see errorCodesEvent). Everything else is the provider's own.
 */
function recordingErrorCodesOnly(tracerProvider: TracerProvider): TracerProvider {
  return {
    getTracer: (name, version, options) => {
      const tracer = tracerProvider.getTracer(name, version, options)
      const startSpan: Tracer['startSpan'] = (spanName, spanOptions, parent) => {
        const span = tracer.startSpan(spanName, spanOptions, parent)
        const recordException = span.recordException.bind(span)
        span.recordException = (exception, time) => {
          const isExecutionError = typeof exception === 'object' && exception.name === executionErrorEvent
          recordException(isExecutionError ? errorCodesEvent(serializedErrorCodes(exception.message)) : exception, time)
        }
        return span
      }
      // @envelop/opentelemetry calls only startSpan; the SDK's tracer starts startActiveSpan's spans through it too.
      return Object.assign(Object.create(tracer) as Tracer, { startSpan })
    },
  }
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
          recordingErrorCodesOnly(tracerProvider),
          SpanKind.SERVER,
          {},
          tracerName,
        ) as unknown as Plugin,
      )
    },
    onExecute: ({ args }) => continueCallersTrace(args.contextValue as { request: ContextRequest }),
  }
}

/** Whether a document holds a literal value, which may be personal data: then the span leaves it out. */
function hasInlineValue(document: DocumentNode): boolean {
  let seen = false
  const leave = () => {
    seen = true
    return BREAK
  }
  visit(document, {
    StringValue: { leave },
    BooleanValue: { leave },
    FloatValue: { leave },
    EnumValue: { leave },
    IntValue: { leave },
  })
  return seen
}

/**
 * Where the lane keeps its operation's context on the object the context factory was given: the upstream
 * calls' tracer finds it there, not in `@envelop/opentelemetry`'s map, for which each request's object
 * would be a new key of a WeakMap (a hash made for it, an entry the garbage collector must sweep).
 */
const laneOperationContext = Symbol('lane operation context')

type LaneContextHolder = { [laneOperationContext]?: Context }

/** The span an operation the lane serves gets: its name and attributes, the same for each of its requests. */
interface OperationSpan {
  name: string
  attributes: Attributes
}

/**
 * The operation span of a request the lean lane serves, as `@envelop/opentelemetry` (with the options
 * above) makes one for a request yoga serves: named `<type>.<name>`, SERVER, with the operation's name
 * and type and, when it holds no literal value, the document; a child of the caller's span (same rule);
 * the active context while the operation runs; and, when the result has errors, status ERROR and an
 * exception event that lists their codes. Like the plugin, it leaves the span unended when execution throws.
 * The upstream calls' spans find it through the context factory's argument, as they find yoga's.
 */
export function traceLaneOperations({
  tracerProvider,
  tracerName = tracerNameDefault,
}: UseTracingOptions): LaneTelemetry {
  const tracer = tracerProvider.getTracer(tracerName)
  // A prepared operation is of one document text: its span's name and attributes are worked out once.
  const operationSpans = new WeakMap<PreparedOperation, OperationSpan>()
  function operationSpan(document: DocumentNode, operation: PreparedOperation, query: string): OperationSpan {
    let found = operationSpans.get(operation)
    if (found === undefined) {
      const name = operation.name || 'anonymous'
      const attributes: Attributes = {
        'graphql.execute.operationName': name,
        'graphql.execute.operationType': operation.type,
      }
      if (!hasInlineValue(document)) attributes['graphql.execute.document'] = query
      // The tracer copies the attributes into each span: this object is never written to again.
      found = { name: `${operation.type}.${name}`, attributes: Object.freeze(attributes) }
      operationSpans.set(operation, found)
    }
    return found
  }
  return {
    execute: ({ initialContext, document, operation, query }, run) => {
      // The lane made initialContext for this request: nothing recorded a context for it before.
      const parent = callersContext(context.active(), initialContext.request.headers)
      const { name, attributes } = operationSpan(document, operation, query)
      // Timed on the clock of its upstream calls' spans (performance's, below), so that they fall within it:
      // the SDK's own clock starts a span at Date.now(), which is whole milliseconds and drifts from it.
      const span = tracer.startSpan(
        name,
        { kind: SpanKind.SERVER, attributes, startTime: wallClock(performance.now()) },
        parent,
      )
      const operationContext = trace.setSpan(parent, span)
      ;(initialContext as LaneContextHolder)[laneOperationContext] = operationContext
      const ended = (result: ExecutionResult) => {
        if (result.errors !== undefined && result.errors.length > 0) {
          span.setStatus({ code: SpanStatusCode.ERROR })
          span.recordException(errorCodesEvent(errorCodesOf(result)))
        }
        span.end(wallClock(performance.now()))
        return result
      }
      const result = context.with(operationContext, run)
      return result instanceof Promise ? result.then(ended) : ended(result)
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
    const parent = (graphqlContext as LaneContextHolder)[laneOperationContext] ?? getCurrentOtelContext(graphqlContext)
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
        // Named by its code, as the operation's event names its errors: a SeamError's message can be what
        // Seam said, and a fault of the gateway's is not for export either.
        if (call.errorCode !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: call.errorCode })
        span.end(wallClock(call.startedAt + call.durationMs))
      },
    }
  }
}
