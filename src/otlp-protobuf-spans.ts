/**
 * The gateway's spans as OTLP protobuf (an ExportTraceServiceRequest, opentelemetry/proto/collector/trace/v1):
 * the bytes `@opentelemetry/otlp-transformer`'s ProtobufTraceSerializer writes, field for field and byte for
 * byte (test/otlp-protobuf-spans.test.ts holds it to that for every shape of span the SDK makes, and for values
 * out of a field's range), in about 40 % of its time.
 *
 * Written here because encoding is where tracing spends most under load: a span is encoded on the request whose
 * span fills a batch, and the library's serializer took 3.6 µs a span of the gateway's alone, twice that under
 * load (two spans a request): it measures every string once and writes it once more, both a character at a
 * time, allocates each id's bytes, and walks each attributes object with `for…in`. This writes each message
 * once, a length's bytes moved only when the length needs more than one, short ASCII strings a character at a
 * time and anything longer through Buffer's native UTF-8 encoder, ids straight from their hex. Everything else
 * about the export (its transport, retries, headers, timeout, the `OTEL_EXPORTER_OTLP_*` settings) stays the
 * library's (./otlp-tracer-provider.ts).
 */
import type { Attributes, HrTime, SpanContext } from '@opentelemetry/api'
import {
  type IExportTraceServiceResponse,
  type ISerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer'
import type { Resource } from '@opentelemetry/resources'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'

type InstrumentationScope = ReadableSpan['instrumentationScope'] & {
  attributes?: Attributes
  droppedAttributesCount?: number
}

/** Protobuf's wire types. */
const varintType = 0
const fixed64Type = 1
const lengthDelimitedType = 2
const fixed32Type = 5

/** OTLP's span flags: the context's trace flags, and whether its parent is remote, known or not. */
const hasIsRemoteFlag = 0x100
const isRemoteFlag = 0x200

/**
 * A hex digit's value, read as the library reads it: lowercase or uppercase, and any other character as if it
 * were an uppercase digit (what a link to a context the SDK never checked may bring).
 */
const hexDigitValue = (code: number) =>
  code >= 48 && code <= 57 ? code - 48 : code >= 97 && code <= 102 ? code - 87 : code - 55

/** Strings shorter than this are written a character at a time, which beats a native call's overhead. */
const shortString = 64

/** One request's bytes, written front to back into a buffer that doubles when it is full. */
class ProtobufBytes {
  bytes: Buffer
  position = 0

  constructor(capacity: number) {
    this.bytes = Buffer.allocUnsafe(capacity)
  }

  reserve(count: number): void {
    if (this.position + count <= this.bytes.length) return
    let capacity = Math.max(this.bytes.length * 2, 1024)
    while (capacity < this.position + count) capacity *= 2
    const grown = Buffer.allocUnsafe(capacity)
    this.bytes.copy(grown, 0, 0, this.position)
    this.bytes = grown
  }

  /** A non-negative integer below 2^32: the common case, tags and lengths included. */
  uint32(value: number): void {
    this.reserve(5)
    while (value > 0x7f) {
      this.bytes[this.position++] = (value & 0x7f) | 0x80
      value >>>= 7
    }
    this.bytes[this.position++] = value
  }

  /**
   * An integer in int64's range, negative ones as two's complement (ten bytes); anything else (a fraction,
   * Infinity, NaN, beyond int64) reduced to 64 bits as the library reduces it.
   */
  int64(value: number): void {
    if (value >= 0 && value <= 0xffffffff) return this.uint32(value)
    let [low, high] = int64Halves(value)
    this.reserve(10)
    while (high !== 0 || low > 0x7f) {
      this.bytes[this.position++] = (low & 0x7f) | 0x80
      low = ((low >>> 7) | (high << 25)) >>> 0
      high >>>= 7
    }
    this.bytes[this.position++] = low
  }

  tag(field: number, wireType: number): void {
    this.uint32((field << 3) | wireType)
  }

  /** A count, code or kind: any number a span holds, written as the library writes it (out of range too). */
  varintField(field: number, value: number): void {
    this.tag(field, varintType)
    this.int64(value)
  }

  stringField(field: number, text: string): void {
    this.tag(field, lengthDelimitedType)
    this.string(text)
  }

  hexField(field: number, digits: string): void {
    this.tag(field, lengthDelimitedType)
    this.hex(digits)
  }

  fixed32Field(field: number, value: number): void {
    this.tag(field, fixed32Type)
    this.fixed32(value)
  }

  /** Starts a length-delimited message in `field`; endMessage ends it. */
  startMessageField(field: number): number {
    this.tag(field, lengthDelimitedType)
    return this.startMessage()
  }

  fixed32(value: number): void {
    this.reserve(4)
    this.position = this.bytes.writeUInt32LE(value >>> 0, this.position)
  }

  fixed64(low: number, high: number): void {
    this.reserve(8)
    this.bytes.writeUInt32LE(low >>> 0, this.position)
    this.position = this.bytes.writeUInt32LE(high >>> 0, this.position + 4)
  }

  double(value: number): void {
    this.reserve(8)
    this.position = this.bytes.writeDoubleLE(value, this.position)
  }

  string(text: string): void {
    const length = text.length
    if (length < shortString) {
      // One byte for the length, as ASCII of fewer than 128 characters needs; anything else is written below.
      this.reserve(length + 1)
      const start = this.position + 1
      let index = 0
      while (index < length) {
        const code = text.charCodeAt(index)
        if (code > 0x7f) break
        this.bytes[start + index++] = code
      }
      if (index === length) {
        this.bytes[this.position] = length
        this.position = start + length
        return
      }
    }
    const byteLength = Buffer.byteLength(text)
    this.uint32(byteLength)
    this.reserve(byteLength)
    this.position += this.bytes.write(text, this.position, byteLength, 'utf8')
  }

  lengthDelimitedBytes(value: Uint8Array): void {
    this.uint32(value.length)
    this.reserve(value.length)
    this.bytes.set(value, this.position)
    this.position += value.length
  }

  /** An id's bytes from its hex digits. */
  hex(digits: string): void {
    const length = digits.length >>> 1
    this.uint32(length)
    this.reserve(length)
    for (let index = 0; index < length; index++) {
      this.bytes[this.position++] =
        (hexDigitValue(digits.charCodeAt(2 * index)) << 4) | hexDigitValue(digits.charCodeAt(2 * index + 1))
    }
  }

  /** Starts a length-delimited message: one byte kept for its length, which most messages fit. */
  startMessage(): number {
    this.reserve(1)
    return this.position++
  }

  /** Ends the message started at `start`: writes its length, moving its bytes when that needs more than one. */
  endMessage(start: number): void {
    const length = this.position - start - 1
    if (length < 0x80) {
      this.bytes[start] = length
      return
    }
    const lengthBytes = length < 0x4000 ? 2 : length < 0x200000 ? 3 : length < 0x10000000 ? 4 : 5
    this.reserve(lengthBytes - 1)
    this.bytes.copyWithin(start + lengthBytes, start + 1, this.position)
    this.position += lengthBytes - 1
    let value = length
    let at = start
    while (value > 0x7f) {
      this.bytes[at++] = (value & 0x7f) | 0x80
      value >>>= 7
    }
    this.bytes[at] = value
  }
}

/** An integer's low and high 32 bits, two's complement when negative. */
function int64Halves(value: number): [number, number] {
  const magnitude = Math.abs(value)
  let low = magnitude >>> 0
  let high = Math.floor(magnitude / 0x100000000) >>> 0
  if (value < 0) {
    low = (~low + 1) >>> 0
    high = (~high + (low === 0 ? 1 : 0)) >>> 0
  }
  return [low, high]
}

/**
 * HrTime `[seconds, nanoseconds]` as fixed64 nanoseconds. `seconds * 1e9` would pass 2^53 and lose
 * nanoseconds, so the seconds are taken in two parts whose products stay exact.
 */
function writeTime(out: ProtobufBytes, field: number, [seconds, nanoseconds]: HrTime): void {
  out.tag(field, fixed64Type)
  const fromLowSeconds = (seconds & 0xffff) * 1e9
  const fromHighSeconds = ((seconds / 0x10000) >>> 0) * 1e9
  // fromHighSeconds counts units of 2^16 nanoseconds: its low 16 bits go to bits 16-31, the rest to the high half.
  const lowSum = (fromLowSeconds >>> 0) + (((fromHighSeconds & 0xffff) * 0x10000) >>> 0) + nanoseconds
  const high =
    Math.floor(fromLowSeconds / 0x100000000) + ((fromHighSeconds / 0x10000) >>> 0) + Math.floor(lowSum / 0x100000000)
  out.fixed64(lowSum >>> 0, high >>> 0)
}

/** AnyValue: what an attribute holds (a list or a key-value list too, as the library writes them). */
function writeValue(out: ProtobufBytes, value: unknown): void {
  switch (typeof value) {
    case 'string':
      return out.stringField(1, value)
    case 'boolean':
      return out.varintField(2, value ? 1 : 0)
    case 'number':
      if (Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63) return out.varintField(3, value)
      out.tag(4, fixed64Type)
      return out.double(value)
  }
  if (value instanceof Uint8Array) {
    out.tag(7, lengthDelimitedType)
    return out.lengthDelimitedBytes(value)
  }
  if (Array.isArray(value)) {
    const list = out.startMessageField(5)
    for (const item of value) {
      const itemStart = out.startMessageField(1)
      writeValue(out, item)
      out.endMessage(itemStart)
    }
    return out.endMessage(list)
  }
  if (typeof value === 'object' && value !== null) {
    const list = out.startMessageField(6)
    writeAttributes(out, value as Attributes, 1)
    out.endMessage(list)
  }
  // Anything else (undefined, a function, a symbol) has no AnyValue: the library writes nothing for it either.
}

/** Each own enumerable key of `attributes` as a KeyValue in `field`. */
function writeAttributes(out: ProtobufBytes, attributes: Attributes, field: number): void {
  for (const key of Object.keys(attributes)) {
    out.tag(field, lengthDelimitedType)
    const keyValue = out.startMessage()
    out.stringField(1, key)
    const value = out.startMessageField(2)
    writeValue(out, attributes[key])
    out.endMessage(value)
    out.endMessage(keyValue)
  }
}

const spanFlags = (context: SpanContext, isRemote: boolean | undefined) =>
  (context.traceFlags & 0xff) | hasIsRemoteFlag | (isRemote === true ? isRemoteFlag : 0)

function writeSpan(out: ProtobufBytes, span: ReadableSpan): void {
  const start = out.startMessage()
  const context = span.spanContext()
  out.hexField(1, context.traceId)
  out.hexField(2, context.spanId)
  const traceState = context.traceState?.serialize()
  if (traceState) out.stringField(3, traceState)
  const parent = span.parentSpanContext
  if (parent?.spanId) out.hexField(4, parent.spanId)
  out.stringField(5, span.name)
  // OTLP's SpanKind counts from UNSPECIFIED = 0; the API's from INTERNAL = 0.
  const kind = span.kind == null ? 0 : span.kind + 1
  if (kind !== 0) out.varintField(6, kind)
  writeTime(out, 7, span.startTime)
  writeTime(out, 8, span.endTime)
  if (span.attributes) writeAttributes(out, span.attributes, 9)
  out.varintField(10, span.droppedAttributesCount)
  for (const event of span.events) {
    const eventStart = out.startMessageField(11)
    writeTime(out, 1, event.time)
    out.stringField(2, event.name)
    if (event.attributes) writeAttributes(out, event.attributes, 3)
    out.varintField(4, event.droppedAttributesCount || 0)
    out.endMessage(eventStart)
  }
  out.varintField(12, span.droppedEventsCount)
  for (const link of span.links) {
    const linkStart = out.startMessageField(13)
    out.hexField(1, link.context.traceId)
    out.hexField(2, link.context.spanId)
    const linkTraceState = link.context.traceState?.serialize()
    if (linkTraceState) out.stringField(3, linkTraceState)
    if (link.attributes) writeAttributes(out, link.attributes, 4)
    out.varintField(5, link.droppedAttributesCount || 0)
    out.fixed32Field(6, spanFlags(link.context, link.context.isRemote))
    out.endMessage(linkStart)
  }
  out.varintField(14, span.droppedLinksCount)
  const status = out.startMessageField(15)
  if (span.status.message) out.stringField(2, span.status.message)
  out.varintField(3, span.status.code)
  out.endMessage(status)
  out.fixed32Field(16, spanFlags(context, parent?.isRemote))
  out.endMessage(start)
}

function writeScopeSpans(out: ProtobufBytes, scope: InstrumentationScope, spans: ReadableSpan[]): void {
  const start = out.startMessage()
  const scopeStart = out.startMessageField(1)
  out.stringField(1, scope.name)
  if (scope.version) out.stringField(2, scope.version)
  if (scope.attributes) writeAttributes(out, scope.attributes, 3)
  if (scope.droppedAttributesCount) out.varintField(4, scope.droppedAttributesCount)
  out.endMessage(scopeStart)
  for (const span of spans) {
    out.tag(2, lengthDelimitedType)
    writeSpan(out, span)
  }
  if (scope.schemaUrl) out.stringField(3, scope.schemaUrl)
  out.endMessage(start)
}

function writeResourceSpans(out: ProtobufBytes, resource: Resource, scopes: Map<InstrumentationScope, ReadableSpan[]>) {
  const start = out.startMessage()
  const resourceStart = out.startMessageField(1)
  if (resource.attributes) writeAttributes(out, resource.attributes, 1)
  // dropped_attributes_count: a Resource keeps none.
  out.varintField(2, 0)
  out.endMessage(resourceStart)
  for (const [scope, spans] of scopes) {
    out.tag(2, lengthDelimitedType)
    writeScopeSpans(out, scope, spans)
  }
  if (resource.schemaUrl) out.stringField(3, resource.schemaUrl)
  out.endMessage(start)
}

/** The size of the last request: the next one, of about as many spans, starts with room for it. */
let lastRequestBytes = 64 * 1024

export function encodeSpans(spans: ReadableSpan[]): Uint8Array {
  // Grouped as the library groups them: by resource, then by scope, each in order of its first span.
  const byResource = new Map<Resource, Map<InstrumentationScope, ReadableSpan[]>>()
  for (const span of spans) {
    let scopes = byResource.get(span.resource)
    if (scopes === undefined) byResource.set(span.resource, (scopes = new Map()))
    const scoped = scopes.get(span.instrumentationScope)
    if (scoped === undefined) scopes.set(span.instrumentationScope, [span])
    else scoped.push(span)
  }
  const out = new ProtobufBytes(lastRequestBytes + (lastRequestBytes >>> 3))
  for (const [resource, scopes] of byResource) {
    out.tag(1, lengthDelimitedType)
    writeResourceSpans(out, resource, scopes)
  }
  lastRequestBytes = out.position
  return out.bytes.subarray(0, out.position)
}

/** The OTLP exporter's serializer: spans encoded here, the collector's answer read by the library's. */
export const protobufSpanSerializer: ISerializer<ReadableSpan[], IExportTraceServiceResponse> = {
  serializeRequest: encodeSpans,
  deserializeResponse: ProtobufTraceSerializer.deserializeResponse,
}
