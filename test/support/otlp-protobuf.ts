/**
 * Just enough of the protobuf wire format to read what an OTLP/HTTP protobuf export holds: the spans' names
 * and the resource's attributes of an ExportTraceServiceRequest (opentelemetry/proto/collector/trace/v1).
 * Written for the tests, as no package the project depends on decodes OTLP: the exporter only encodes it.
 */

/** A message's fields by number: varints as numbers, length-delimited fields as their bytes. */
type Fields = Map<number, (number | Buffer)[]>

function readVarint(bytes: Buffer, at: { offset: number }): number {
  let value = 0
  let shift = 0
  for (;;) {
    const byte = bytes[at.offset++]
    if (byte === undefined) throw new Error('protobuf: a varint runs past the end')
    value += (byte & 0x7f) * 2 ** shift
    if (byte < 0x80) return value
    shift += 7
  }
}

function protobufFields(bytes: Buffer): Fields {
  const fields: Fields = new Map()
  const at = { offset: 0 }
  while (at.offset < bytes.length) {
    const tag = readVarint(bytes, at)
    const [field, wireType] = [Math.floor(tag / 8), tag % 8]
    let value: number | Buffer
    if (wireType === 0) value = readVarint(bytes, at)
    else if (wireType === 1 || wireType === 5) {
      const size = wireType === 1 ? 8 : 4
      value = bytes.subarray(at.offset, at.offset + size)
      at.offset += size
    } else if (wireType === 2) {
      const length = readVarint(bytes, at)
      value = bytes.subarray(at.offset, at.offset + length)
      at.offset += length
    } else throw new Error(`protobuf: wire type ${wireType} is not OTLP's`)
    if (at.offset > bytes.length) throw new Error('protobuf: a field runs past the end')
    const values = fields.get(field)
    if (values === undefined) fields.set(field, [value])
    else values.push(value)
  }
  return fields
}

const messages = (fields: Fields, field: number) =>
  (fields.get(field) ?? []).map((value) => protobufFields(value as Buffer))
const text = (fields: Fields, field: number) => (fields.get(field)?.[0] as Buffer | undefined)?.toString('utf8')

/** What the tests read of an export: each resource's string attributes, and the names of its spans. */
export function exportedSpans(body: Buffer): { resource: Record<string, string>; spanNames: string[] }[] {
  // ExportTraceServiceRequest.resource_spans = 1; ResourceSpans.resource = 1, .scope_spans = 2;
  // Resource.attributes = 1 (KeyValue: key = 1, value = 2, AnyValue.string_value = 1); ScopeSpans.spans = 2; Span.name = 5.
  return messages(protobufFields(body), 1).map((resourceSpans) => ({
    resource: Object.fromEntries(
      messages(messages(resourceSpans, 1)[0] ?? new Map(), 1).map((keyValue) => [
        text(keyValue, 1),
        text(messages(keyValue, 2)[0] ?? new Map(), 1),
      ]),
    ),
    spanNames: messages(resourceSpans, 2).flatMap((scopeSpans) =>
      messages(scopeSpans, 2).map((span) => text(span, 5) ?? ''),
    ),
  }))
}
