/**
 * Client text never costs more than linear time (issue 11): adversarial variables, documents,
 * operation names, headers and query strings, sent through every path that reads client text, in
 * production mode (`introspection: false`, no suggestions) on each lane, and in the default mode (with
 * metrics and tracing on, so through yoga), must leave the event loop responsive and get a proper answer.
 *
 * The bound is generous on purpose: linear handling of a 100 KB body or a 16 KB header holds the loop
 * for tens of milliseconds at most, even on a busy machine, while the patterns of issue 11 took seconds
 * (25 s for a 90 KB variable key). Two of them cost under a second at the default limits (a 16 KB
 * Authorization header with a run of spaces, a 90 KB string literal full of 'Did you mean "'): they are
 * also sent to a gateway with raised limits (1 MiB bodies, 64 KiB headers, as `MAX_REQUEST_BODY_BYTES`
 * and Node's `--max-http-header-size` allow), where they cost seconds.
 */
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'

import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { GatewayOptions } from '../src/gateway.js'
import { type Harness, startHarness, withApiKey } from './support/harness.js'

/** The longest the event loop may be held by one hostile request. */
const boundMs = 1_000
/** A regression costs seconds per request: room for the assertion to name it rather than time out. */
const regressionRoomMs = 180_000

/** What graphql-js echoes into error messages, and what the old patterns backtracked over. */
const spaces = (length: number) => ' '.repeat(length) + 'x'
const suggestionsWithoutEnd = (length: number) => 'Did you mean '.repeat(Math.ceil(length / 13))
const quotedSuggestions = (length: number) => 'Did you mean "'.repeat(Math.ceil(length / 14))
/** The text as a GraphQL block string: the period keeps its last quote from running into the closing ones. */
const blockString = (text: string) => `"""${text}."""`

const read = '{ clientSession(userIdentifierKey: "user_42") { clientSessionId } }'
const persistedQuery = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } })
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const longComment = (length: number) => `#${'x'.repeat(length)}\n{ __typename }`
const grant = `mutation ($input: GrantClientSessionAccessInput!) {
  grantClientSessionAccess(input: $input) { clientSession { clientSessionId } } }`
const list = 'query ($filter: ClientSessionsFilter) { clientSessions(filter: $filter) { clientSessionId } }'
const entities = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on ClientSession { clientSessionId } } }`

interface HostileRequest {
  name: string
  /** Path and query string, `/graphql` by default. */
  path?: string
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  /** JSON-encoded as the body of a POST. */
  body?: unknown
}

const post = (name: string, body: unknown, headers: Record<string, string> = withApiKey): HostileRequest => ({
  name,
  body,
  headers,
})

/** A GET as a script sends it: CSRF prevention lets it through, so the query string is read. */
const get = (name: string, params: Record<string, string>): HostileRequest => ({
  name,
  method: 'GET',
  path: `/graphql?${new URLSearchParams(params)}`,
  headers: { ...withApiKey, 'x-graphql-yoga-csrf': '1' },
})

/** 100 KB bodies: variables' keys and values, nested too, the document, operationName. */
function hostileBodies(length = 90_000): HostileRequest[] {
  return [
    post('a variable key of spaces', { query: grant, variables: { input: { [spaces(length)]: 1 } } }),
    post('a variable key of suggestions', { query: grant, variables: { input: { [quotedSuggestions(length)]: 1 } } }),
    post('a variable value of spaces', { query: grant, variables: { input: { userIdentifierKey: spaces(length) } } }),
    post('a variable value of suggestions', {
      query: list,
      variables: { filter: { withoutUserIdentifierKey: suggestionsWithoutEnd(length) } },
    }),
    post('a key of spaces in an object in a list in an input', {
      query: grant,
      variables: { input: { clientSessionId: 'a', connectWebviewIds: [{ [spaces(length)]: [spaces(8)] }] } },
    }),
    post('a list item of spaces in an input', {
      query: grant,
      variables: { input: { clientSessionId: 'a', connectWebviewIds: [spaces(length)] } },
    }),
    post('a key of spaces in a federation representation', {
      query: entities,
      variables: { representations: [{ __typename: 'ClientSession', [spaces(length)]: { [spaces(8)]: 1 } }] },
    }),
    post('a value of spaces in a federation representation', {
      query: entities,
      variables: { representations: [{ __typename: 'ClientSession', userIdentifierKey: spaces(length) }] },
    }),
    post('a document of whitespace', { query: `{${' '.repeat(length)}__typename }` }),
    post('a document of one comment', { query: `#${'x'.repeat(length)}\n{ __typename }` }),
    post('a string literal of spaces', {
      query: `{ clientSession(userIdentifierKey: "${spaces(length)}") { clientSessionId } }`,
    }),
    post('a block string of suggestions where a Boolean goes', {
      query: `{ clientSessions(filter: { withoutUserIdentifierKey: ${blockString(quotedSuggestions(length))} }) {
        clientSessionId } }`,
    }),
    post('an unknown field with a long name', { query: `{ ${'clientSession'.repeat(length / 13)} }` }),
    post('a long operationName', { query: read, operationName: 'Op'.repeat(length / 2) }),
    post('an operationName of spaces and suggestions', {
      query: read,
      operationName: spaces(length / 2) + suggestionsWithoutEnd(length / 2),
    }),
    post('a documentId of spaces', { documentId: spaces(length) }),
    post('a documentId of sha256: prefixes', { documentId: 'sha256:'.repeat(length / 7) }),
    post('an APQ hash of spaces', { extensions: persistedQuery(spaces(length)) }),
    post('an APQ hash of spaces beside a text', { query: read, extensions: persistedQuery(spaces(length)) }),
    post('a long text registered by its hash', {
      query: longComment(length),
      extensions: persistedQuery(sha256(longComment(length))),
    }),
  ]
}

/** 16 KB headers, one at a time: Node refuses more than 16 KiB of them in all. */
function hostileHeaders(length = 16_000): HostileRequest[] {
  const withHeader = (name: string, value: string): HostileRequest =>
    post(`a long ${name} header`, { query: read }, { ...withApiKey, [name]: value })
  return [
    post(
      'an Authorization header with a run of spaces',
      { query: read },
      { authorization: `Bearer x${spaces(length)}` },
    ),
    post(
      'an Authorization header with a long token',
      { query: read },
      { authorization: `Bearer ${'a'.repeat(length)}` },
    ),
    post('an Authorization header of another scheme', { query: read }, { authorization: `Basic${spaces(length)}` }),
    withHeader('seam-workspace', `a${spaces(length)}`),
    withHeader('seam-publishable-key', `seam_pk${spaces(length)}`),
    withHeader('x-request-id', `a${spaces(length)}`),
    withHeader('origin', `http://${'a'.repeat(length)}`),
    withHeader('accept', `application/json,${spaces(length)}`),
    withHeader('content-type', `application/json;${' charset=utf-8;'.repeat(length / 15)}`),
    withHeader('traceparent', `00-${spaces(length)}`),
    withHeader('tracestate', `a=${'b,'.repeat(length / 2)}`),
  ]
}

/** GET query strings, within the 16 KiB Node allows for the request line and headers. */
function hostileQueryStrings(length = 15_000): HostileRequest[] {
  return [
    get('a GET with a variable key of spaces', {
      query: list,
      variables: JSON.stringify({ filter: { [spaces(length)]: true } }),
    }),
    get('a GET with a document of whitespace', { query: `{${' '.repeat(length)}__typename }` }),
    get('a GET with a long operationName', { query: read, operationName: spaces(length) }),
    get('a GET with a long unknown parameter', { [spaces(length)]: 'x', query: '{ __typename }' }),
    get('a GET with a documentId of spaces', { documentId: spaces(length) }),
    get('a GET with an APQ hash of spaces', { extensions: JSON.stringify(persistedQuery(spaces(length))) }),
  ]
}

interface Result {
  data?: unknown
  errors?: { extensions?: { code?: unknown } }[]
}

interface Answer {
  status: number
  /** An array for a batch. */
  body: Result | Result[]
}

async function send(origin: string, request: HostileRequest): Promise<Answer> {
  const response = await fetch(new URL(request.path ?? '/graphql', origin), {
    method: request.method ?? 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...request.headers,
    },
    ...(request.body !== undefined && { body: JSON.stringify(request.body) }),
  })
  return { status: response.status, body: (await response.json()) as Answer['body'] }
}

const resolutionMs = 10

/** How long the event loop was held at most while `work` ran. */
async function longestEventLoopDelayMs(work: () => Promise<void>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs })
  histogram.enable()
  try {
    // The histogram's first tick records nothing, only when it happened: a block before it would be missed.
    await sleep(2 * resolutionMs)
    await work()
    // And a block at the very end is recorded by the tick after it.
    await sleep(2 * resolutionMs)
  } finally {
    histogram.disable()
  }
  return histogram.max / 1e6
}

/**
 * Sends each request in turn and measures it. Stops at the first that holds the event loop too long:
 * after a regression, the next ones would take as long again.
 */
async function sendAll(origin: string, requests: HostileRequest[]) {
  const slow: { name: string; delayMs: number }[] = []
  const improper: { name: string; answer: Answer }[] = []
  for (const request of requests) {
    let answer: Answer | undefined
    const delayMs = await longestEventLoopDelayMs(async () => {
      answer = await send(origin, request)
    })
    if (!isProper(answer!)) improper.push({ name: request.name, answer: answer! })
    if (delayMs > boundMs) {
      slow.push({ name: request.name, delayMs: Math.round(delayMs) })
      break
    }
  }
  return { slow, improper }
}

/** Success, or errors that each carry a code: never a crash, which would be INTERNAL_SERVER_ERROR or a 5xx. */
function isProper({ status, body }: Answer): boolean {
  const isProperResult = (result: Result) => {
    const codes = (result.errors ?? []).map((error) => error.extensions?.code)
    const answered = codes.length > 0 || result.data !== undefined
    return answered && codes.every((code) => typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR')
  }
  return status < 500 && (Array.isArray(body) ? body.length > 0 && body.every(isProperResult) : isProperResult(body))
}

describe.each<[string, Partial<GatewayOptions>]>([
  ['in production mode, on the lean lane', { introspection: false }],
  ['in production mode, through yoga', { introspection: false, fastLane: false }],
  [
    'in the default mode, with metrics and tracing',
    { metrics: {}, tracing: { tracerProvider: new BasicTracerProvider() } },
  ],
  [
    'with trusted documents beside texts',
    { introspection: false, trustedDocuments: new Map([['read', read]]), trustedDocumentsOnly: false },
  ],
])('client text %s', (_, gateway) => {
  let harness: Harness
  let origin: string
  beforeAll(async () => {
    harness = await startHarness({ gateway })
    origin = new URL(harness.gatewayUrl).origin
  })
  afterAll(() => harness.close())

  it(
    'takes linear time in 100 KB variables, documents and operation names, and answers each',
    async () => {
      expect(await sendAll(origin, hostileBodies())).toEqual({ slow: [], improper: [] })
    },
    regressionRoomMs,
  )

  it(
    'takes linear time in 16 KB headers, and answers each',
    async () => {
      expect(await sendAll(origin, hostileHeaders())).toEqual({ slow: [], improper: [] })
    },
    regressionRoomMs,
  )

  it(
    'takes linear time in GET query strings, and answers each',
    async () => {
      expect(await sendAll(origin, hostileQueryStrings())).toEqual({ slow: [], improper: [] })
    },
    regressionRoomMs,
  )
})

describe('client text through the rate limit, three proxy hops trusted', () => {
  let harness: Harness
  let origin: string
  beforeAll(async () => {
    harness = await startHarness({ gateway: { rateLimitPerMinute: 1_000_000, trustProxyHops: 3 } })
    origin = new URL(harness.gatewayUrl).origin
  })
  afterAll(() => harness.close())

  it(
    'takes linear time in 16 KB headers and X-Forwarded-For values, and answers each',
    async () => {
      // Without a credential: the caller is then read from X-Forwarded-For.
      const forwardedFor = (name: string, value: string) =>
        post(`X-Forwarded-For: ${name}`, { query: '{ __typename }' }, { 'x-forwarded-for': value })
      const requests = [
        ...hostileHeaders(),
        forwardedFor('a run of spaces', spaces(15_000)),
        forwardedFor('a run of commas', ','.repeat(15_000)),
        forwardedFor('a run of addresses', '192.0.2.1,'.repeat(1_500)),
        forwardedFor('spaces and commas, an address last', `${' ,'.repeat(7_000)}192.0.2.1`),
      ]
      expect(await sendAll(origin, requests)).toEqual({ slow: [], improper: [] })
    },
    regressionRoomMs,
  )
})

describe('client text with raised limits: 1 MiB bodies, batches of 5, 64 KiB of headers', () => {
  let harness: Harness
  let server: Server
  let origin: string
  beforeAll(async () => {
    harness = await startHarness({ gateway: { introspection: false, maxRequestBodyBytes: 1024 * 1024, batchLimit: 5 } })
    server = createServer({ maxHeaderSize: 64 * 1024 }, harness.gateway.requestListener)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
    await harness.close()
  })

  it(
    'takes linear time in a 60 KB Authorization header, a 300 KB document and a batch, and answers each',
    async () => {
      const batch = (length: number) =>
        post(
          'a batch of operations with keys of spaces',
          Array.from({ length: 5 }, () => ({ query: grant, variables: { input: { [spaces(length)]: 1 } } })),
        )
      const requests = [
        ...hostileHeaders(60_000).filter(({ name }) => name.startsWith('an Authorization')),
        ...hostileBodies(300_000).filter(({ name }) => name.startsWith('a block string')),
        batch(30_000),
      ]
      expect(await sendAll(origin, requests)).toEqual({ slow: [], improper: [] })
    },
    regressionRoomMs,
  )
})
