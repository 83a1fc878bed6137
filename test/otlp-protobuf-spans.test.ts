/**
 * The gateway's own OTLP protobuf encoding of spans (src/otlp-protobuf-spans.ts) against the library's
 * (`@opentelemetry/otlp-transformer`'s ProtobufTraceSerializer, which the OTLP protobuf exporter uses): the same
 * bytes, for spans of every shape the SDK makes and a few it does not.
 */
import { type Attributes, context, type HrTime, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api'
import { TraceState } from '@opentelemetry/core'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanLimits,
} from '@opentelemetry/sdk-trace-base'
import { describe, expect, it } from 'vitest'

import { encodeSpans } from '../src/otlp-protobuf-spans.js'

function expectLibraryBytes(spans: ReadableSpan[]): Buffer {
  const ours = Buffer.from(encodeSpans(spans))
  const library = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!)
  expect(ours.toString('hex')).toBe(library.toString('hex'))
  return ours
}

function recorder(serviceName: string, spanLimits: SpanLimits = {}) {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'service.instance.id': 'é-1' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    spanLimits,
  })
  return { provider, spans: () => exporter.getFinishedSpans() }
}

/** A span built by hand from one the SDK recorded: the SDK never makes what the changes put in. */
function spanLike(template: ReadableSpan, changes: Partial<ReadableSpan>): ReadableSpan {
  return {
    name: template.name,
    kind: template.kind,
    spanContext: () => template.spanContext(),
    startTime: template.startTime,
    endTime: template.endTime,
    status: template.status,
    attributes: template.attributes,
    links: template.links,
    events: template.events,
    duration: template.duration,
    ended: true,
    resource: template.resource,
    instrumentationScope: template.instrumentationScope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
    ...changes,
  }
}

const texts = {
  empty: '',
  short: 'POST /client_sessions/get',
  // 63, 64 and 200 characters: either side of the character-at-a-time path, and a length of two bytes.
  below: 'a'.repeat(63),
  at: 'b'.repeat(64),
  long: 'mutation Grant { '.repeat(12),
  accented: 'café crème',
  astral: 'lock 🔒 opened',
  loneSurrogate: 'broken \ud800 text',
  longNonAscii: 'ü'.repeat(100),
}

const numbers = {
  zero: 0,
  negativeZero: -0,
  small: 127,
  twoBytes: 128,
  int32: 2 ** 31,
  uint32Max: 2 ** 32 - 1,
  uint32Past: 2 ** 32,
  large: 2 ** 40 + 7,
  pastSafe: 2 ** 60,
  minusOne: -1,
  minusInt32: -(2 ** 31),
  minusLarge: -(2 ** 40) - 3,
  int64Min: -(2 ** 63),
  int64PastMax: 2 ** 63,
  fraction: 1.5,
  negativeFraction: -0.25,
  infinity: Infinity,
}

describe('the OTLP protobuf encoding of spans', () => {
  it('writes the bytes the library writes for the spans the SDK makes, of every field', () => {
    const { provider, spans } = recorder('seam-graphql-gateway')
    const tracer = provider.getTracer('seam-graphql-gateway', '1.2.3', {
      schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
    })
    const remoteParent = trace.setSpanContext(context.active(), {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: new TraceState('vendor=value,other=42'),
    })
    const operation = tracer.startSpan(
      'mutation.Grant',
      { kind: SpanKind.SERVER, attributes: { ...texts, ...numbers, yes: true, no: false } },
      remoteParent,
    )
    const call = tracer.startSpan(
      'POST /client_sessions/grant_access',
      {
        kind: SpanKind.CLIENT,
        attributes: { strings: ['a', 'ü', ''], numbers: [1, -2, 3.5], flags: [true, false], none: [] },
        links: [
          { context: operation.spanContext() },
          {
            context: {
              traceId: 'ffffffffffffffffffffffffffffffff',
              spanId: '0000000000000001',
              traceFlags: 0,
              isRemote: true,
            },
            attributes: { why: 'retry of', attempt: 2 },
          },
        ],
      },
      trace.setSpan(context.active(), operation),
    )
    call.addEvent('attempt', { attempt: 1, delayMs: 0.5 })
    call.addEvent('no attributes')
    call.recordException(new Error('upstream said no'))
    call.setStatus({ code: SpanStatusCode.ERROR, message: 'SEAM_UNAVAILABLE' })
    call.end()
    operation.setStatus({ code: SpanStatusCode.OK })
    operation.end()
    const internal = tracer.startSpan('internal', {}, context.active())
    internal.end()
    expect(spans()).toHaveLength(3)
    expectLibraryBytes(spans())
  })

  it('counts what span limits dropped as the library does', () => {
    const { provider, spans } = recorder('limited', { attributeCountLimit: 2, eventCountLimit: 1, linkCountLimit: 1 })
    const tracer = provider.getTracer('limited')
    const link = { context: { traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: TraceFlags.SAMPLED } }
    const span = tracer.startSpan('over every limit', {
      attributes: { a: 1, b: 2, c: 3, d: 4 },
      links: [link, link, link],
    })
    span.addEvent('first')
    span.addEvent('second')
    span.addEvent('third')
    span.end()
    const [recorded] = spans()
    expect(recorded!.droppedAttributesCount).toBeGreaterThan(0)
    expect(recorded!.droppedEventsCount).toBeGreaterThan(0)
    expect(recorded!.droppedLinksCount).toBeGreaterThan(0)
    expectLibraryBytes(spans())
  })

  it('groups spans by resource and then by scope, in the order of each one’s first span', () => {
    const first = recorder('first')
    const second = recorder('second')
    const all: ReadableSpan[] = []
    for (let index = 0; index < 6; index++) {
      const { provider, spans } = index % 2 === 0 ? first : second
      const tracer = provider.getTracer(index % 3 === 0 ? 'scope-a' : 'scope-b', index % 3 === 0 ? undefined : '2.0.0')
      tracer.startSpan(`span ${index}`).end()
      all.push(spans().at(-1)!)
    }
    expectLibraryBytes(all)
  })

  it('writes lengths of every size: a batch of one small span, and batches whose lengths take 2, 3 and 4 bytes', () => {
    const { provider, spans } = recorder('sizes')
    const tracer = provider.getTracer('s')
    tracer.startSpan('x').end()
    expect(encodeSpans(spans()).length).toBeLessThan(200)
    expectLibraryBytes(spans())
    const attributes: Attributes = { 'graphql.execute.document': texts.long, 'seam.request_id': 'req_1234567890abcdef' }
    for (let index = 0; index < 7000; index++) tracer.startSpan(`span ${index}`, { attributes }).end()
    for (const count of [40, 500, 7001]) {
      const encoded = expectLibraryBytes(spans().slice(0, count))
      expect(encoded.length).toBeGreaterThan(count === 7001 ? 0x200000 : count === 500 ? 0x4000 : 0x80)
    }
  })

  it('writes what the SDK never makes as the library writes it: byte and key-value values, uppercase ids, far times', () => {
    const { provider, spans } = recorder('synthetic')
    provider.getTracer('synthetic').startSpan('template').end()
    const template = spans()[0]!
    const time: HrTime = [2 ** 33 + 5, 999_999_999]
    const synthetic = spanLike(template, {
      name: 'synthetic',
      kind: SpanKind.PRODUCER,
      spanContext: () => ({ traceId: 'ABCDEF0123456789ABCDEF0123456789', spanId: 'ABCDEF0123456789', traceFlags: 0 }),
      parentSpanContext: {
        traceId: 'ABCDEF0123456789ABCDEF0123456789',
        spanId: '0123456789ABCDEF',
        traceFlags: 0,
        isRemote: false,
      },
      startTime: [0, 0],
      endTime: time,
      status: { code: SpanStatusCode.UNSET },
      attributes: {
        bytes: new Uint8Array([0, 1, 254, 255]) as unknown as string,
        nested: { inner: 'value', deeper: { count: 3 }, list: ['x', 1] } as unknown as string,
        mixed: ['text', 1, true, null, undefined] as unknown as string[],
        missing: undefined,
      },
      links: [],
      events: [{ name: 'far', time, attributes: { n: -5 }, droppedAttributesCount: 2 }],
      duration: [0, 0],
      instrumentationScope: Object.assign(
        { name: 'scope', version: '3', schemaUrl: 'https://example.test/schema' },
        { attributes: { 'scope.attribute': 'yes' }, droppedAttributesCount: 1 },
      ),
      droppedAttributesCount: 300,
    })
    expectLibraryBytes([synthetic, template])
  })

  it('encodes an empty batch as the library does, and the batch after it', () => {
    expectLibraryBytes([])
    const { provider, spans } = recorder('after an empty batch')
    provider.getTracer('t').startSpan('next').end()
    expectLibraryBytes(spans())
  })

  it('writes values out of a field’s range as the library does: negative times, counts and codes beyond uint32, ids that are not hex', () => {
    const { provider, spans } = recorder('out of range')
    provider.getTracer('out of range').startSpan('template').end()
    const template = spans()[0]!
    const outOfRange = (changes: Partial<ReadableSpan>) => spanLike(template, changes)
    const notHex = { traceId: 'zz'.repeat(16), spanId: 'g-'.repeat(8), traceFlags: 0 }
    expectLibraryBytes([
      outOfRange({ startTime: [-1, 5], endTime: [-1_700_000_000, 999_999_999] }),
      outOfRange({ droppedAttributesCount: -1, droppedEventsCount: 2 ** 32, droppedLinksCount: Infinity }),
      outOfRange({ status: { code: -1 as SpanStatusCode }, kind: (2 ** 40) as SpanKind }),
      outOfRange({ droppedAttributesCount: Number.NaN, droppedEventsCount: 2.5, droppedLinksCount: 2 ** 64 }),
      outOfRange({ spanContext: () => notHex, links: [{ context: notHex }] }),
      outOfRange({ resource: { ...template.resource, attributes: undefined as unknown as Attributes } }),
    ])
  })
})
