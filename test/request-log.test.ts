import { afterEach, describe, expect, it } from 'vitest'

import { faultSuiteGateway, mutationDocument, readDocument } from './support/faults.js'
import { apiKey, clientSession, type Harness, startHarness, withApiKey } from './support/harness.js'

let harness: Harness
let lines: string[]
afterEach(() => harness.close())

async function start(gateway: Parameters<typeof startHarness>[0] = {}) {
  lines = []
  harness = await startHarness({ ...gateway, gateway: { requestLog: (line) => lines.push(line), ...gateway.gateway } })
}

const entries = () => lines.map((line) => JSON.parse(line) as Record<string, any>)

describe('the request log', () => {
  it('writes one JSON line per request: time, id, operation, duration, upstream calls, error codes', async () => {
    await start()
    const answer = await harness.graphql(readDocument, { headers: withApiKey })

    expect(lines).toHaveLength(1)
    const [entry] = entries()
    expect(entry).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'info',
      msg: 'request',
      requestId: answer.headers.get('x-request-id'),
      method: 'POST',
      path: '/graphql',
      status: 200,
      operationName: 'Session',
      durationMs: expect.any(Number),
      upstreamCalls: [
        {
          endpoint: '/client_sessions/get',
          status: 200,
          durationMs: expect.any(Number),
          attempts: 1,
          requestId: expect.any(String),
        },
      ],
      errorCodes: [],
    })
    expect(entry!['requestId']).toMatch(/^[0-9a-f-]{36}$/)
    expect(harness.fakeSeam.requests).toHaveLength(1)
  })

  it('takes the caller’s x-request-id and echoes it; replaces one that does not look like an id', async () => {
    await start()
    const given = await harness.graphql(readDocument, { headers: { ...withApiKey, 'x-request-id': 'trace-42.a:b' } })
    const forged = await harness.graphql(readDocument, {
      headers: { ...withApiKey, 'x-request-id': 'x" , "level":"error' },
    })

    expect(given.headers.get('x-request-id')).toBe('trace-42.a:b')
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    expect(entries().map((entry) => entry['requestId'])).toEqual(['trace-42.a:b', forged.headers.get('x-request-id')])
  })

  it('records each upstream call’s status, attempts and error code, and the answer’s error codes', async () => {
    await start({ gateway: faultSuiteGateway })
    harness.fakeSeam.failNext({ status: 503 }, { status: 503 }, { status: 503 })
    await harness.graphql(readDocument, { headers: withApiKey })
    harness.fakeSeam.failNext({ delayMs: 2_000 })
    await harness.graphql(mutationDocument, { headers: withApiKey })

    const [read, mutation] = entries()
    expect(read).toMatchObject({
      operationName: 'Session',
      upstreamCalls: [{ endpoint: '/client_sessions/get', status: 503, attempts: 3, error: 'UPSTREAM_ERROR' }],
      errorCodes: ['UPSTREAM_ERROR'],
    })
    expect(mutation).toMatchObject({
      operationName: 'Grant',
      upstreamCalls: [{ endpoint: '/client_sessions/grant_access', status: null, error: 'GATEWAY_TIMEOUT' }],
      errorCodes: ['GATEWAY_TIMEOUT'],
    })
    expect(harness.fakeSeam.requests).toHaveLength(4)
  })

  it('records a call whose 2xx answer breaks the contract as failed, once, with its status', async () => {
    await start({ gateway: faultSuiteGateway })
    harness.fakeSeam.failNext({ status: 200, body: '{"client_session":{"client_session_id":5}}' })
    const answer = await harness.graphql(readDocument, { headers: withApiKey })
    expect(answer.body.errors?.map((error) => error.extensions['code'])).toEqual(['UPSTREAM_ERROR'])

    expect(entries()).toMatchObject([
      {
        upstreamCalls: [{ endpoint: '/client_sessions/get', status: 200, attempts: 1, error: 'UPSTREAM_ERROR' }],
        errorCodes: ['UPSTREAM_ERROR'],
      },
    ])
    expect(entries()[0]!['upstreamCalls']).toHaveLength(1)
  })

  it('logs requests that never run, with their codes and no upstream call', async () => {
    await start()
    await harness.graphql('{ clientSession(', { headers: withApiKey })
    await harness.graphql(readDocument)

    expect(entries()).toMatchObject([
      { status: 400, upstreamCalls: [], errorCodes: ['GRAPHQL_PARSE_FAILED'] },
      { operationName: 'Session', upstreamCalls: [], errorCodes: ['UNAUTHENTICATED'] },
    ])
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })

  it('holds no credential, token, variable, query string or body', async () => {
    await start()
    const secretVariable = 'SECRET_VARIABLE_VALUE'
    await harness.graphql(
      'query Lookup($key: String!) { clientSession(userIdentifierKey: $key) { clientSessionId token } }',
      { variables: { key: secretVariable }, headers: withApiKey },
    )
    const query = encodeURIComponent('{ clientSession(userIdentifierKey: "SECRET_IN_URL") { token } }')
    await fetch(`${harness.gatewayUrl}?query=${query}`, {
      headers: { ...withApiKey, accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
    })
    await harness.graphql(readDocument, { headers: { authorization: `Bearer ${clientSession().token}` } })

    expect(lines).toHaveLength(3)
    expect(entries()[1]).toMatchObject({ method: 'GET', path: '/graphql' })
    for (const line of lines) {
      expect(line).not.toContain(apiKey)
      expect(line).not.toContain(clientSession().token)
      expect(line).not.toContain('SECRET_')
      expect(line).not.toContain('clientSession(')
    }
  })

  it('leaves out an operationName that is not a GraphQL name', async () => {
    await start()
    await fetch(harness.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...withApiKey },
      body: JSON.stringify({ query: readDocument, operationName: `Bearer ${apiKey}` }),
    })

    expect(lines).toHaveLength(1)
    expect(lines[0]).not.toContain(apiKey)
  })

  it.each([{ fastLane: true }, { fastLane: false }])(
    'logs no operation name longer than 128 characters, whether sent or only in the document (fastLane: $fastLane)',
    async ({ fastLane }) => {
      await start({ gateway: { fastLane } })
      const longest = `N${'x'.repeat(127)}`
      const tooLong = `N${'x'.repeat(128)}`
      for (const [name, operationName] of [
        [longest, undefined],
        [tooLong, undefined],
        [tooLong, tooLong],
      ] as const) {
        await fetch(harness.gatewayUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...withApiKey },
          body: JSON.stringify({ query: `query ${name} { __typename }`, operationName }),
        })
      }

      expect(entries().map((entry) => entry['operationName'])).toEqual([longest, undefined, undefined])
      expect(lines.join('\n')).not.toContain(tooLong)
    },
  )

  it('logs a body refused by the listener, before yoga, like any other request, and gives it an id', async () => {
    await start({ gateway: { maxRequestBodyBytes: 1024 } })
    const tooLarge = JSON.stringify({ query: `{ __typename }${' '.repeat(2048)}` })
    const post = (headers: Record<string, string>, body: BodyInit) =>
      fetch(`${harness.gatewayUrl}?query=SECRET_IN_URL`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        duplex: 'half',
      } as RequestInit)
    const announced = await post({ 'x-request-id': 'trace-413' }, tooLarge)
    // Sent in chunks without a length: refused once it has grown past the limit.
    const chunked = await post(
      { 'x-request-id': 'x" , "level":"error' },
      new ReadableStream({
        start(controller) {
          for (let at = 0; at < tooLarge.length; at += 256) {
            controller.enqueue(new TextEncoder().encode(tooLarge.slice(at, at + 256)))
          }
          controller.close()
        },
      }),
    )

    expect([announced.status, chunked.status]).toEqual([413, 413])
    expect(announced.headers.get('x-request-id')).toBe('trace-413')
    expect(chunked.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const refusedLine = (requestId: string | null) => ({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'info',
      msg: 'request',
      requestId,
      method: 'POST',
      path: '/graphql',
      status: 413,
      durationMs: expect.any(Number),
      upstreamCalls: [],
      errorCodes: ['PAYLOAD_TOO_LARGE'],
    })
    expect(entries()).toEqual([refusedLine('trace-413'), refusedLine(chunked.headers.get('x-request-id'))])
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })

  it('skips /health and /ready, which probes call all day', async () => {
    await start()
    const origin = new URL(harness.gatewayUrl).origin
    await fetch(`${origin}/health`)
    await fetch(`${origin}/ready`)

    expect(lines).toEqual([])
  })

  it('is off with LOG_REQUESTS=false', async () => {
    harness = await startHarness({ gateway: { requestLog: false } })
    await harness.graphql(readDocument, { headers: withApiKey })

    expect(harness.logs.filter((line) => line.includes('"msg":"request"'))).toEqual([])
  })

  it('goes to stdout by default', async () => {
    harness = await startHarness()
    await harness.graphql(readDocument, { headers: withApiKey })

    expect(harness.logs.filter((line) => line.startsWith('stdout {"time"'))).toHaveLength(1)
  })
})
