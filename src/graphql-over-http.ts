/**
 * GraphQL over HTTP as yoga answers a JSON POST, for the lean lane (./lean-lane.ts), which must answer
 * exactly as yoga does: which of the two JSON media types an `Accept` header gets, and the status,
 * headers and body of a result in it. Ported from graphql-yoga 5 (`result-processor/accept`, `regular`
 * and `stringify`, and `getResponseInitByRespectingErrors`); test/lanes-agree.test.ts holds both lanes
 * to the same answers.
 */
import { type ExecutionResult, GraphQLError } from 'graphql'

export type JsonMediaType = 'application/graphql-response+json' | 'application/json'

/** In the order yoga tries them: when an Accept entry matches both, the later one wins. */
const jsonMediaTypes: readonly JsonMediaType[] = ['application/graphql-response+json', 'application/json']

/** Whether `requested` (which may have wildcards) covers `mediaType`, as yoga matches them. */
function covers(requested: string, mediaType: JsonMediaType): boolean {
  const [type, subtype] = requested.split('/')
  const [jsonType, jsonSubtype] = mediaType.split('/')
  return (type === '*' || type === jsonType) && (subtype === '*' || subtype === jsonSubtype)
}

/**
 * The JSON media type yoga answers a request with this `Accept` header in, or undefined when it would
 * answer otherwise: with events or a multipart stream, or with 406. The first entry (in the header's
 * order) that covers a JSON type decides; wildcards, which cover both, get `application/json`; an entry with
 * a charset other than UTF-8 counts for nothing.
 */
export function acceptedJsonMediaType(accept: string | undefined): JsonMediaType | undefined {
  if (accept === undefined) return 'application/json'
  return commonAccepts.get(accept) ?? negotiated(accept)
}

function negotiated(accept: string): JsonMediaType | undefined {
  const entries = (accept || '*/*').replace(/\s/g, '').toLowerCase().split(',')
  for (const entry of entries) {
    const [requested = '', ...parameters] = entry.split(';')
    const charset = parameters.find((parameter) => parameter.includes('charset=')) ?? 'charset=utf-8'
    if (charset !== 'charset=utf-8') continue
    let chosen: JsonMediaType | undefined
    for (const mediaType of jsonMediaTypes) if (covers(requested, mediaType)) chosen = mediaType
    if (chosen !== undefined) return chosen
  }
  return undefined
}

/** What GraphQL clients send, worked out once. */
const commonAccepts = new Map(
  [
    '*/*',
    'application/json',
    'application/graphql-response+json',
    'application/graphql-response+json, application/json',
    'application/graphql-response+json, application/json;q=0.9',
    'application/graphql-response+json;charset=utf-8, application/json;charset=utf-8',
  ].map((accept) => [accept, negotiated(accept)]),
)

/** A GraphQLError all the way down: an error graphql-js or the gateway raised on purpose, not a fault. */
function isOriginalGraphQLError(error: unknown): boolean {
  if (!(error instanceof GraphQLError)) return false
  return error.originalError == null || isOriginalGraphQLError(error.originalError)
}

interface HttpExtension {
  status?: number
  /** A refusal GraphQL over HTTP answers with 200 to clients that ask for `application/json`. */
  spec?: boolean
  headers?: Record<string, string>
}

/** The status and headers of `result` in `mediaType`. */
export function responseInit(
  result: ExecutionResult,
  mediaType: JsonMediaType,
): { status: number; headers: Record<string, string> } {
  const headers: Record<string, string> = { 'Content-Type': `${mediaType}; charset=utf-8` }
  const errors = result.errors ?? []
  // 200 rather than a spec'd 4xx only for `application/json`, and only when some error is the gateway's
  // or graphql-js's own.
  const json =
    mediaType === 'application/json' &&
    errors.length > 0 &&
    errors.some((error) => error instanceof GraphQLError) &&
    errors.some((error) => {
      const originalError = error.extensions?.['originalError']
      return originalError == null || originalError instanceof GraphQLError
    })
  let status: number | undefined
  let unexpected = false
  for (const error of errors) {
    const http = error.extensions?.['http'] as HttpExtension | undefined
    if (http !== undefined) {
      if (http.headers !== undefined) Object.assign(headers, http.headers)
      if (json && http.spec === true) continue
      if (http.status !== undefined && http.status !== 0 && (status === undefined || http.status > status)) {
        status = http.status
      }
    } else if (!isOriginalGraphQLError(error) || error.extensions?.['unexpected'] === true) {
      unexpected = true
    }
  }
  status ??= unexpected && !('data' in result) ? 500 : 200
  return { status, headers }
}

/** An error as a client reads it: `extensions` without what only yoga reads (`http`, `unexpected`). */
function errorForClient(error: GraphQLError) {
  const { http: _http, unexpected: _unexpected, ...extensions } = error.extensions ?? {}
  return {
    message: error.message,
    ...(error.locations !== undefined && { locations: error.locations }),
    ...(error.path !== undefined && { path: error.path }),
    ...(Object.keys(extensions).length > 0 && { extensions }),
  }
}

/**
 * The body of `result`, as yoga writes it. JSON.stringify, not graphql-jit's compiled `stringify`
 * (`customJSONSerializer`): that one is quicker on a small answer, but its JSON schema knows no custom
 * scalar, so it refuses to compile every operation that selects a `DateTime`.
 */
export function responseBody(result: ExecutionResult): string {
  if (result.errors === undefined || result.errors.length === 0) return JSON.stringify(result)
  return JSON.stringify({ ...result, errors: result.errors.map(errorForClient) })
}
