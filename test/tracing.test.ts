import { AsyncLocalStorage } from 'node:async_hooks'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

import {
  type Context,
  context,
  type ContextManager,
  type HrTime,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterEach, describe, expect, it } from 'vitest'

import { clientSession, type Harness, startHarness, withApiKey } from './support/harness.js'
import { exportedSpans } from './support/otlp-protobuf.js'

const sessionId = clientSession().client_session_id
const grant = `mutation GrantAccess { grantClientSessionAccess(input: { clientSessionId: "${sessionId}" }) {
  clientSession { clientSessionId } } }`
const read = `query Session { clientSession(userIdentifierKey: "user_42") { clientSessionId } }`

let harness: Harness | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

async function startTraced(fastLane = true): Promise<{ harness: Harness; exporter: InMemorySpanExporter }> {
  const exporter = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  harness = await startHarness({ gateway: { tracing: { tracerProvider }, upstreamRetries: 0, fastLane } })
  return { harness, exporter }
}

/**
 * How many requests yoga served: it logs each at debug level, the lean lane none. The requests these
 * tests send over HTTP are the lane's, and their spans must be made there.
 */
const servedByYoga = (harness: Harness) => harness.logs.filter((line) => line.startsWith('debug ')).length

const nanoseconds = ([seconds, nanos]: HrTime) => BigInt(seconds) * 1_000_000_000n + BigInt(nanos)
const milliseconds = (time: HrTime) => Number(nanoseconds(time)) / 1e6

function operationSpan(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((span) => span.name === name)
  expect(found).toHaveLength(1)
  return found[0]!
}

const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) =>
  spans.filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId)

// The example of the W3C Trace Context specification: a caller's span, sampled.
const callerTraceId = '4bf92f3577b34da6a3ce929d0e0e4736'
const callerSpanId = '00f067aa0ba902b7'
const callerTrace = {
  traceparent: `00-${callerTraceId}-${callerSpanId}-01`,
  tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
}

/** The `traceparent` that names a span, as Seam should receive it. */
const traceparentOf = (span: ReadableSpan) => `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`

/** An active context that follows async calls, as a host application's OpenTelemetry setup registers one. */
class AsyncLocalContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>()
  active = () => this.#storage.getStore() ?? ROOT_CONTEXT
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    active: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#storage.run(active, () => fn.apply(thisArg, args))
  }
  bind = <T>(_context: Context, target: T) => target
  enable = () => this
  disable = () => {
    this.#storage.disable()
    return this
  }
}

describe('tracing', () => {
  it('makes a span per operation, and under it a span per upstream call with endpoint, status and request id', async () => {
    const { harness, exporter } = await startTraced()
    // grant_access answers without the session: the gateway reads it back, a second upstream call.
    harness.fakeSeam.failNext({ status: 200, body: '{"ok":true}', headers: { 'seam-request-id': 'req-grant-1' } })
    const answer = await harness.graphql(grant, { headers: withApiKey })
    expect(answer.body.errors).toBeUndefined()

    const spans = exporter.getFinishedSpans()
    const operation = operationSpan(spans, 'mutation.GrantAccess')
    expect(operation.kind).toBe(SpanKind.SERVER)
    expect(operation.parentSpanContext).toBeUndefined()
    expect(operation.status.code).not.toBe(SpanStatusCode.ERROR)
    expect(operation.attributes).toMatchObject({
      'graphql.execute.operationName': 'GrantAccess',
      'graphql.execute.operationType': 'mutation',
    })

    const calls = childrenOf(spans, operation)
    expect(calls.map((span) => span.name)).toEqual(['POST /client_sessions/grant_access', 'POST /client_sessions/get'])
    expect(spans).toHaveLength(3)
    const [grantCall, readBack] = calls as [ReadableSpan, ReadableSpan]
    expect(grantCall.attributes).toEqual({
      'http.request.method': 'POST',
      'url.path': '/client_sessions/grant_access',
      'seam.endpoint': '/client_sessions/grant_access',
      'seam.duration_ms': expect.any(Number),
      'seam.attempts': 1,
      'http.response.status_code': 200,
      'seam.request_id': 'req-grant-1',
    })
    expect(readBack.attributes['seam.request_id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(readBack.attributes['http.response.status_code']).toBe(200)

    for (const call of calls) {
      expect(call.kind).toBe(SpanKind.CLIENT)
      expect(call.spanContext().traceId).toBe(operation.spanContext().traceId)
      expect(call.status.code).toBe(SpanStatusCode.UNSET)
      // The span covers the call as the client timed it, within the operation.
      expect(milliseconds(call.duration)).toBeCloseTo(call.attributes['seam.duration_ms'] as number, 2)
      expect(nanoseconds(call.startTime)).toBeGreaterThanOrEqual(nanoseconds(operation.startTime))
      expect(nanoseconds(call.endTime)).toBeLessThanOrEqual(nanoseconds(operation.endTime))
    }
    expect(nanoseconds(readBack.startTime)).toBeGreaterThanOrEqual(nanoseconds(grantCall.endTime))
    expect(servedByYoga(harness)).toBe(0)
  })

  it('marks failed upstream calls and their operation as errors, with the error code', async () => {
    const { harness, exporter } = await startTraced()
    harness.fakeSeam.failNext({ status: 503, body: '{}', headers: { 'seam-request-id': 'req-503' } })
    await harness.graphql(read, { headers: withApiKey })
    harness.fakeSeam.failNext({ reset: true })
    await harness.graphql(read, { headers: withApiKey })

    const spans = exporter.getFinishedSpans()
    const operations = spans.filter((span) => span.name === 'query.Session')
    expect(operations).toHaveLength(2)
    const [failed, unavailable] = operations.map((operation) => {
      expect(operation.status.code).toBe(SpanStatusCode.ERROR)
      const calls = childrenOf(spans, operation)
      expect(calls).toHaveLength(1)
      expect(calls[0]!.status.code).toBe(SpanStatusCode.ERROR)
      return calls[0]!
    })
    expect(failed!.attributes).toMatchObject({
      'http.response.status_code': 503,
      'seam.request_id': 'req-503',
      'error.type': 'UPSTREAM_ERROR',
    })
    expect(unavailable!.attributes['error.type']).toBe('UPSTREAM_UNAVAILABLE')
    expect(unavailable!.attributes).not.toHaveProperty('http.response.status_code')
    expect(servedByYoga(harness)).toBe(0)
  })

  for (const fastLane of [true, false]) {
    it(`records the codes of an answer's errors, never their messages (fastLane: ${fastLane})`, async () => {
      const { harness, exporter } = await startTraced(fastLane)
      // graphql-js quotes a variable's value in its refusal; Seam's own words are in its error body.
      const byKey = 'query Bad($key: String!) { clientSession(userIdentifierKey: $key) { clientSessionId } }'
      const refused = await harness.graphql(byKey, {
        headers: withApiKey,
        variables: { key: { secret: 'SECRET-VALUE' } },
      })
      expect(refused.text).toContain('SECRET-VALUE')
      harness.fakeSeam.failNext({
        status: 400,
        body: JSON.stringify({ error: { type: 'invalid_input', message: 'Seam says SECRET-WORDS' } }),
      })
      const failed = await harness.graphql(read, { headers: withApiKey })
      expect(failed.text).toContain('SECRET-WORDS')

      const spans = exporter.getFinishedSpans()
      const events = [operationSpan(spans, 'query.Bad'), operationSpan(spans, 'query.Session')].map((span) => {
        expect(span.status.code).toBe(SpanStatusCode.ERROR)
        return span.events.map(({ name, attributes }) => ({ name, attributes }))
      })
      const codes = (message: string) => ({
        name: 'exception',
        attributes: { 'exception.type': 'graphql.execute.error', 'exception.message': message },
      })
      expect(events).toEqual([[codes('["BAD_USER_INPUT"]')], [codes('["BAD_USER_INPUT"]')]])
      expect(
        JSON.stringify(spans.map(({ attributes, events, status }) => ({ attributes, events, status }))),
      ).not.toContain('SECRET')
      expect(servedByYoga(harness) > 0).toBe(!fastLane)
    })
  }

  it('makes one span for a retried read, covering its attempts, with their count and the last status', async () => {
    const exporter = new InMemorySpanExporter()
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
    harness = await startHarness({ gateway: { tracing: { tracerProvider }, upstreamRetryDelayMs: 0 } })
    harness.fakeSeam.failNext({ status: 503, body: '{}', headers: { 'seam-request-id': 'req-503' } })
    expect((await harness.graphql(read, { headers: withApiKey })).body.errors).toBeUndefined()
    expect(harness.fakeSeam.requests).toHaveLength(2)

    const spans = exporter.getFinishedSpans()
    const calls = childrenOf(spans, operationSpan(spans, 'query.Session'))
    expect(calls).toHaveLength(1)
    expect(calls[0]!.status.code).toBe(SpanStatusCode.UNSET)
    expect(calls[0]!.attributes).toMatchObject({ 'seam.attempts': 2, 'http.response.status_code': 200 })
    expect(calls[0]!.attributes['seam.request_id']).not.toBe('req-503')
    // Both attempts name the one span, in a trace of the gateway's own (the caller sent none).
    expect(harness.fakeSeam.requests.map((request) => request.headers['traceparent'])).toEqual([
      traceparentOf(calls[0]!),
      traceparentOf(calls[0]!),
    ])
    expect(servedByYoga(harness)).toBe(0)
  })

  it("continues the caller's trace, and sends Seam each upstream span's context, never the caller's", async () => {
    const { harness, exporter } = await startTraced()
    harness.fakeSeam.failNext({ status: 200, body: '{"ok":true}' })
    const answer = await harness.graphql(grant, { headers: { ...withApiKey, ...callerTrace } })
    expect(answer.body.errors).toBeUndefined()

    const spans = exporter.getFinishedSpans()
    const operation = operationSpan(spans, 'mutation.GrantAccess')
    expect(operation.spanContext().traceId).toBe(callerTraceId)
    expect(operation.parentSpanContext).toMatchObject({ traceId: callerTraceId, spanId: callerSpanId, isRemote: true })

    const calls = childrenOf(spans, operation)
    expect(calls.map((span) => span.name)).toEqual(['POST /client_sessions/grant_access', 'POST /client_sessions/get'])
    const requests = harness.fakeSeam.requests
    expect(requests.map((request) => request.path)).toEqual(['/client_sessions/grant_access', '/client_sessions/get'])
    calls.forEach((call, index) => {
      expect(call.spanContext().traceId).toBe(callerTraceId)
      expect(requests[index]!.headers['traceparent']).toBe(traceparentOf(call))
      expect(requests[index]!.headers['tracestate']).toBe(callerTrace.tracestate)
    })
    expect(servedByYoga(harness)).toBe(0)
  })

  it("follows the caller's decision not to sample: no spans, and Seam is told so in the same trace", async () => {
    const { harness, exporter } = await startTraced()
    const traceparent = `00-${callerTraceId}-${callerSpanId}-00`
    const answer = await harness.graphql(read, { headers: { ...withApiKey, traceparent } })
    expect(answer.body.errors).toBeUndefined()
    expect(exporter.getFinishedSpans()).toEqual([])
    const sent = harness.fakeSeam.requests[0]!.headers['traceparent']
    expect(sent).toMatch(new RegExp(`^00-${callerTraceId}-[0-9a-f]{16}-00$`))
    expect(sent).not.toBe(traceparent)
    expect(servedByYoga(harness)).toBe(0)
  })

  it('sends Seam no trace context without tracing, whatever the caller sends', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(read, { headers: { ...withApiKey, ...callerTrace } })
    expect(answer.body.errors).toBeUndefined()
    expect(harness.fakeSeam.requests).toHaveLength(1)
    expect(harness.fakeSeam.requests[0]!.headers).not.toHaveProperty('traceparent')
    expect(harness.fakeSeam.requests[0]!.headers).not.toHaveProperty('tracestate')
  })

  it('ignores a malformed or oversized traceparent: the operation starts a new trace and answers', async () => {
    const { harness, exporter } = await startTraced()
    const malformed = [
      'garbage',
      `00-${callerTraceId.toUpperCase()}-${callerSpanId}-01`,
      `00-${'0'.repeat(32)}-${callerSpanId}-01`,
      `00-${callerTraceId}-${'0'.repeat(16)}-01`,
      `ff-${callerTraceId}-${callerSpanId}-01`,
      `00-${callerTraceId}-${callerSpanId}-01-${'a'.repeat(8_000)}`,
      `${'-'.repeat(4_000)}00-${callerTraceId}-${callerSpanId}-01`,
      `${callerTrace.traceparent}, 00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`,
    ]
    for (const traceparent of malformed) {
      const answer = await harness.graphql(read, { headers: { ...withApiKey, traceparent, tracestate: 'congo=t61' } })
      expect(answer.body.errors, traceparent).toBeUndefined()
    }

    const operations = exporter.getFinishedSpans().filter((span) => span.name === 'query.Session')
    expect(operations).toHaveLength(malformed.length)
    for (const operation of operations) {
      expect(operation.parentSpanContext).toBeUndefined()
      expect(operation.spanContext().traceId).not.toBe(callerTraceId)
    }
    expect(new Set(operations.map((operation) => operation.spanContext().traceId)).size).toBe(malformed.length)
    for (const request of harness.fakeSeam.requests) expect(request.headers).not.toHaveProperty('tracestate')
    expect(servedByYoga(harness)).toBe(0)
  })

  it("keeps a host application's active span as the parent when embedded", async () => {
    const manager = new AsyncLocalContextManager()
    expect(context.setGlobalContextManager(manager)).toBe(true)
    try {
      const { harness, exporter } = await startTraced()
      const hostSpan = new BasicTracerProvider().getTracer('host').startSpan('host request')
      const response = await context.with(trace.setSpan(ROOT_CONTEXT, hostSpan), () =>
        harness.gateway.yoga.fetch('http://gateway.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...withApiKey, ...callerTrace },
          body: JSON.stringify({ query: read }),
        }),
      )
      expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined()

      const operation = operationSpan(exporter.getFinishedSpans(), 'query.Session')
      expect(operation.parentSpanContext?.spanId).toBe(hostSpan.spanContext().spanId)
      expect(operation.spanContext().traceId).toBe(hostSpan.spanContext().traceId)
    } finally {
      context.disable()
    }
  })

  /** A collector that keeps what each export sent, answering as an OTLP/HTTP receiver does. */
  async function startCollector() {
    const received: {
      path: string | undefined
      contentType: string | undefined
      headers: IncomingMessage['headers']
      body: Buffer
    }[] = []
    const collector = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        const contentType = request.headers['content-type']
        received.push({ path: request.url, contentType, headers: request.headers, body: Buffer.concat(chunks) })
        response.writeHead(200, { 'content-type': contentType ?? 'application/json' })
        response.end(contentType === 'application/json' ? '{}' : '')
      })
    })
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve))
    const { port } = collector.address() as AddressInfo
    return {
      received,
      tracesEndpoint: `http://127.0.0.1:${port}/v1/traces`,
      close: () => new Promise((resolve) => collector.close(resolve)),
    }
  }

  it('exports over OTLP/HTTP in protobuf (the default of the OpenTelemetry spec) when given an endpoint, and flushes on close', async () => {
    const collector = await startCollector()
    try {
      const traced = await startHarness({
        gateway: { tracing: { otlpTracesEndpoint: collector.tracesEndpoint, serviceName: 'gateway-under-test' } },
      })
      await traced.graphql(read, { headers: withApiKey })
      await traced.close()

      expect(collector.received.map(({ path, contentType }) => [path, contentType])).toEqual([
        ['/v1/traces', 'application/x-protobuf'],
      ])
      const [exported] = exportedSpans(collector.received[0]!.body)
      expect(exported?.resource['service.name']).toBe('gateway-under-test')
      expect(exported?.spanNames.toSorted()).toEqual(['POST /client_sessions/get', 'query.Session'])
    } finally {
      await collector.close()
    }
  })

  it('sends the headers OTEL_EXPORTER_OTLP_HEADERS names with each export, as OpenTelemetry’s exporters do', async () => {
    const collector = await startCollector()
    const before = process.env['OTEL_EXPORTER_OTLP_HEADERS']
    process.env['OTEL_EXPORTER_OTLP_HEADERS'] = 'x-collector-key=s3cret'
    try {
      for (const protocol of ['http/protobuf', 'http/json'] as const) {
        const traced = await startHarness({
          gateway: { tracing: { otlpTracesEndpoint: collector.tracesEndpoint, protocol } },
        })
        await traced.graphql(read, { headers: withApiKey })
        await traced.close()
      }
      expect(collector.received.map(({ contentType }) => contentType)).toEqual([
        'application/x-protobuf',
        'application/json',
      ])
      for (const { headers } of collector.received) {
        expect(headers['x-collector-key']).toBe('s3cret')
        expect(headers['user-agent']).toMatch(/^OTel-OTLP-Exporter-JavaScript\//)
      }
    } finally {
      if (before === undefined) delete process.env['OTEL_EXPORTER_OTLP_HEADERS']
      else process.env['OTEL_EXPORTER_OTLP_HEADERS'] = before
      await collector.close()
    }
  })

  it('exports OTLP/HTTP JSON when told to', async () => {
    const collector = await startCollector()
    try {
      const traced = await startHarness({
        gateway: {
          tracing: {
            otlpTracesEndpoint: collector.tracesEndpoint,
            serviceName: 'gateway-under-test',
            protocol: 'http/json',
          },
        },
      })
      await traced.graphql(read, { headers: withApiKey })
      await traced.close()

      expect(collector.received.map(({ path, contentType }) => [path, contentType])).toEqual([
        ['/v1/traces', 'application/json'],
      ])
      const request = JSON.parse(collector.received[0]!.body.toString('utf8')) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: { stringValue?: string } }[] }
          scopeSpans: { spans: { name: string }[] }[]
        }[]
      }
      const [resourceSpans] = request.resourceSpans
      expect(resourceSpans?.resource.attributes).toContainEqual({
        key: 'service.name',
        value: { stringValue: 'gateway-under-test' },
      })
      const names = resourceSpans?.scopeSpans.flatMap(({ spans }) => spans.map(({ name }) => name))
      expect(names?.toSorted()).toEqual(['POST /client_sessions/get', 'query.Session'])
    } finally {
      await collector.close()
    }
  })
})
