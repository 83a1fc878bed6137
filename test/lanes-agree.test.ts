/**
 * One behaviour, two lanes: the same corpus of requests goes to a gateway with the lean lane on and to
 * one with it off (yoga serves everything), each in front of its own fake Seam seeded alike, and every
 * answer must be the same: status and reason, every header but `Date`, the body, the request-log line,
 * what the operator's log says of errors (first lines: stacks differ), and what Seam was sent. Generated values that legitimately differ between two runs (UUIDs, client
 * session tokens and creation times the fake makes up, request ids the gateway makes up, durations) are
 * compared by shape only.
 *
 * The corpus covers every operation, each row of docs/errors.md's error table, each operation limit and the
 * upstream-call budget, malformed bodies and parameters, variables of the wrong type, unknown operation
 * names, Accept and Content-Type values, listed, unlisted and `null` origins, CSRF shapes, oversized
 * bodies, empty bodies, Host headers and targets that make no URL (from listed and unlisted origins too), every kind of caller credential and a
 * server-held one (refused by Seam, or one undici refuses: a fault of the gateway), callers verified by
 * their JWT (refused, forbidden, served, batched), upstream faults, an
 * operation's calls left queued when a non-null field fails, production mode and the drain. Where a case
 * says which lane must serve it, that is checked too (yoga logs at debug level what it serves; the lane
 * logs nothing), so that a lane that handed everything to yoga would fail; where it says what the answer
 * must be, that is checked on the lean lane's answer, so that both lanes being wrong alike fails too.
 *
 * With metrics and tracing on, the corpus must also leave the same telemetry: the same `/metrics` series
 * with the same values (durations aside), and the same spans, tree by tree (names, kinds, status,
 * attributes and events, parents; times and generated ids aside).
 */
import { createHash } from 'node:crypto'
import { Agent, request as httpRequest } from 'node:http'

import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import type { JWTPayload } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { FakeSeam, Fault } from '../src/fake-seam/fake-seam.js'
import type { GatewayOptions } from '../src/gateway.js'
import type { MetricsOptions } from '../src/plugins/use-metrics.js'
import { credentialFromToken } from '../src/seam/credentials.js'
import {
  apiKey,
  clientSession,
  consoleSessionToken,
  forwardedHeaders,
  type Harness,
  personalAccessToken,
  publishableKey,
  startHarness,
  workspaceId,
} from './support/harness.js'
import { audience, claims, issuer, publicKeyPem, sign, signingKey } from './support/identity-provider.js'
import { parseSamples, type Sample } from './support/prometheus.js'

interface Probe {
  name: string
  method?: string
  /** Default `/graphql`. */
  path?: string
  /** Sent as they are: no header is added but `host`, `connection` and the body's framing. */
  headers?: Record<string, string | string[]>
  /** An object is sent as JSON. */
  body?: string | object
  /** Sent in chunks, without a content-length. */
  chunked?: boolean
  /** Queued on each fake Seam before the request. */
  faults?: Fault[]
  /** Which lane must serve it: true the lean lane, false yoga; unset, either. */
  lane?: boolean
  /** Begin the gateways' shutdown first (the last probe of a run). */
  shutdown?: boolean
  /**
   * Refused by the gateway's own rate limit: its seconds to wait count down from each gateway's own
   * window, a moment apart, so the header, the message and the extension are compared by shape (and must
   * name the same seconds).
   */
  rateLimited?: boolean
  /** Prepares each fake Seam alike first. */
  setUp?: (fakeSeam: FakeSeam) => void
  /** What the answer must be, beyond being the same on both lanes. */
  check?: (observed: Observed) => void
}

/** What a client (and an operator) can observe of one exchange. */
interface Observed {
  status: number
  statusMessage: string
  headers: Record<string, string | string[] | undefined>
  body: string
  logLines: unknown[]
  /** What the gateway logged as errors for an operator (yoga's logger), each by its first line: stacks differ. */
  errorLog: string[]
  upstream: unknown[]
  servedByYoga: boolean
}

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi

// The W3C Trace Context specification's example: a caller's trace, whose id comes back as it was sent.
const callerTraceId = '4bf92f3577b34da6a3ce929d0e0e4736'
const traceparent = /\b00-([0-9a-f]{32})-[0-9a-f]{16}-(0[01])\b/g

/** The values two runs make up differently, replaced by their shape. */
const normalized = (text: string) =>
  text
    .replace(traceparent, (_, traceId: string, flags: string) =>
      traceId === callerTraceId ? `00-${traceId}-<span>-${flags}` : `00-<trace>-<span>-${flags}`,
    )
    .replace(uuid, '<uuid>')
    .replace(/seam_cst1_[0-9a-f]{32}/g, '<token>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>')

/** A log line without what differs from run to run: its time and durations. */
function comparableLogLine(line: string): unknown {
  const { time, durationMs, upstreamCalls, ...rest } = JSON.parse(line) as Record<string, unknown>
  expect(typeof time).toBe('string')
  expect(typeof durationMs).toBe('number')
  return JSON.parse(
    normalized(
      JSON.stringify({
        ...rest,
        upstreamCalls: (upstreamCalls as Record<string, unknown>[]).map(({ durationMs: _durationMs, ...call }) => call),
      }),
    ),
  )
}

interface Lane {
  harness: Harness
  agent: Agent
  /** The request log's lines, from this gateway only (the harness catches every gateway's stdout). */
  requestLog: string[]
  /** This gateway's spans, when tracing is on. */
  spans: InMemorySpanExporter | undefined
}

async function exchange({ harness, agent, requestLog }: Lane, probe: Probe): Promise<Observed> {
  probe.setUp?.(harness.fakeSeam)
  harness.fakeSeam.failNext(...(probe.faults ?? []))
  if (probe.shutdown === true) harness.gateway.beginShutdown()
  const logged = harness.logs.length
  const requestLogged = requestLog.length
  const sentUpstream = harness.fakeSeam.requests.length
  const { hostname, port } = new URL(harness.gatewayUrl)
  const body =
    probe.body === undefined ? undefined : typeof probe.body === 'string' ? probe.body : JSON.stringify(probe.body)
  const response = await new Promise<Omit<Observed, 'logLines' | 'errorLog' | 'upstream' | 'servedByYoga'>>(
    (resolve, reject) => {
      const request = httpRequest(
        {
          host: hostname,
          port,
          method: probe.method ?? 'POST',
          path: probe.path ?? '/graphql',
          headers: {
            ...probe.headers,
            ...(body !== undefined && probe.chunked !== true && { 'content-length': Buffer.byteLength(body) }),
          },
          agent,
        },
        (answer) => {
          const chunks: Buffer[] = []
          answer.on('data', (chunk: Buffer) => chunks.push(chunk))
          answer.on('end', () => {
            const { date, ...headers } = answer.headers
            expect(date).toBeDefined()
            resolve({
              status: answer.statusCode ?? 0,
              statusMessage: answer.statusMessage ?? '',
              headers,
              body: Buffer.concat(chunks).toString(),
            })
          })
          answer.on('error', reject)
        },
      )
      request.on('error', reject)
      if (body !== undefined && probe.chunked === true) {
        for (let at = 0; at < body.length; at += 1000) request.write(body.slice(at, at + 1000))
      }
      request.end(probe.chunked === true ? undefined : body)
    },
  )
  const lines = harness.logs.slice(logged)
  const answered = probe.rateLimited === true ? withoutCountdown(response) : response
  return {
    ...answered,
    headers: { ...answered.headers, 'x-request-id': normalizedRequestId(probe, answered.headers['x-request-id']) },
    body: normalized(answered.body),
    logLines: requestLog.slice(requestLogged).map(comparableLogLine),
    errorLog: lines.filter((line) => line.startsWith('error ')).map((line) => normalized(line.split('\n')[0]!)),
    upstream: harness.fakeSeam.requests
      .slice(sentUpstream)
      .map(({ method, path, headers, body: sent }) =>
        JSON.parse(normalized(JSON.stringify({ method, path, headers: forwardedHeaders(headers), body: sent }))),
      ),
    servedByYoga: lines.some((line) => line.startsWith('debug ')),
  }
}

/**
 * A rate-limit refusal with its seconds to wait replaced by their shape: in the message and the extension
 * of each refusal, and in `Retry-After` when the answer has one (a batch's has none: yoga answers a batch
 * with 200); all must name the same seconds.
 */
function withoutCountdown<Answer extends Pick<Observed, 'headers' | 'body'>>(answer: Answer): Answer {
  const seconds = /"retryAfterSeconds":(\d+)/.exec(answer.body)?.[1]
  expect(seconds).toMatch(/^[1-9]\d*$/)
  const retryAfter = answer.headers['retry-after']
  if (retryAfter !== undefined) expect(retryAfter).toBe(seconds)
  const body = answer.body
    .replaceAll(`try again in ${seconds} s.`, 'try again in <seconds> s.')
    .replaceAll(`"retryAfterSeconds":${seconds}`, '"retryAfterSeconds":"<seconds>"')
  const headers = retryAfter === undefined ? answer.headers : { ...answer.headers, 'retry-after': '<seconds>' }
  return { ...answer, headers, body }
}

/** The caller's request id comes back as it was sent; one the gateway made up is only a UUID. */
function normalizedRequestId(probe: Probe, answered: string | string[] | undefined) {
  const sent = probe.headers?.['x-request-id']
  if (answered === undefined || answered === sent) return answered
  expect(answered).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  return '<generated>'
}

const session = clientSession()
const sessionId = session.client_session_id
const json = { 'content-type': 'application/json' }
const withApiKey = { ...json, authorization: `Bearer ${apiKey}` }
const seamError = (status: number, type: string): Fault => ({
  status,
  body: JSON.stringify({ error: { type, message: `Seam says ${type}`, request_id: 'req-1' } }),
  headers: { 'seam-request-id': 'req-1' },
})

/** The error codes of a JSON answer. */
const codesIn = ({ body }: Observed) =>
  (JSON.parse(body) as { errors?: { extensions?: { code?: string } }[] }).errors?.map((error) => error.extensions?.code)
/** The paths Seam was sent, in order. */
const pathsSent = ({ upstream }: Observed) => upstream.map((call) => (call as { path: string }).path)

/** A JSON POST of `query`, with an API key unless `headers` say otherwise. */
const post = (name: string, query: string, extra: Omit<Probe, 'name' | 'body'> & { variables?: object } = {}) => {
  const { variables, headers = withApiKey, ...rest } = extra
  return { name, body: { query, ...(variables !== undefined && { variables }) }, headers, ...rest }
}

const read = '{ clientSession(userIdentifierKey: "user_42") { clientSessionId token expiresAt deviceCount } }'
const sessionFields =
  'clientSessionId workspaceId createdAt expiresAt token userIdentifierKey deviceCount connectedAccountIds connectWebviewIds userIdentityId userIdentityIds customerKey'
const grant = `mutation Grant($input: GrantClientSessionAccessInput!) { grantClientSessionAccess(input: $input) { clientSession { clientSessionId connectWebviewIds } } }`
const entities =
  'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on ClientSession { clientSessionId userIdentifierKey } } }'
const aliasedReads = (count: number) =>
  `{ ${Array.from({ length: count }, (_, index) => `s${index}: clientSession(userIdentifierKey: "user_${index}") { token }`).join(' ')} }`

/** Every operation of the schema, with each kind of credential that may call it. */
const operations: Probe[] = [
  post(
    'clientSession by user identifier key, every field',
    `{ clientSession(userIdentifierKey: "user_42") { ${sessionFields} } }`,
    { lane: true },
  ),
  post('clientSession by id', `query Session { clientSession(clientSessionId: "${sessionId}") { token } }`, {
    lane: true,
  }),
  post('clientSession Seam does not know', '{ clientSession(userIdentifierKey: "nobody") { token } }'),
  post(
    'clientSession with its own client session token',
    `{ clientSession(clientSessionId: "${sessionId}") { token } }`,
    {
      headers: { ...json, authorization: `Bearer ${session.token}` },
    },
  ),
  post('clientSessions', '{ clientSessions { clientSessionId userIdentifierKey } }', { lane: true }),
  post(
    'clientSessions with a filter, in variables',
    'query ($filter: ClientSessionsFilter) { clientSessions(filter: $filter) { token } }',
    {
      variables: { filter: { userIdentifierKey: 'user_42', withoutUserIdentifierKey: false } },
    },
  ),
  post('clientSessions with a personal access token and its workspace', '{ clientSessions { clientSessionId } }', {
    headers: { ...json, authorization: `Bearer ${personalAccessToken}`, 'seam-workspace': workspaceId },
  }),
  post('clientSessions with a console session token and its workspace', '{ clientSessions { clientSessionId } }', {
    headers: { ...json, authorization: `Bearer ${consoleSessionToken}`, 'seam-workspace': workspaceId },
  }),
  post('_entities by either key, unknown and keyless', entities, {
    variables: {
      representations: [
        { __typename: 'ClientSession', clientSessionId: sessionId },
        { __typename: 'ClientSession', userIdentifierKey: 'user_42' },
        { __typename: 'ClientSession', clientSessionId: 'unknown' },
        { __typename: 'ClientSession' },
      ],
    },
    lane: true,
  }),
  post('_service', '{ _service { sdl } }'),
  post(
    'createClientSession',
    'mutation { createClientSession(input: { userIdentifierKey: "maria", expiresAt: "2027-06-30T12:00:00+02:00" }) { clientSession { clientSessionId token expiresAt createdAt } } }',
    { lane: true },
  ),
  post(
    'createClientSession again: ALREADY_EXISTS',
    'mutation { createClientSession(input: { userIdentifierKey: "maria" }) { clientSession { token } } }',
  ),
  post(
    'getOrCreateClientSession with a publishable key',
    'mutation { getOrCreateClientSession(input: { userIdentifierKey: "jane" }) { clientSession { token userIdentifierKey } } }',
    {
      headers: { ...json, 'seam-publishable-key': publishableKey },
    },
  ),
  post(
    'getOrCreateClientSession of an existing session',
    'mutation { getOrCreateClientSession(input: { userIdentifierKey: "user_42" }) { clientSession { clientSessionId } } }',
  ),
  post('grantClientSessionAccess, variables and an operation name', grant, {
    variables: { input: { clientSessionId: sessionId, connectWebviewIds: ['dad03fb2-f801-449c-ab88-0529728c7c38'] } },
    lane: true,
  }),
  post('grantClientSessionAccess, read back when Seam answers {}', grant, {
    variables: { input: { clientSessionId: sessionId } },
    setUp: (fakeSeam) => {
      fakeSeam.grantAnswer = 'empty'
    },
    lane: true,
  }),
  post(
    'clientSessions, 300 of them',
    '{ clientSessions { clientSessionId userIdentifierKey createdAt deviceCount } }',
    {
      setUp: (fakeSeam) => {
        fakeSeam.grantAnswer = 'client_session'
        fakeSeam.seedClientSessions(300)
      },
      lane: true,
    },
  ),
  post(
    'text beyond ASCII, in the document and its variables',
    '# ünïcödé ✓\nquery ($key: String) { clientSession(userIdentifierKey: $key) { token } other: clientSession(userIdentifierKey: "snow ☃ \\u2028") { token } }',
    {
      variables: { key: 'ключ 🔑\u2028' },
      lane: true,
    },
  ),
  {
    name: 'grantClientSessionAccess named by operationName',
    headers: withApiKey,
    body: { query: grant, operationName: 'Grant', variables: { input: { userIdentifierKey: 'user_42' } } },
    lane: true,
  },
]

/** Last: the seeded session is revoked, then gone. */
const revokeAndDelete: Probe[] = [
  post(
    'revokeClientSession',
    `mutation { revokeClientSession(input: { clientSessionId: "${sessionId}" }) { clientSessionId } }`,
  ),
  post('clientSession with its revoked token', `{ clientSession(clientSessionId: "${sessionId}") { token } }`, {
    headers: { ...json, authorization: `Bearer ${session.token}` },
  }),
  post(
    'deleteClientSession',
    `mutation { deleteClientSession(input: { clientSessionId: "${sessionId}" }) { clientSessionId } }`,
  ),
  post('clientSession after its deletion', read),
]

/** Each row of docs/errors.md's error table that a request can produce, and the operation limits. */
const errors: Probe[] = [
  post('BAD_USER_INPUT from a resolver', '{ clientSession { token } }', { lane: true }),
  post(
    'BAD_USER_INPUT: a variable of the wrong type',
    'query ($key: String) { clientSession(userIdentifierKey: $key) { token } }',
    { variables: { key: 5 }, lane: true },
  ),
  post(
    'BAD_USER_INPUT: a list where an input object is due',
    'query ($filter: ClientSessionsFilter) { clientSessions(filter: $filter) { token } }',
    { variables: { filter: [] } },
  ),
  post('BAD_USER_INPUT: an unknown input field, with a suggestion', grant, {
    variables: { input: { clientSessionIdd: 'x' } },
  }),
  post('BAD_USER_INPUT: a required variable missing', grant),
  post('BAD_USER_INPUT: a malformed Authorization', read, { headers: { ...json, authorization: 'Bearer two words' } }),
  post('BAD_USER_INPUT: a seam-workspace that is no UUID', read, {
    headers: { ...withApiKey, 'seam-workspace': 'nope' },
  }),
  post(
    'BAD_USER_INPUT: Seam answers 400',
    'mutation { revokeClientSession(input: { clientSessionId: "not-a-uuid" }) { clientSessionId } }',
  ),
  post('UNAUTHENTICATED: no credential', read, { headers: json, lane: true }),
  post('UNAUTHENTICATED: another scheme', read, { headers: { ...json, authorization: 'Basic dXNlcjpwYXNz' } }),
  post('UNAUTHENTICATED: a client session token on a mutation', grant, {
    variables: { input: { userIdentifierKey: 'user_42' } },
    headers: { ...json, authorization: `Bearer ${session.token}` },
  }),
  post('UNAUTHENTICATED: Seam does not know the key', read, {
    headers: { ...json, authorization: 'Bearer seam_unknown_key123' },
  }),
  post('FORBIDDEN: Seam answers 403', read, { faults: [seamError(403, 'forbidden')] }),
  post('NOT_FOUND: a grant to a session Seam does not know', grant, {
    variables: { input: { clientSessionId: '00000000-0000-4000-8000-000000000000' } },
  }),
  post('RATE_LIMITED with a Retry-After too long to wait', read, {
    faults: [{ ...seamError(429, 'rate_limited'), headers: { 'retry-after': '60' } }],
  }),
  post('UPSTREAM_ERROR: 500 after every retry', read, { faults: [{ status: 500 }, { status: 500 }, { status: 500 }] }),
  post('UPSTREAM_ERROR: an HTML page', '{ clientSessions { token } }', {
    faults: [{ status: 200, contentType: 'text/html', body: '<html>' }],
  }),
  post('UPSTREAM_ERROR: 404 without Seam’s error body', grant, {
    variables: { input: { userIdentifierKey: 'user_42' } },
    faults: [{ status: 404, body: 'no' }],
  }),
  post('UPSTREAM_UNAVAILABLE: connections reset', read, {
    faults: [{ reset: true }, { reset: true }, { reset: true }],
  }),
  post(
    'GATEWAY_TIMEOUT',
    `mutation { deleteClientSession(input: { clientSessionId: "${sessionId}" }) { clientSessionId } }`,
    { faults: [{ delayMs: 700 }] },
  ),
  post('GRAPHQL_PARSE_FAILED', '{ clientSession(userIdentifierKey: "x") { token }', { lane: true }),
  post('GRAPHQL_PARSE_FAILED: an empty document', ''),
  post('GRAPHQL_VALIDATION_FAILED, with a suggestion', '{ clientSesion(userIdentifierKey: "x") { token } }', {
    lane: true,
  }),
  post('GRAPHQL_VALIDATION_FAILED: a type name suggested', '{ _entities(representations: []) { token } }'),
  post('OPERATION_LIMIT_EXCEEDED: aliases', aliasedReads(16), { lane: true }),
  post(
    'OPERATION_LIMIT_EXCEEDED: depth',
    '{ __type(name: "ClientSession") { fields { type { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } }',
  ),
  post('OPERATION_LIMIT_EXCEEDED: tokens', `{ ${Array.from({ length: 1001 }, () => '__typename').join(' ')} }`),
  post(
    'OPERATION_LIMIT_EXCEEDED: cost',
    `{ __type(name: "ClientSession") { fields { type { ofType { ofType { ofType { ${Array.from({ length: 480 }, () => 'name').join(' ')} } } } } } } }`,
  ),
  post(
    'OPERATION_LIMIT_EXCEEDED: directives',
    `{ ${Array.from({ length: 51 }, (_, index) => `t${index}: __typename @include(if: true)`).join(' ')} }`,
  ),
  post('UPSTREAM_CALL_BUDGET_EXCEEDED, predicted once per document', aliasedReads(5), { lane: true }),
  post('UPSTREAM_CALL_BUDGET_EXCEEDED, predicted from the variables', entities, {
    variables: {
      representations: Array.from({ length: 5 }, (_, index) => ({
        __typename: 'ClientSession',
        userIdentifierKey: `user_${index}`,
      })),
    },
  }),
  post('within the budget', aliasedReads(4)),
  post(
    'UPSTREAM_CALL_BUDGET_EXCEEDED, with variables that do not coerce',
    `query ($key: String) { ${Array.from({ length: 5 }, (_, index) => `s${index}: clientSession(userIdentifierKey: $key) { token }`).join(' ')} }`,
    { variables: { key: 1 } },
  ),
  post('BAD_USER_INPUT: entities of types that are not ClientSession, beside one that is', entities, {
    variables: {
      representations: [
        { __typename: 'ClientSession', userIdentifierKey: 'user_42' },
        { __typename: 'Nope', clientSessionId: sessionId },
        { __typename: 'Query' },
        'not an object',
      ],
    },
    lane: true,
    check: (observed) => {
      expect(codesIn(observed)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT'])
      expect(pathsSent(observed)).toEqual(['/client_sessions/get'])
    },
  }),
  post(
    'BAD_USER_INPUT: null for a variable where a non-null input is due',
    `mutation ($input: RevokeClientSessionInput = { clientSessionId: "${sessionId}" }) {
      first: revokeClientSession(input: { clientSessionId: "00000000-0000-4000-8000-000000000001" }) { clientSessionId }
      second: revokeClientSession(input: $input) { clientSessionId } }`,
    {
      variables: { input: null },
      lane: true,
      check: (observed) => {
        expect([observed.status, codesIn(observed), observed.upstream]).toEqual([400, ['BAD_USER_INPUT'], []])
      },
    },
  ),
  {
    name: 'OPERATION_RESOLUTION_FAILURE: an unknown operationName',
    headers: withApiKey,
    body: { query: 'query A { __typename }', operationName: 'B' },
    lane: false,
  },
  post('OPERATION_RESOLUTION_FAILURE: two operations, no name', 'query A { __typename } query B { __typename }', {
    lane: false,
  }),
  post('a subscription, which the schema has none of', 'subscription { __typename }', { lane: false }),
  { name: 'PAYLOAD_TOO_LARGE, announced', headers: withApiKey, body: { query: `${read}${' '.repeat(5000)}` } },
  {
    name: 'PAYLOAD_TOO_LARGE, in chunks',
    headers: withApiKey,
    body: { query: `${read}${' '.repeat(5000)}` },
    chunked: true,
  },
  {
    name: 'a body at the limit, in chunks',
    headers: withApiKey,
    body: { query: `${read}${' '.repeat(2000)}` },
    chunked: true,
    lane: true,
  },
]

/** Bodies and parameters yoga refuses, or takes its own way. */
const malformed: Probe[] = [
  { name: 'invalid JSON', headers: withApiKey, body: '{"query": ', lane: false },
  ...[false, true].map((chunked) => ({
    name: `an empty body${chunked ? ', chunked' : ''}`,
    headers: withApiKey,
    body: '',
    chunked,
    lane: false,
    check: (observed: Observed) => expect([observed.status, codesIn(observed)]).toEqual([400, ['BAD_REQUEST']]),
  })),
  { name: 'a byte order mark before the JSON', headers: withApiKey, body: `\ufeff${JSON.stringify({ query: read })}` },
  { name: 'a batch while batching is off', headers: withApiKey, body: [{ query: read }, { query: read }], lane: false },
  { name: 'a JSON string', headers: withApiKey, body: '"{ __typename }"' },
  { name: 'JSON null', headers: withApiKey, body: 'null' },
  { name: 'no query', headers: withApiKey, body: {}, lane: false },
  { name: 'a null query', headers: withApiKey, body: { query: null } },
  { name: 'a number for the query', headers: withApiKey, body: { query: 5 } },
  { name: 'an array for the variables', headers: withApiKey, body: { query: read, variables: [] } },
  { name: 'a string for the variables', headers: withApiKey, body: { query: read, variables: '{}' } },
  {
    name: 'null variables and extensions',
    headers: withApiKey,
    body: { query: read, variables: null, extensions: null, operationName: null },
    lane: true,
  },
  {
    name: 'extensions the gateway does not know',
    headers: withApiKey,
    body: { query: read, extensions: { tracing: { version: 1 } } },
    lane: true,
  },
  {
    name: 'a persistedQuery without its hash: BAD_REQUEST',
    headers: withApiKey,
    body: { query: read, extensions: { persistedQuery: { version: 1 } } },
    lane: false,
  },
  { name: 'a number for the documentId', headers: withApiKey, body: { documentId: 5 }, lane: false },
  { name: 'a number for the extensions', headers: withApiKey, body: { query: read, extensions: 1 } },
  { name: 'an unknown parameter', headers: withApiKey, body: { query: read, document: 'x' } },
  { name: 'an unknown parameter set to null', headers: withApiKey, body: { query: read, document: null }, lane: true },
  {
    name: 'a __proto__ parameter',
    headers: withApiKey,
    body: `{"query": ${JSON.stringify(read)}, "__proto__": {"x": 1}}`,
  },
  { name: 'a number for the operationName', headers: withApiKey, body: { query: read, operationName: 5 } },
  {
    name: 'an operationName that is no GraphQL name',
    headers: withApiKey,
    body: { query: 'query A { __typename }', operationName: 'not a name' },
  },
  {
    name: 'an operationName for an anonymous operation',
    headers: withApiKey,
    body: { query: read, operationName: 'Read' },
  },
]

const accept = (value: string | undefined, lane?: boolean): Probe => ({
  ...post(`Accept: ${value ?? '(none)'}`, read, {
    headers: { ...withApiKey, ...(value !== undefined && { accept: value }) },
  }),
  ...(lane !== undefined && { lane }),
})
const acceptValues: Probe[] = [
  accept(undefined, true),
  accept('*/*', true),
  accept('application/json', true),
  accept('application/graphql-response+json', true),
  accept('application/graphql-response+json, application/json'),
  accept('application/json;q=0.9, application/graphql-response+json'),
  accept('application/*'),
  accept('APPLICATION/GRAPHQL-RESPONSE+JSON; CHARSET=UTF-8'),
  accept('application/json; charset=utf-16'),
  accept('application/json/extra'),
  accept('text/html', false),
  accept('text/event-stream', false),
  accept('multipart/mixed', false),
  accept('text/event-stream, application/json'),
  accept(''),
  {
    ...post('Accept: application/graphql-response+json, with a parse error', '{', {
      headers: { ...withApiKey, accept: 'application/graphql-response+json' },
    }),
    lane: true,
  },
  {
    ...post('Accept: application/json, with a validation error', '{ nope }', {
      headers: { ...withApiKey, accept: 'application/json' },
    }),
    lane: true,
  },
  {
    ...post('Accept: application/json, over the budget', aliasedReads(5), {
      headers: { ...withApiKey, accept: 'application/json' },
    }),
  },
  {
    ...post('Accept: application/json, variables of the wrong type', grant, {
      variables: { input: 1 },
      headers: { ...withApiKey, accept: 'application/json' },
    }),
  },
]

const contentType = (value: string | undefined, extra: Partial<Probe> = {}): Probe => ({
  name: `Content-Type: ${value ?? '(none)'}`,
  headers: { authorization: `Bearer ${apiKey}`, ...(value !== undefined && { 'content-type': value }) },
  body: { query: read },
  ...extra,
})
const contentTypes: Probe[] = [
  contentType('application/json; charset=utf-8', { lane: true }),
  contentType('application/graphql+json', { lane: true }),
  contentType('application/json, text/plain'),
  contentType('Application/JSON'),
  contentType('application/jsonx'),
  contentType('text/plain'),
  contentType('application/x-www-form-urlencoded', { body: `query=${encodeURIComponent(read)}` }),
  contentType('multipart/form-data; boundary=x', { body: '--x--' }),
  contentType('application/graphql', { body: read }),
  contentType(undefined),
]

const origin = (value: string, extra: Partial<Probe> = {}): Probe => ({
  ...post(`Origin: ${value}`, read, { headers: { ...withApiKey, origin: value } }),
  ...extra,
})
const preflight = (value: string): Probe => ({
  name: `preflight from ${value}`,
  method: 'OPTIONS',
  headers: {
    origin: value,
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'authorization, content-type',
  },
})
/** The listener's own refusals, sent from a page of `value`: one of a listed origin may read them, as any answer. */
const refusedFrom = (value: string, listed: boolean): Probe[] => {
  const check = (status: number, code: string) => (observed: Observed) =>
    expect([observed.status, codesIn(observed), observed.headers['access-control-allow-origin']]).toEqual([
      status,
      [code],
      listed ? value : undefined,
    ])
  const headers = { ...withApiKey, origin: value }
  const oversized = { query: `${read}${' '.repeat(5000)}` }
  return [
    {
      name: `PAYLOAD_TOO_LARGE, announced, from ${value}`,
      headers,
      body: oversized,
      check: check(413, 'PAYLOAD_TOO_LARGE'),
    },
    {
      name: `PAYLOAD_TOO_LARGE, in chunks, from ${value}`,
      headers,
      body: oversized,
      chunked: true,
      check: check(413, 'PAYLOAD_TOO_LARGE'),
    },
    post(`a Host that is no host name, from ${value}`, read, {
      headers: { ...headers, host: 'exa mple' },
      check: check(400, 'BAD_REQUEST'),
    }),
  ]
}
const browsers: Probe[] = [
  ...refusedFrom('https://app.example.com', true),
  ...refusedFrom('https://evil.example', false),
  origin('https://app.example.com', { lane: true }),
  origin('https://evil.example'),
  origin('null'),
  origin(''),
  preflight('https://app.example.com'),
  preflight('https://evil.example'),
  {
    name: 'a form post',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${apiKey}` },
    body: `query=${encodeURIComponent(read)}`,
  },
  {
    name: 'a form post with the CSRF header',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Bearer ${apiKey}`,
      'x-graphql-yoga-csrf': '1',
    },
    body: `query=${encodeURIComponent(read)}`,
  },
  {
    name: 'a plain GET query',
    method: 'GET',
    path: `/graphql?query=${encodeURIComponent(read)}`,
    headers: { authorization: `Bearer ${apiKey}` },
  },
  {
    name: 'a GET query with the CSRF header',
    method: 'GET',
    path: `/graphql?query=${encodeURIComponent(read)}`,
    headers: { authorization: `Bearer ${apiKey}`, 'x-graphql-yoga-csrf': '1' },
    lane: false,
  },
  {
    name: 'a mutation over GET',
    method: 'GET',
    path: `/graphql?query=${encodeURIComponent('mutation { deleteClientSession(input: { clientSessionId: "x" }) { clientSessionId } }')}`,
    headers: { 'x-graphql-yoga-csrf': '1', ...json },
  },
  { name: 'GraphiQL', method: 'GET', headers: { accept: 'text/html' } },
]

const elsewhere: Probe[] = [
  { ...post('a query string', read), path: '/graphql?x=1', lane: false },
  { ...post('a path that ends in /health', read), path: '/graphql?then=/health' },
  { ...post('a trailing slash', read), path: '/graphql/' },
  { ...post('another path', read), path: '/other' },
  ...[
    post('a Host that is no host name', read, { headers: { ...withApiKey, host: 'exa mple' } }),
    post('a Host with a port over 65535', read, { headers: { ...withApiKey, host: 'localhost:99999' } }),
    { ...post('a target in absolute form', read), path: 'http://gateway.example/graphql' },
    { name: 'a Host that is no host name, on /ready', method: 'GET', path: '/ready', headers: { host: 'exa mple' } },
  ].map((probe) => ({
    ...probe,
    check: (observed: Observed) => expect([observed.status, codesIn(observed)]).toEqual([400, ['BAD_REQUEST']]),
  })),
  { name: '/health', method: 'GET', path: '/health' },
  { name: '/ready', method: 'GET', path: '/ready' },
  { name: '/metrics (off)', method: 'GET', path: '/metrics' },
  { ...post('PUT', read), method: 'PUT' },
  { name: 'HEAD', method: 'HEAD' },
  {
    ...post('a request id the caller sent', read, { headers: { ...withApiKey, 'x-request-id': 'caller-id.1:2_3' } }),
    lane: true,
  },
  {
    ...post('a request id that does not look like one', read, {
      headers: { ...withApiKey, 'x-request-id': 'not one!' },
    }),
  },
  {
    ...post('Content-Encoding: gzip, on a body that is not', read, {
      headers: { ...withApiKey, 'content-encoding': 'gzip' },
    }),
  },
  { ...post('Content-Encoding: identity', read, { headers: { ...withApiKey, 'content-encoding': 'identity' } }) },
  {
    ...post('two Authorization headers', read, {
      headers: { ...json, authorization: [`Bearer ${apiKey}`, 'Bearer seam_other_key'] },
    }),
  },
  {
    ...post('two seam-workspace headers', '{ clientSessions { token } }', {
      headers: {
        ...json,
        authorization: `Bearer ${personalAccessToken}`,
        'seam-workspace': [workspaceId, workspaceId],
      },
    }),
  },
]

/** The series of a scrape, values included, but not what measures time: buckets, sums and quantiles. */
const comparableSamples = (samples: Sample[]) =>
  samples
    .filter(
      ({ name, labels }) => !name.endsWith('_bucket') && !name.endsWith('_sum') && labels['quantile'] === undefined,
    )
    .map((sample) => JSON.stringify(sample))
    .sort()

async function metricsOf({ harness }: Lane): Promise<string[]> {
  const response = await fetch(new URL('/metrics', harness.gatewayUrl))
  expect(response.status).toBe(200)
  return comparableSamples(parseSamples(await response.text()))
}

/**
 * The spans, as trees of what does not differ from run to run: a root by the remote parent it continues
 * (the caller's ids are the probe's), every span by name, kind, status, attributes and events, without
 * times, durations or generated ids; siblings sorted, since concurrent calls end in any order.
 */
function spanTrees(spans: ReadableSpan[]): unknown[] {
  const ids = new Set(spans.map((span) => span.spanContext().spanId))
  const tree = (span: ReadableSpan): unknown => {
    const { 'seam.duration_ms': duration, ...attributes } = span.attributes
    if (duration !== undefined) expect(typeof duration).toBe('number')
    const children = spans
      .filter((child) => child.parentSpanContext?.spanId === span.spanContext().spanId)
      .map((child) => JSON.stringify(tree(child)))
      .sort()
    return JSON.parse(
      normalized(
        JSON.stringify({
          name: span.name,
          kind: span.kind,
          status: span.status,
          attributes,
          events: span.events.map(({ name, attributes: eventAttributes }) => ({ name, attributes: eventAttributes })),
          sampled: span.spanContext().traceFlags,
          remoteParent: span.parentSpanContext?.isRemote === true ? span.parentSpanContext : undefined,
          children,
        }),
      ),
    )
  }
  return spans.filter((span) => !ids.has(span.parentSpanContext?.spanId ?? '')).map(tree)
}

/** Which telemetry a run has on: each lane gets its own, and both must record the same. */
interface Telemetry {
  /** `true`: the defaults. */
  metrics?: true | MetricsOptions
  tracing?: true
}

/**
 * Runs `corpus` against both lanes, each with its own fake Seam, and compares every exchange; `yogaOnly`:
 * options of the gateway without the lane alone.
 */
function agreeOn(
  configuration: string,
  gateway: Partial<GatewayOptions>,
  corpus: Probe[],
  telemetry: Telemetry = {},
  yogaOnly: Partial<GatewayOptions> = {},
) {
  describe(`with ${configuration}`, () => {
    const lanes: Lane[] = []
    beforeAll(async () => {
      for (const fastLane of [true, false]) {
        const requestLog: string[] = []
        const spans = telemetry.tracing === true ? new InMemorySpanExporter() : undefined
        const harness = await startHarness({
          gateway: {
            ...gateway,
            ...(!fastLane && yogaOnly),
            fastLane,
            ...(gateway.requestLog !== false && { requestLog: (line: string) => requestLog.push(line) }),
            ...(telemetry.metrics !== undefined && { metrics: telemetry.metrics === true ? {} : telemetry.metrics }),
            ...(spans !== undefined && {
              tracing: {
                tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
              },
            }),
          },
        })
        lanes.push({ harness, agent: new Agent({ keepAlive: true }), requestLog, spans })
      }
    })
    afterAll(async () => {
      for (const { harness, agent } of lanes.splice(0)) {
        agent.destroy()
        await harness.close()
      }
    })

    // In order: each probe leaves both fakes in the same state for the next.
    it.each(corpus)('$name', async (probe) => {
      const [lean, yoga] = lanes
      const onLane = await exchange(lean!, probe)
      const offLane = await exchange(yoga!, probe)

      expect({ ...onLane, servedByYoga: undefined }).toEqual({ ...offLane, servedByYoga: undefined })
      probe.check?.(onLane)
      // Without the lane, yoga serves everything; with it, what the probe says.
      if (probe.lane !== undefined) expect([onLane.servedByYoga, offLane.servedByYoga]).toEqual([!probe.lane, true])
    })

    if (telemetry.metrics !== undefined) {
      it('leaves the same metrics', async () => {
        const [onLane, offLane] = await Promise.all(lanes.map(metricsOf))
        expect(onLane).toEqual(offLane)
        // The corpus reached the series users alert on, and the Prometheus plugin's.
        for (const name of [
          'graphql_gateway_requests_total',
          'graphql_gateway_errors_total',
          'seam_upstream_requests_total',
          'graphql_yoga_http_duration_count',
          'graphql_envelop_phase_execute_count',
        ]) {
          expect(
            onLane!.some((sample) => sample.startsWith(`{"name":"${name}"`)),
            name,
          ).toBe(true)
        }
      })
    }

    if (telemetry.tracing === true) {
      it('makes the same spans', () => {
        const [onLane, offLane] = lanes.map(({ spans }) => spanTrees(spans!.getFinishedSpans()))
        expect(onLane).toEqual(offLane)
        expect(onLane!.length).toBeGreaterThan(0)
      })
    }
  })
}

// Callers' app tokens, signed before the corpus is written down.
const appKey = await signingKey('lanes', 'ES256')
const bearer = async (payload: JWTPayload) => ({ ...json, authorization: `Bearer ${await sign(appKey, payload)}` })
const caller = await bearer(claims('user_42'))
const admin = await bearer(claims('ops', { scope: 'seam:admin' }))
const expired = await bearer(claims('user_42', { exp: 1 }))
const appPublicKeyPem = await publicKeyPem(appKey)

const limits = {
  maxRequestBodyBytes: 4096,
  upstreamCallBudget: 4,
  upstreamTimeoutMs: 500,
} satisfies Partial<GatewayOptions>
const all = [
  ...operations,
  ...errors,
  ...malformed,
  ...acceptValues,
  ...contentTypes,
  ...browsers,
  ...elsewhere,
  ...revokeAndDelete,
]

// A caller's span, sampled or not.
const callerTrace = `00-${callerTraceId}-00f067aa0ba902b7`
const traced: Probe[] = [
  post('a caller’s sampled trace, continued', read, {
    headers: { ...withApiKey, traceparent: `${callerTrace}-01` },
    lane: true,
  }),
  post('a caller’s trace, not sampled', grant, {
    variables: { input: { clientSessionId: sessionId } },
    headers: { ...withApiKey, traceparent: `${callerTrace}-00`, tracestate: 'congo=t61rcWkgMzE' },
    lane: true,
  }),
  post('a malformed traceparent', read, { headers: { ...withApiKey, traceparent: 'garbage' }, lane: true }),
  post('a document without literal values, named', grant, {
    variables: { input: { clientSessionId: sessionId } },
    lane: true,
  }),
]

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const persistedQuery = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } })
/** A request for a persisted document: a JSON POST of `parameters`, unless `extra` says otherwise. */
const persisted = (
  name: string,
  parameters: Record<string, unknown> | undefined,
  extra: Omit<Probe, 'name' | 'body'> = {},
): Probe => ({ name, headers: withApiKey, ...(parameters !== undefined && { body: parameters }), ...extra })

const twoOperations = `query First { clientSession(userIdentifierKey: "user_42") { token } } query Second { __typename }`
/** Ids as the tools write them: sha256 hex, `sha256:<hex>`, or anything else (an sha1, a name). */
const trustedDocuments = new Map([
  [sha256(read), read],
  [`sha256:${sha256(grant)}`, grant],
  ['two-operations', twoOperations],
])
const apqQuery = '{ clientSessions { clientSessionId } }'

const trustedDocumentProbes: Probe[] = [
  persisted('a documentId', { documentId: sha256(read) }, { lane: true }),
  persisted(
    'a documentId with the sha256: prefix the manifest does not write',
    { documentId: `sha256:${sha256(read)}` },
    {
      lane: true,
    },
  ),
  persisted(
    'a documentId without the sha256: prefix the manifest writes, with variables',
    {
      documentId: sha256(grant),
      variables: { input: { clientSessionId: sessionId } },
      operationName: 'Grant',
    },
    { lane: true },
  ),
  persisted(
    'a documentId and an operationName',
    { documentId: 'two-operations', operationName: 'First' },
    { lane: true },
  ),
  persisted('a documentId and no operationName for two operations', { documentId: 'two-operations' }, { lane: false }),
  persisted(
    'a trusted document by extensions.persistedQuery',
    { extensions: persistedQuery(sha256(read)) },
    { lane: true },
  ),
  persisted('a documentId over GET', undefined, {
    method: 'GET',
    path: `/graphql?documentId=${sha256(read)}`,
    headers: { ...withApiKey, 'x-graphql-yoga-csrf': '1' },
    lane: false,
  }),
  persisted(
    'PERSISTED_QUERY_NOT_IN_LIST: an unknown documentId',
    { documentId: sha256('{ __typename }') },
    {
      lane: false,
      check: (observed) =>
        expect([observed.status, codesIn(observed), observed.headers['cache-control'], observed.upstream]).toEqual([
          404,
          ['PERSISTED_QUERY_NOT_IN_LIST'],
          'no-cache',
          [],
        ]),
    },
  ),
  persisted('BAD_REQUEST: a documentId beside a text', { documentId: sha256(read), query: read }, { lane: false }),
]

describe('the lean lane and yoga answer alike', () => {
  agreeOn('a listed origin and small limits', { ...limits, corsOrigins: ['https://app.example.com'] }, [
    ...all,
    { ...post('while draining', read), shutdown: true, lane: true },
  ])

  // An operation runs on graphql-js the first time and compiled from its second run, so above both lanes
  // mostly answer from graphql-js, and from graphql-jit alike for documents sent again. Here yoga's lane
  // compiles every operation on its first run: the lean lane's first runs are held to compiled answers.
  agreeOn(
    'every operation compiled on its first run without the lane',
    { ...limits, corsOrigins: ['https://app.example.com'] },
    all,
    {},
    { interpretedRuns: 0 },
  )

  agreeOn(
    'production mode, any origin, batches of two',
    { ...limits, introspection: false, graphiql: false, corsOrigins: ['*'], batchLimit: 2 },
    [
      post('introspection', '{ __schema { queryType { name } } }', { lane: true }),
      post('__type', '{ __type(name: "ClientSession") { name } }'),
      post('__typename', '{ __typename }', { lane: true }),
      post('a field misspelled', '{ clientSesion(userIdentifierKey: "x") { token } }'),
      post('a type name that would be suggested', '{ _entities(representations: []) { token } }'),
      post('a variable field misspelled', grant, { variables: { input: { clientSessionIdd: 'x' } }, lane: true }),
      {
        name: 'a batch of two',
        headers: withApiKey,
        body: [{ query: read }, { query: '{ __typename }' }],
        lane: false,
      },
      { name: 'a batch of three', headers: withApiKey, body: [{ query: read }, { query: read }, { query: read }] },
      origin('https://anywhere.example', { lane: true }),
      origin('null'),
      preflight('https://anywhere.example'),
      ...operations,
    ],
  )

  // Without a scrape in the corpus: its answer holds durations.
  const unscraped = all.filter((probe) => probe.path !== '/metrics')
  agreeOn(
    'metrics and tracing on',
    { ...limits, corsOrigins: ['https://app.example.com'] },
    [...traced, ...unscraped],
    {
      metrics: true,
      tracing: true,
    },
  )

  agreeOn('tracing alone', limits, [...traced, ...operations, ...errors], { tracing: true })

  // Both lanes admit the same names, in the order they come, whichever lane serves them.
  const named = (name: string) => read.replace('{ clientSession', `query ${name} { clientSession`)
  const getNamed = (name: string): Probe => ({
    name: `${name} over GET`,
    method: 'GET',
    path: `/graphql?query=${encodeURIComponent(named(name))}`,
    headers: { authorization: `Bearer ${apiKey}`, 'x-graphql-yoga-csrf': '1' },
    lane: false,
  })
  agreeOn(
    'metrics of at most 2 operation names',
    { ...limits, batchLimit: 2 },
    [
      post('a first name', named('First'), { lane: true }),
      getNamed('Second'),
      post('a third name: "(other)"', named('Third'), { lane: true }),
      getNamed('Fourth'),
      {
        name: 'a batch of a new name and an admitted one',
        headers: withApiKey,
        body: [{ query: named('Fifth') }, { query: named('First') }],
        lane: false,
      },
      post('an anonymous operation', read, { lane: true }),
      post('a fragment before the operation', `fragment Typename on Query { __typename } query Sixth { ...Typename }`, {
        lane: true,
      }),
      post('a new name that does not validate', 'query Seventh { nothing }', { lane: true }),
      post('a name too long for series of its own', named(`Long${'x'.repeat(200)}`), { lane: true }),
      {
        name: 'an operationName that names no operation of its document',
        headers: withApiKey,
        body: { query: named('NeverRuns'), operationName: 'Claimed' },
        lane: false,
      },
      post('an admitted name again', named('Second'), { lane: true }),
    ],
    { metrics: { maxOperationNames: 2 } },
  )

  agreeOn(
    'a server-held credential and no request log',
    { ...limits, serverCredential: credentialFromToken(apiKey), requestLog: false },
    [
      post('a read, the caller’s Authorization ignored', read, {
        headers: { ...json, authorization: 'Bearer seam_someone_else1' },
        lane: true,
      }),
      post('a read without any Authorization', read, { headers: json, lane: true }),
      post('a malformed Authorization, ignored too', read, { headers: { ...json, authorization: 'Bearer two words' } }),
      post(
        'a publishable key, never forwarded',
        'mutation { getOrCreateClientSession(input: { userIdentifierKey: "jane" }) { clientSession { userIdentifierKey } } }',
        {
          headers: { ...json, 'seam-publishable-key': publishableKey },
        },
      ),
      post('a grant', grant, { variables: { input: { clientSessionId: sessionId } }, headers: json }),
      post('UPSTREAM_ERROR: Seam refuses the held key (401), logged for the operator', read, {
        headers: json,
        faults: [seamError(401, 'unauthorized')],
        lane: true,
        check: (observed) => {
          expect(codesIn(observed)).toEqual(['UPSTREAM_ERROR'])
          expect(observed.errorLog).toEqual([
            expect.stringContaining("error Seam refused the gateway's server-held credential, the API key"),
          ])
        },
      }),
      post('UPSTREAM_ERROR: Seam forbids the held key (403), on a mutation', grant, {
        variables: { input: { clientSessionId: sessionId } },
        headers: json,
        faults: [seamError(403, 'forbidden')],
      }),
      { ...post('a request id the caller sent', read, { headers: { ...json, 'x-request-id': 'abc' } }) },
    ],
  )

  agreeOn(
    'a held key with a trailing newline, which undici refuses: a fault of the gateway',
    { ...limits, serverCredential: credentialFromToken(`${apiKey}\n`) },
    [
      post('INTERNAL_SERVER_ERROR: a read, masked and logged', read, {
        headers: json,
        lane: true,
        check: (observed) => {
          expect([codesIn(observed), observed.upstream]).toEqual([['INTERNAL_SERVER_ERROR'], []])
          expect(observed.errorLog).toEqual([expect.stringContaining('invalid authorization header')])
        },
      }),
      post('INTERNAL_SERVER_ERROR: a mutation', grant, { variables: { input: { clientSessionId: sessionId } } }),
      post('no call, no fault', '{ __typename }', { headers: json, lane: true }),
    ],
  )

  const overTheLimit = (observed: Observed) => {
    expect([observed.status, codesIn(observed), observed.upstream]).toEqual([429, ['RATE_LIMITED'], []])
    expect(observed.body).toContain('"retryAfterSeconds":"<seconds>"')
  }
  agreeOn(
    'a rate limit of two operations a minute, batches of three',
    { ...limits, rateLimitPerMinute: 2, batchLimit: 3 },
    [
      post('a caller’s first operation', read, { lane: true }),
      post('its second', grant, { variables: { input: { clientSessionId: sessionId } }, lane: true }),
      post('RATE_LIMITED: its third, with 429 and Retry-After, and no upstream call', read, {
        lane: true,
        rateLimited: true,
        check: overTheLimit,
      }),
      post('RATE_LIMITED to a client that accepts application/json', read, {
        headers: { ...withApiKey, accept: 'application/json' },
        lane: true,
        rateLimited: true,
        check: overTheLimit,
      }),
      post('over both its upstream-call budget and its rate limit: the budget speaks first', aliasedReads(5), {
        lane: true,
        check: (observed) => expect(codesIn(observed)).toEqual(['UPSTREAM_CALL_BUDGET_EXCEEDED']),
      }),
      post('another credential has its own count', '{ clientSessions { clientSessionId } }', {
        headers: { ...json, authorization: `Bearer ${personalAccessToken}`, 'seam-workspace': workspaceId },
        lane: true,
      }),
      {
        name: 'a batch of three from a caller with one operation left: the last two refused',
        headers: { ...json, authorization: `Bearer ${personalAccessToken}`, 'seam-workspace': workspaceId },
        body: [{ query: read }, { query: read }, { query: '{ __typename }' }],
        lane: false,
        rateLimited: true,
        check: (observed) => {
          expect([observed.status, observed.upstream.length]).toEqual([200, 1])
          expect(observed.body.match(/"code":"RATE_LIMITED"/g)).toHaveLength(2)
        },
      },
      post('no credential: the address counts', '{ __typename }', { headers: json, lane: true }),
      post('a subscription spends no point: nothing runs', 'subscription { __typename }', {
        headers: json,
        lane: false,
      }),
      post('no credential, again', '{ __typename }', { headers: json, lane: true }),
      post('RATE_LIMITED: no credential, a third time', '{ __typename }', {
        headers: json,
        lane: true,
        rateLimited: true,
        check: (observed) => expect([observed.status, codesIn(observed)]).toEqual([429, ['RATE_LIMITED']]),
      }),
      { name: '/health, never limited', method: 'GET', path: '/health', lane: false },
      { name: '/ready, never limited', method: 'GET', path: '/ready' },
    ],
  )

  // Callers verified by their JWT: refusals (401 with WWW-Authenticate), the policy, and a batch.
  const invalidRead = '{ clientSession(clientSessionId: "x") { noSuchField } }'
  const apqRead = '{ clientSession(userIdentifierKey: "user_42") { createdAt } }'
  const unauthenticated = (observed: Observed) => {
    expect([observed.status, observed.headers['www-authenticate'], codesIn(observed)]).toEqual([
      401,
      'Bearer',
      ['UNAUTHENTICATED'],
    ])
    expect(observed.body).not.toContain('"http"')
    expect(observed.upstream).toEqual([])
  }
  agreeOn(
    'callers verified by their JWT',
    {
      ...limits,
      batchLimit: 2,
      serverCredential: credentialFromToken(apiKey),
      authentication: { keys: { publicKeyPem: appPublicKeyPem }, issuer, audience },
    },
    [
      // Refused before anything reads the document, and answered by yoga, as every request that runs nothing.
      post('UNAUTHENTICATED: no token', read, { headers: json, lane: false, check: unauthenticated }),
      post('UNAUTHENTICATED: an expired token', read, { headers: expired, lane: false, check: unauthenticated }),
      post('UNAUTHENTICATED: a Seam API key is no app token', read, { check: unauthenticated }),
      post('UNAUTHENTICATED: a mutation', grant, {
        variables: { input: { clientSessionId: sessionId } },
        headers: json,
      }),
      post('_service { sdl } without a token', '{ _service { sdl } }', { headers: json, lane: true }),
      post('__typename without a token', '{ __typename }', { headers: json, lane: true }),
      post(
        'UNAUTHENTICATED: __typename beside a field, without a token',
        '{ clientSession(clientSessionId: "x") { token } __typename }',
        { headers: json, lane: false, check: unauthenticated },
      ),
      post('UNAUTHENTICATED: _service beside a field it does not have', '{ _service { sdl nope } }', {
        headers: json,
        check: unauthenticated,
      }),
      post('UNAUTHENTICATED, not GRAPHQL_VALIDATION_FAILED: an invalid document without a token', invalidRead, {
        headers: json,
        lane: false,
        check: unauthenticated,
      }),
      post('UNAUTHENTICATED: an invalid document with an expired token', invalidRead, {
        headers: expired,
        check: unauthenticated,
      }),
      post('GRAPHQL_VALIDATION_FAILED: an invalid document from a caller', invalidRead, {
        headers: caller,
        lane: true,
        check: (observed) => expect(codesIn(observed)).toEqual(['GRAPHQL_VALIDATION_FAILED']),
      }),
      post('UNAUTHENTICATED: a document that does not parse, without a token', '{ clientSession(', {
        headers: json,
        check: unauthenticated,
      }),
      post('UNAUTHENTICATED: over the alias limit, without a token', aliasedReads(16), {
        headers: json,
        check: unauthenticated,
      }),
      post('OPERATION_LIMIT_EXCEEDED: over the alias limit, from a caller', aliasedReads(16), {
        headers: caller,
        lane: true,
        check: (observed) => expect(codesIn(observed)).toEqual(['OPERATION_LIMIT_EXCEEDED']),
      }),
      post('UNAUTHENTICATED: over the upstream-call budget, with an expired token', aliasedReads(5), {
        headers: expired,
        check: unauthenticated,
      }),
      {
        name: 'UNAUTHENTICATED: an operationName that names nothing, without a token',
        headers: json,
        body: { query: read, operationName: 'Nothing' },
        check: unauthenticated,
      },
      persisted(
        'UNAUTHENTICATED: an APQ hash with its text, without a token',
        { query: apqRead, extensions: persistedQuery(sha256(apqRead)) },
        { headers: json, lane: false, check: unauthenticated },
      ),
      persisted(
        'PERSISTED_QUERY_NOT_FOUND: the hash alone from a caller after it, registered by nobody',
        { extensions: persistedQuery(sha256(apqRead)) },
        {
          headers: caller,
          check: (observed) => expect(codesIn(observed)).toEqual(['PERSISTED_QUERY_NOT_FOUND']),
        },
      ),
      persisted(
        'UNAUTHENTICATED: an unregistered APQ hash alone, without a token',
        { extensions: persistedQuery(sha256('{ __typename }')) },
        { headers: json, check: unauthenticated },
      ),
      persisted(
        'UNAUTHENTICATED: a documentId, without a token',
        { documentId: sha256(read) },
        { headers: json, check: unauthenticated },
      ),
      post('a caller reads their own session', read, { headers: caller, lane: true }),
      post(
        'a caller gets or creates their own session',
        'mutation { getOrCreateClientSession(input: {}) { clientSession { clientSessionId userIdentifierKey } } }',
        {
          headers: caller,
          lane: true,
        },
      ),
      post('FORBIDDEN: a caller reads another key', '{ clientSession(userIdentifierKey: "user_7") { token } }', {
        headers: caller,
        check: (observed) => expect([codesIn(observed), observed.upstream]).toEqual([['FORBIDDEN'], []]),
      }),
      post('FORBIDDEN: a caller lists', '{ clientSessions { clientSessionId } }', { headers: caller, lane: true }),
      post(
        'null: a caller reads an ID that is not theirs',
        '{ clientSession(clientSessionId: "00000000-0000-4000-8000-000000000000") { token } }',
        {
          headers: caller,
        },
      ),
      post('an admin lists', '{ clientSessions { clientSessionId userIdentifierKey } }', {
        headers: admin,
        lane: true,
      }),
      {
        name: 'UNAUTHENTICATED: a batch of two without a token',
        headers: json,
        body: [{ query: read }, { query: '{ clientSessions { token } }' }],
        lane: false,
      },
      {
        name: 'UNAUTHENTICATED: a batch of an invalid document and the SDL, without a token',
        headers: json,
        body: [{ query: invalidRead }, { query: '{ _service { sdl } }' }],
        lane: false,
        check: (observed) => {
          expect(observed.body.match(/"code":"[A-Z_]+"/g)).toEqual(['"code":"UNAUTHENTICATED"'])
          expect(observed.body).toContain('type ClientSession')
        },
      },
      {
        name: 'a batch of two from a caller, one forbidden',
        headers: caller,
        body: [{ query: read }, { query: '{ clientSessions { token } }' }],
      },
    ],
    { metrics: true, tracing: true },
  )

  /** The list fails; the reads beside it wait for the one slot. */
  const listAndReads = `{
    clientSessions { clientSessionId }
    first: clientSession(clientSessionId: "${sessionId}") { clientSessionId }
    second: clientSession(userIdentifierKey: "user_42") { token }
  }`
  agreeOn('trusted documents only, batches of two', { ...limits, trustedDocuments, batchLimit: 2 }, [
    ...trustedDocumentProbes,
    post('PERSISTED_QUERY_ID_REQUIRED: a text', read, {
      lane: false,
      check: (observed) =>
        expect([observed.status, codesIn(observed), observed.upstream]).toEqual([
          400,
          ['PERSISTED_QUERY_ID_REQUIRED'],
          [],
        ]),
    }),
    post('PERSISTED_QUERY_ID_REQUIRED: a text that does not parse', '{', { lane: false }),
    post('the subgraph SDL, as text', '{ _service { sdl } }', { lane: true }),
    persisted('PERSISTED_QUERY_NOT_IN_LIST: a hash with its text registers nothing', {
      query: '{ __typename }',
      extensions: persistedQuery(sha256('{ __typename }')),
    }),
    persisted('PERSISTED_QUERY_NOT_IN_LIST: and the hash alone after it', {
      extensions: persistedQuery(sha256('{ __typename }')),
    }),
    {
      name: 'a batch of a documentId and a text',
      headers: withApiKey,
      body: [{ documentId: sha256(read) }, { query: read }],
      lane: false,
    },
  ])

  agreeOn(
    'APQ beside trusted documents, metrics and tracing on',
    { ...limits, trustedDocuments, trustedDocumentsOnly: false },
    [
      ...trustedDocumentProbes,
      post('a text', read, { lane: true }),
      persisted(
        'PERSISTED_QUERY_NOT_FOUND: an unregistered hash',
        { extensions: persistedQuery(sha256(apqQuery)) },
        {
          lane: false,
          check: (observed) => {
            expect([observed.status, codesIn(observed), observed.headers['cache-control']]).toEqual([
              200,
              ['PERSISTED_QUERY_NOT_FOUND'],
              'no-cache',
            ])
          },
        },
      ),
      persisted('PERSISTED_QUERY_NOT_FOUND, over GET', undefined, {
        method: 'GET',
        path: `/graphql?extensions=${encodeURIComponent(JSON.stringify(persistedQuery(sha256(apqQuery))))}`,
        headers: { ...withApiKey, 'x-graphql-yoga-csrf': '1' },
        lane: false,
      }),
      persisted(
        'PERSISTED_QUERY_HASH_MISMATCH',
        { query: read, extensions: persistedQuery(sha256(apqQuery)) },
        {
          lane: false,
          check: (observed) =>
            expect([observed.status, codesIn(observed), observed.upstream]).toEqual([
              400,
              ['PERSISTED_QUERY_HASH_MISMATCH'],
              [],
            ]),
        },
      ),
      persisted(
        'a hash with its text: registered, and run',
        {
          query: apqQuery,
          extensions: persistedQuery(sha256(apqQuery)),
        },
        { lane: true },
      ),
      persisted('the hash alone, registered', { extensions: persistedQuery(sha256(apqQuery)) }, { lane: true }),
      persisted('the hash alone, over GET', undefined, {
        method: 'GET',
        path: `/graphql?extensions=${encodeURIComponent(JSON.stringify(persistedQuery(sha256(apqQuery))))}`,
        headers: { ...withApiKey, 'x-graphql-yoga-csrf': '1' },
        lane: false,
      }),
      persisted(
        'a hash with a text that does not validate',
        {
          query: '{ nothing }',
          extensions: persistedQuery(sha256('{ nothing }')),
        },
        { lane: true },
      ),
    ],
    { metrics: true, tracing: true },
  )

  agreeOn('APQ=false', { ...limits, apq: false }, [
    persisted(
      'PERSISTED_QUERY_NOT_SUPPORTED: a hash',
      { extensions: persistedQuery(sha256(read)) },
      {
        lane: false,
        check: (observed) =>
          expect([observed.status, codesIn(observed)]).toEqual([200, ['PERSISTED_QUERY_NOT_SUPPORTED']]),
      },
    ),
    persisted('PERSISTED_QUERY_NOT_SUPPORTED: a documentId', { documentId: sha256(read) }, { lane: false }),
    post('a text', read, { lane: true }),
  ])

  agreeOn('one upstream call at a time', { ...limits, maxConcurrentUpstreamCalls: 1 }, [
    post('a list its credential may not call, beside queued reads: none is sent', listAndReads, {
      headers: { ...json, authorization: `Bearer ${session.token}` },
      lane: true,
      check: (observed) => expect([codesIn(observed), observed.upstream]).toEqual([['UNAUTHENTICATED'], []]),
    }),
    post('a list Seam fails, beside queued reads: none is sent', listAndReads, {
      faults: [{ status: 500 }],
      lane: true,
      check: (observed) => {
        expect(codesIn(observed)).toEqual(['UPSTREAM_ERROR'])
        expect(pathsSent(observed)).toEqual(['/client_sessions/list'])
      },
    }),
    post(
      'three mutations, the second refused by Seam: the third never runs',
      `mutation {
        a: getOrCreateClientSession(input: { userIdentifierKey: "user_42" }) { clientSession { clientSessionId } }
        b: revokeClientSession(input: { clientSessionId: "not-a-uuid" }) { clientSessionId }
        c: deleteClientSession(input: { clientSessionId: "${sessionId}" }) { clientSessionId }
      }`,
      {
        lane: true,
        check: (observed) => {
          expect(codesIn(observed)).toEqual(['BAD_USER_INPUT'])
          expect(pathsSent(observed)).toEqual(['/client_sessions/get_or_create', '/client_sessions/revoke'])
        },
      },
    ),
    post('the session the third mutation would have deleted is still there', read, { lane: true }),
  ])
})
