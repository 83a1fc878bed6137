import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterEach, describe, expect, it } from 'vitest'

import { SeamClient } from '../src/seam/client.js'
import { apiKey, clientSession, codesOf, type Harness, startHarness, withApiKey } from './support/harness.js'
import { waitFor } from './support/wait-for.js'

let harness: Harness
let lines: string[]
afterEach(() => harness.close())

async function start(gateway: NonNullable<Parameters<typeof startHarness>[0]>['gateway']) {
  lines = []
  harness = await startHarness({
    fake: { clientSessions: [own, other] },
    gateway: { requestLog: (line) => lines.push(line), upstreamRetries: 0, ...gateway },
  })
}

const own = clientSession()
const other = clientSession({
  client_session_id: '6a1f0c2e-9d4b-4e8a-b7c3-2f5e8d9a0b1c',
  token: 'seam_cst1_SECRETotherTOKEN',
  user_identifier_key: 'user_43',
})

/** The list is a non-null root field: when it fails, graphql-js answers at once, data null. */
const listAndReads = `{
  clientSessions { clientSessionId }
  first: clientSession(clientSessionId: "${own.client_session_id}") { clientSessionId }
  second: clientSession(clientSessionId: "${other.client_session_id}") { clientSessionId }
}`

const read = ({ client_session_id }: typeof own) =>
  `{ clientSession(clientSessionId: "${client_session_id}") { clientSessionId } }`

const requestLogEntry = () => JSON.parse(lines[0]!) as { upstreamCalls: Record<string, unknown>[] }

describe('an operation whose result is ready', () => {
  it.each([
    ['on', true],
    ['off', false],
  ])('sends Seam none of the calls its other fields have not started yet (lean lane %s)', async (_, fastLane) => {
    await start({ maxConcurrentUpstreamCalls: 1, fastLane })
    // A client session token may read its own session but not list: the list fails before any call,
    // while both reads are still waiting to be sent.
    const answer = await harness.graphql(listAndReads, { headers: { authorization: `Bearer ${own.token}` } })
    const receivedByAnswer = harness.fakeSeam.requests.length
    // Long enough for calls left behind to reach the fake: it answers on loopback at once.
    await sleep(300)

    expect(answer.body.data).toBeNull()
    expect(codesOf(answer)).toEqual(['UNAUTHENTICATED'])
    expect(receivedByAnswer).toBe(0)
    expect(harness.fakeSeam.requests).toHaveLength(0)
    expect(requestLogEntry().upstreamCalls).toEqual([])
  })

  // With tracing on, yoga serves every request: the lean lane is seen without it.
  it.each([
    ['the lean lane', false],
    ['yoga, traced', true],
  ])(
    'aborts the call in flight, and records it as cancelled before the log and the trace are written (%s)',
    async (_, traced) => {
      const spans = new InMemorySpanExporter()
      const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] })
      await start({ maxConcurrentUpstreamCalls: 2, ...(traced && { tracing: { tracerProvider } }) })
      // A connection to reuse: the list goes out on it at once, the read only once a second one is open,
      // so the list is the first request the fake sees and gets the first fault.
      await harness.graphql(`{ clientSession(clientSessionId: "${own.client_session_id}") { clientSessionId } }`, {
        headers: withApiKey,
      })
      harness.fakeSeam.requests.length = 0
      lines.length = 0
      spans.reset()
      harness.fakeSeam.failNext({ status: 500, contentType: 'text/html', body: '<html>down</html>' }, { delayMs: 500 })
      const answer = await harness.graphql(
        `{ clientSessions { clientSessionId } first: clientSession(clientSessionId: "${own.client_session_id}") { clientSessionId } }`,
        { headers: withApiKey },
      )
      // Past the read's delay: a read left running would have been answered by now.
      await sleep(700)

      expect(answer.body.data).toBeNull()
      expect(codesOf(answer)).toEqual(['UPSTREAM_ERROR'])
      expect(harness.fakeSeam.requests.map((request) => request.path)).toEqual([
        '/client_sessions/list',
        '/client_sessions/get',
      ])
      expect(harness.fakeSeam.abandonedAnswers).toBe(1)
      expect(requestLogEntry().upstreamCalls).toEqual([
        expect.objectContaining({ endpoint: '/client_sessions/list', status: 500, error: 'UPSTREAM_ERROR' }),
        expect.objectContaining({ endpoint: '/client_sessions/get', status: null, error: 'CLIENT_CLOSED_REQUEST' }),
      ])
      if (!traced) return
      expect(
        spans
          .getFinishedSpans()
          .filter((span) => span.name.startsWith('POST '))
          .map((span) => [span.name, span.attributes['error.type']]),
      ).toEqual([
        ['POST /client_sessions/list', 'UPSTREAM_ERROR'],
        ['POST /client_sessions/get', 'CLIENT_CLOSED_REQUEST'],
      ])
    },
  )

  it('ends a read that waits to be sent again at once, not when its Retry-After has passed', async () => {
    await start({ upstreamRetries: 1, upstreamTimeoutMs: 600_000, upstreamRetryMaxDelayMs: 600_000 })
    // A connection to reuse, so that the list is the first request the fake sees, as above.
    await harness.graphql(read(own), { headers: withApiKey })
    harness.fakeSeam.requests.length = 0
    lines.length = 0
    // The read is told to come back in two minutes; the list fails while it waits.
    harness.fakeSeam.failNext(
      { delayMs: 300, status: 500, contentType: 'text/html', body: '<html>down</html>' },
      { status: 429, headers: { 'retry-after': '120' }, body: '' },
    )
    const answer = await harness.graphql(
      `{ clientSessions { clientSessionId } first: clientSession(clientSessionId: "${own.client_session_id}") { clientSessionId } }`,
      { headers: withApiKey },
    )

    expect(codesOf(answer)).toEqual(['UPSTREAM_ERROR'])
    expect(requestLogEntry().upstreamCalls).toEqual([
      expect.objectContaining({ endpoint: '/client_sessions/list', status: 500, error: 'UPSTREAM_ERROR' }),
      expect.objectContaining({ endpoint: '/client_sessions/get', attempts: 1, error: 'CLIENT_CLOSED_REQUEST' }),
    ])
    expect(harness.fakeSeam.requests.map((request) => request.path)).toEqual([
      '/client_sessions/list',
      '/client_sessions/get',
    ])
  })

  it('ends its calls in a batch without ending those of the other operations', async () => {
    await start({ maxConcurrentUpstreamCalls: 4, batchLimit: 2 })
    harness.fakeSeam.failNext({ delayMs: 200 })
    const response = await fetch(harness.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${own.token}` },
      body: JSON.stringify([
        { query: listAndReads },
        { query: `{ clientSession(clientSessionId: "${own.client_session_id}") { clientSessionId } }` },
      ]),
    })
    const [failed, served] = (await response.json()) as { data: unknown; errors?: unknown[] }[]

    expect(failed?.data).toBeNull()
    expect(served).toEqual({ data: { clientSession: { clientSessionId: own.client_session_id } } })
    await waitFor(() => lines.length === 1, 'the request log line')
    expect(harness.fakeSeam.abandonedAnswers).toBe(0)
  })
})

describe('a call still waiting for a connection to Seam', () => {
  it('ends with its client at once, before a connection frees, and is never sent', async () => {
    lines = []
    let seamClient!: SeamClient
    harness = await startHarness({
      fake: { clientSessions: [own, other] },
      gateway: { requestLog: (line) => lines.push(line) },
      dependencies: (endpoint) => {
        seamClient = new SeamClient({ endpoint, timeoutMs: 3_000, maxConnections: 1 })
        return { seamClient }
      },
    })
    // The only connection is held by a read that Seam never answers: it ends at its 3 s deadline.
    harness.fakeSeam.failNext({ hang: true })
    let holderAnswered = false
    const holder = harness.graphql(read(other), { headers: withApiKey }).finally(() => {
      holderAnswered = true
    })
    await waitFor(() => harness.fakeSeam.requests.length === 1, 'the first read to hold the connection')
    // Another request's read waits in the pool for that connection; then its client goes away.
    const { port } = new URL(harness.gatewayUrl)
    const body = JSON.stringify({ query: read(own) })
    const socket = connect(Number(port), '127.0.0.1')
    socket.on('error', () => {})
    socket.write(
      `POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
        `authorization: Bearer ${apiKey}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
    await waitFor(() => seamClient.poolStats.pending === 1, 'the second read to wait for the connection')
    socket.destroy()

    await waitFor(() => lines.length === 1, 'the log line of the request whose client left')
    expect(holderAnswered).toBe(false)
    expect(requestLogEntry().upstreamCalls).toEqual([
      expect.objectContaining({ endpoint: '/client_sessions/get', status: null, error: 'CLIENT_CLOSED_REQUEST' }),
    ])
    // Once the held read has timed out, the cancelled one gets the connection, and is dropped unsent.
    expect(codesOf(await holder)).toEqual(['GATEWAY_TIMEOUT'])
    await waitFor(() => {
      const { pending, running } = seamClient.poolStats
      return pending === 0 && running === 0
    }, 'the pool to be idle')
    expect(harness.fakeSeam.requests.map((request) => request.body)).toEqual([
      { client_session_id: other.client_session_id },
    ])
  })
})
