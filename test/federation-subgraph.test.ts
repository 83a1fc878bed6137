/**
 * The subgraph protocol itself, as a federation gateway speaks it to the gateway: `_service { sdl }`,
 * `_entities` with references by either key, and the HTTP status and codes of its errors.
 */
import { readFile } from 'node:fs/promises'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { Fault } from '../src/fake-seam/fake-seam.js'
import { apiKey, clientSession, type GraphQLAnswer, type Harness, startHarness, withApiKey } from './support/harness.js'

const sessions = Array.from({ length: 6 }, (_, index) =>
  clientSession({
    client_session_id: `00000000-0000-4000-8000-00000000000${index + 1}`,
    user_identifier_key: `user_${index + 1}`,
    token: `seam_cst1_SECRETsession${index + 1}`,
  }),
)
const idOf = (index: number) => sessions[index - 1]!.client_session_id
/** A UUID, as Seam wants an ID, of no session. */
const unknownId = '00000000-0000-4000-8000-00000000dead'

const entitiesQuery = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on ClientSession { clientSessionId userIdentifierKey }
  }
}`

/** A POST as a federation gateway sends it, with the given Accept header. */
async function post(url: string, body: object, headers: Record<string, string>): Promise<GraphQLAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) }
}

describe('the subgraph protocol', () => {
  let harness: Harness
  beforeAll(async () => {
    harness = await startHarness({ fake: { clientSessions: sessions }, gateway: { maxConcurrentUpstreamCalls: 3 } })
  })
  afterAll(() => harness?.close())

  it('serves the SDL of schema.graphql at _service, with @link and both @key directives', async () => {
    const answer = await harness.graphql('{ _service { sdl } }')

    const sdl: string = answer.body.data?.['_service'].sdl
    expect(`${sdl}\n`).toBe(await readFile(new URL('../schema.graphql', import.meta.url), 'utf8'))
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])')
    expect(sdl).toMatch(/type ClientSession\s+@key\(fields: "clientSessionId"\)\s+@key\(fields: "userIdentifierKey"\)/)
  })

  it('resolves references by either key, once per key, null for one Seam does not know', async () => {
    harness.fakeSeam.requests.length = 0
    const representations = [
      { __typename: 'ClientSession', clientSessionId: idOf(1) },
      { __typename: 'ClientSession', userIdentifierKey: 'user_2' },
      { __typename: 'ClientSession', clientSessionId: unknownId },
      { __typename: 'ClientSession', clientSessionId: idOf(1) },
      { __typename: 'ClientSession', userIdentifierKey: 'user_2' },
    ]

    const answer = await harness.graphql(entitiesQuery, { variables: { representations }, headers: withApiKey })

    expect(answer.body).toEqual({
      data: {
        _entities: [
          { clientSessionId: idOf(1), userIdentifierKey: 'user_1' },
          { clientSessionId: idOf(2), userIdentifierKey: 'user_2' },
          null,
          { clientSessionId: idOf(1), userIdentifierKey: 'user_1' },
          { clientSessionId: idOf(2), userIdentifierKey: 'user_2' },
        ],
      },
    })
    expect(harness.fakeSeam.requests.map((request) => request.body)).toEqual([
      { client_session_id: idOf(1) },
      { user_identifier_key: 'user_2' },
      { client_session_id: unknownId },
    ])
  })

  it('answers a failed reference with null and its error in its own place, first, middle or last', async () => {
    const keyless = { __typename: 'ClientSession' }
    const known = { __typename: 'ClientSession', clientSessionId: idOf(1) }
    for (const representations of [
      [keyless, known, known],
      [known, keyless, known],
      [known, known, keyless],
    ]) {
      const failed = representations.indexOf(keyless)
      const answer = await harness.graphql(entitiesQuery, { variables: { representations }, headers: withApiKey })

      expect(answer.body.data?.['_entities']).toEqual(
        representations.map((_, index) =>
          index === failed ? null : { clientSessionId: idOf(1), userIdentifierKey: 'user_1' },
        ),
      )
      expect(answer.body.errors?.map((error) => error.path)).toEqual([['_entities', failed]])
    }
  })

  it('reads a reference that gives both keys by its ID, as one that gives the ID alone: one call', async () => {
    harness.fakeSeam.requests.length = 0
    const representations = [
      { __typename: 'ClientSession', clientSessionId: idOf(4), userIdentifierKey: 'user_4' },
      { __typename: 'ClientSession', clientSessionId: idOf(4) },
    ]

    const answer = await harness.graphql(entitiesQuery, { variables: { representations }, headers: withApiKey })

    const session = { clientSessionId: idOf(4), userIdentifierKey: 'user_4' }
    expect(answer.body).toEqual({ data: { _entities: [session, session] } })
    expect(harness.fakeSeam.requests.map((request) => request.body)).toEqual([{ client_session_id: idOf(4) }])
  })

  it('shares reads between _entities and the clientSession query of one request', async () => {
    harness.fakeSeam.requests.length = 0

    const answer = await harness.graphql(
      `query ($representations: [_Any!]!) {
        clientSession(clientSessionId: "${idOf(3)}") { clientSessionId }
        _entities(representations: $representations) { ... on ClientSession { clientSessionId } }
      }`,
      {
        variables: { representations: [{ __typename: 'ClientSession', clientSessionId: idOf(3) }] },
        headers: withApiKey,
      },
    )

    expect(answer.body.data).toEqual({
      clientSession: { clientSessionId: idOf(3) },
      _entities: [{ clientSessionId: idOf(3) }],
    })
    expect(harness.fakeSeam.requests).toHaveLength(1)
  })

  it('refuses a representation of a type that is not its entity on its own, without echoing or logging it', async () => {
    harness.fakeSeam.requests.length = 0
    harness.logs.length = 0
    const hostileName = `Nope${'x'.repeat(50_000)}`
    const foreign = [{ __typename: hostileName, clientSessionId: idOf(1) }, { __typename: 'Query' }, 'not an object']

    const answer = await harness.graphql(entitiesQuery, {
      variables: { representations: [{ __typename: 'ClientSession', clientSessionId: idOf(2) }, ...foreign] },
      headers: withApiKey,
    })

    expect(answer.body.data).toEqual({
      _entities: [{ clientSessionId: idOf(2), userIdentifierKey: 'user_2' }, null, null, null],
    })
    expect(answer.body.errors?.map(({ path, extensions }) => ({ path, code: extensions['code'] }))).toEqual(
      [1, 2, 3].map((index) => ({ path: ['_entities', index], code: 'BAD_USER_INPUT' })),
    )
    expect(harness.fakeSeam.requests).toHaveLength(1)
    expect(answer.text).not.toContain('xxxxxxxxxx')
    expect(harness.logs.join('\n')).not.toContain('xxxxxxxxxx')
  })

  it('holds the configured cap over every upstream call of a request, whichever field makes it', async () => {
    harness.fakeSeam.requests.length = 0
    harness.fakeSeam.peakInFlight = 0
    harness.fakeSeam.failNext(...Array.from({ length: 6 }, () => ({ delayMs: 100 })))

    const answer = await harness.graphql(
      `query ($representations: [_Any!]!) {
        first: clientSession(clientSessionId: "${idOf(1)}") { clientSessionId }
        second: clientSession(userIdentifierKey: "user_2") { clientSessionId }
        _entities(representations: $representations) { ... on ClientSession { clientSessionId } }
      }`,
      {
        variables: {
          representations: [3, 4, 5, 6].map((index) => ({ __typename: 'ClientSession', clientSessionId: idOf(index) })),
        },
        headers: withApiKey,
      },
    )

    expect(answer.body.errors).toBeUndefined()
    expect(harness.fakeSeam.requests).toHaveLength(6)
    expect(harness.fakeSeam.peakInFlight).toBe(3)
  })
})

describe('errors in a subgraph answer', () => {
  let harness: Harness
  beforeAll(async () => {
    harness = await startHarness({
      fake: { clientSessions: sessions },
      gateway: { upstreamTimeoutMs: 300, upstreamRetries: 0 },
    })
  })
  afterAll(() => harness?.close())

  const seamError = (status: number, type: string): Fault => ({
    status,
    body: JSON.stringify({ error: { type, message: `Seam says ${type}`, request_id: 'req-1' } }),
  })
  const reference = { __typename: 'ClientSession', clientSessionId: idOf(1) }
  const cases: [string, string, { fault?: Fault; headers?: Record<string, string>; representation?: object }][] = [
    ['no credential', 'UNAUTHENTICATED', { headers: {} }],
    ['a reference without a key', 'BAD_USER_INPUT', { representation: { __typename: 'ClientSession', token: 'x' } }],
    ['upstream 400', 'BAD_USER_INPUT', { fault: seamError(400, 'invalid_input') }],
    ['upstream 401', 'UNAUTHENTICATED', { fault: seamError(401, 'unauthorized') }],
    ['upstream 403', 'FORBIDDEN', { fault: seamError(403, 'forbidden') }],
    ['upstream 404 about something else', 'NOT_FOUND', { fault: seamError(404, 'workspace_not_found') }],
    ['upstream 429', 'RATE_LIMITED', { fault: { ...seamError(429, 'rate_limited'), headers: { 'retry-after': '3' } } }],
    ['upstream 500', 'UPSTREAM_ERROR', { fault: seamError(500, 'internal_server_error') }],
    ['a reset connection', 'UPSTREAM_UNAVAILABLE', { fault: { reset: true } }],
    ['an upstream slower than the time limit', 'GATEWAY_TIMEOUT', { fault: { delayMs: 1_000 } }],
  ]
  // What federation gateways ask for: `*/*` (Apollo Gateway's fetch), `application/json`, and the
  // GraphQL-over-HTTP media type first (Hive Gateway and newer routers).
  const accepts = ['*/*', 'application/json', 'application/graphql-response+json, application/json']

  describe.each(accepts)('with Accept: %s', (accept) => {
    it.each(cases)('%s: HTTP 200 and %s', async (_, code, { fault, headers = withApiKey, representation }) => {
      if (fault !== undefined) harness.fakeSeam.failNext(fault)

      const answer = await post(
        harness.gatewayUrl,
        { query: entitiesQuery, variables: { representations: [representation ?? reference] } },
        { accept, ...headers },
      )

      expect(answer.status).toBe(200)
      expect(answer.body.data).toEqual({ _entities: [null] })
      expect(answer.body.errors?.map(({ path, extensions }) => ({ path, code: extensions['code'] }))).toEqual([
        { path: ['_entities', 0], code },
      ])
      expect(answer.text).not.toContain(apiKey)
    })
  })
})
