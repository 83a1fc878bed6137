/**
 * The fault suite: a real fake of Seam misbehaves in every way the issue lists, and the gateway answers
 * each with a clean, bounded error, retries reads only where that is safe, and keeps its process and its
 * connection pool healthy. Every test counts the requests the fake saw.
 */
import { connect, createServer } from 'node:net'

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

import { FakeSeam } from '../src/fake-seam/fake-seam.js'
import {
  attemptsFor,
  faultCases,
  faultSuiteGateway,
  mutationDocument,
  operations,
  readDocument,
  secrets,
} from './support/faults.js'
import {
  apiKey,
  clientSession,
  codesOf,
  type Harness,
  startHarness,
  withApiKey,
  workspaceId,
} from './support/harness.js'
import { waitFor } from './support/wait-for.js'

// The process must survive every fault: nothing may escape as an unhandled rejection or exception.
const escaped: unknown[] = []
const onEscape = (error: unknown) => escaped.push(error)
beforeAll(() => {
  process.on('unhandledRejection', onEscape)
  process.on('uncaughtException', onEscape)
})
afterAll(() => {
  process.off('unhandledRejection', onEscape)
  process.off('uncaughtException', onEscape)
  expect(escaped).toEqual([])
})

let harness: Harness | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

describe.each(operations)('a $kind ($name) meeting', ({ kind, path, document }) => {
  it.each(faultCases)('$name answers its code after the expected number of attempts', async (faultCase) => {
    harness = await startHarness({ gateway: faultSuiteGateway })
    const attempts = attemptsFor(faultCase, kind)
    harness.fakeSeam.failNext(...Array.from({ length: attempts }, () => faultCase.fault))
    const answer = await harness.graphql(document, { headers: withApiKey })

    expect(codesOf(answer)).toEqual([faultCase.code])
    expect(answer.body.errors?.[0]?.path).toEqual(path)
    expect(harness.fakeSeam.requests).toHaveLength(attempts)
  })
})

describe('the deadline', () => {
  it.each(operations)(
    'answers a $kind GATEWAY_TIMEOUT within the deadline + 250 ms when Seam is slow',
    async ({ document }) => {
      harness = await startHarness({ gateway: faultSuiteGateway })
      harness.fakeSeam.failNext({ delayMs: 5_000 })
      const started = performance.now()
      const answer = await harness.graphql(document, { headers: withApiKey })

      expect(codesOf(answer)).toEqual(['GATEWAY_TIMEOUT'])
      expect(performance.now() - started).toBeLessThan(faultSuiteGateway.upstreamTimeoutMs + 250)
      expect(harness.fakeSeam.requests).toHaveLength(1)
      // The abandoned call's connection is closed, not left waiting for the slow answer.
      await waitFor(() => harness!.fakeSeam.abandonedAnswers === 1, 'the fake to see its answer abandoned')
    },
  )

  it('covers retries too: a read that keeps failing slowly ends at the deadline, not after three slow attempts', async () => {
    harness = await startHarness({ gateway: faultSuiteGateway })
    const slow503 = { delayMs: 200, status: 503, body: secrets.html, contentType: 'text/html' }
    harness.fakeSeam.failNext(slow503, slow503, slow503)
    const started = performance.now()
    const answer = await harness.graphql(readDocument, { headers: withApiKey })

    expect(codesOf(answer)).toEqual(['GATEWAY_TIMEOUT'])
    expect(performance.now() - started).toBeLessThan(faultSuiteGateway.upstreamTimeoutMs + 250)
    expect(harness.fakeSeam.requests).toHaveLength(2)
  })
})

describe('retries', () => {
  it.each([502, 503, 504, 429])('retry a read after a %i, which then succeeds', async (status) => {
    harness = await startHarness({ gateway: faultSuiteGateway })
    harness.fakeSeam.failNext({ status, contentType: 'text/html', body: secrets.html })
    const answer = await harness.graphql(readDocument, { headers: withApiKey })

    expect(answer.body).toEqual({ data: { clientSession: { clientSessionId: clientSession().client_session_id } } })
    expect(harness.fakeSeam.requests).toHaveLength(2)
  })

  it('retry a read after a connection reset, which then succeeds', async () => {
    harness = await startHarness({ gateway: faultSuiteGateway })
    harness.fakeSeam.failNext({ reset: true })
    const answer = await harness.graphql(readDocument, { headers: withApiKey })

    expect(answer.body.errors).toBeUndefined()
    expect(harness.fakeSeam.requests).toHaveLength(2)
  })

  it('send a read three times at most', async () => {
    harness = await startHarness({ gateway: faultSuiteGateway })
    harness.fakeSeam.failNext(...Array.from({ length: 5 }, () => ({ status: 503 })))
    const answer = await harness.graphql(readDocument, { headers: withApiKey })

    expect(codesOf(answer)).toEqual(['UPSTREAM_ERROR'])
    expect(harness.fakeSeam.requests).toHaveLength(3)
  })

  it.each([502, 503, 504, 429])('never send a mutation again after a %i', async (status) => {
    harness = await startHarness({ gateway: faultSuiteGateway })
    harness.fakeSeam.failNext({ status, body: '' })
    const answer = await harness.graphql(mutationDocument, { headers: withApiKey })

    expect(codesOf(answer)).toEqual([status === 429 ? 'RATE_LIMITED' : 'UPSTREAM_ERROR'])
    expect(harness.fakeSeam.requests).toHaveLength(1)
  })

  it('wait as long as Retry-After says, when that is within the cap', async () => {
    harness = await startHarness({ gateway: { ...faultSuiteGateway, upstreamTimeoutMs: 3_000 } })
    harness.fakeSeam.failNext({ status: 429, headers: { 'retry-after': '1' }, body: '' })
    const answer = await harness.graphql(readDocument, { headers: withApiKey })

    expect(answer.body.errors).toBeUndefined()
    const [first, second] = harness.fakeSeam.requests
    expect(harness.fakeSeam.requests).toHaveLength(2)
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(990)
  })

  it('do not wait for a Retry-After that the deadline cannot cover: the client gets it instead', async () => {
    harness = await startHarness({ gateway: faultSuiteGateway })
    harness.fakeSeam.failNext({ status: 429, headers: { 'retry-after': '1' }, body: '' })
    const answer = await harness.graphql(readDocument, { headers: withApiKey })

    expect(codesOf(answer)).toEqual(['RATE_LIMITED'])
    expect(answer.body.errors?.[0]?.extensions['retryAfterSeconds']).toBe(1)
    expect(harness.fakeSeam.requests).toHaveLength(1)
  })

  it('are off with SEAM_RETRIES=0', async () => {
    harness = await startHarness({ gateway: { ...faultSuiteGateway, upstreamRetries: 0 } })
    harness.fakeSeam.failNext({ status: 503 })
    const answer = await harness.graphql(readDocument, { headers: withApiKey })

    expect(codesOf(answer)).toEqual(['UPSTREAM_ERROR'])
    expect(harness.fakeSeam.requests).toHaveLength(1)
  })
})

describe('an unreachable Seam', () => {
  it.each(operations)('is UPSTREAM_UNAVAILABLE for a $kind when the connection is refused', async ({ document }) => {
    const port = await freePort()
    harness = await startHarness({ gateway: { ...faultSuiteGateway, seamEndpoint: `http://127.0.0.1:${port}` } })
    const answer = await harness.graphql(document, { headers: withApiKey })

    expect(codesOf(answer)).toEqual(['UPSTREAM_UNAVAILABLE'])
    expect(harness.fakeSeam.requests).toHaveLength(0)
    expect(answer.text).not.toContain(String(port))
  })

  it('down at start-up and up later: the gateway answers as soon as Seam does', async () => {
    const port = await freePort()
    harness = await startHarness({ gateway: { ...faultSuiteGateway, seamEndpoint: `http://127.0.0.1:${port}` } })
    expect(codesOf(await harness.graphql(readDocument, { headers: withApiKey }))).toEqual(['UPSTREAM_UNAVAILABLE'])

    const lateSeam = new FakeSeam({ workspaceId, apiKeys: [apiKey], clientSessions: [clientSession()] })
    await lateSeam.listen(port)
    try {
      const answer = await harness.graphql(readDocument, { headers: withApiKey })
      expect(answer.body).toEqual({ data: { clientSession: { clientSessionId: clientSession().client_session_id } } })
      expect(lateSeam.requests).toHaveLength(1)
    } finally {
      await lateSeam.close()
    }
  })
})

describe('the connection pool', () => {
  it('50 error answers in a row leave no connection stuck: the next call succeeds on a reused connection', async () => {
    harness = await startHarness({ gateway: faultSuiteGateway })
    const errors = Array.from({ length: 50 }, (_, index) =>
      index % 2 === 0
        ? { status: 500, contentType: 'text/html', body: secrets.html.repeat(100) }
        : { status: 400, body: JSON.stringify({ error: { type: 'invalid_input', message: 'Invalid input' } }) },
    )
    harness.fakeSeam.failNext(...errors)
    for (const _ of errors) await harness.graphql(mutationDocument, { headers: withApiKey })
    const answer = await harness.graphql(readDocument, { headers: withApiKey })

    expect(answer.body.errors).toBeUndefined()
    expect(harness.fakeSeam.requests).toHaveLength(51)
    // Every error answer was read to its end, so one keep-alive connection carried all 51 calls.
    expect(harness.fakeSeam.connections).toBe(1)
    expect(harness.fakeSeam.answersInFlight).toBe(0)
  })

  it('a body over the maximum is cut off, not read to its end', async () => {
    harness = await startHarness({ gateway: faultSuiteGateway })
    harness.fakeSeam.failNext({ bodyBytes: 64 * 1024 * 1024, headers: { 'Seam-Request-Id': 'req-too-large' } })
    const answer = await harness.graphql(readDocument, { headers: withApiKey })

    expect(codesOf(answer)).toEqual(['UPSTREAM_ERROR'])
    // Cut off after its headers: the error still cites Seam's status and request id.
    expect(answer.body.errors?.[0]?.extensions['seam']).toEqual({ status: 200, requestId: 'req-too-large' })
    expect(harness.fakeSeam.requests).toHaveLength(1)
    // The fake could not send its 64 MiB: the gateway dropped the connection past 16 KiB.
    await waitFor(() => harness!.fakeSeam.abandonedAnswers === 1, 'the fake to see its answer abandoned')
  })
})

describe('a client that disconnects mid-request', () => {
  it('takes its in-flight upstream call with it, which is not retried', async () => {
    harness = await startHarness({ gateway: { ...faultSuiteGateway, upstreamTimeoutMs: 10_000 } })
    harness.fakeSeam.failNext({ delayMs: 8_000 })
    const { port } = new URL(harness.gatewayUrl)
    const body = JSON.stringify({ query: readDocument })
    const socket = connect(Number(port), '127.0.0.1')
    socket.on('error', () => {})
    socket.write(
      `POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
        `authorization: Bearer ${apiKey}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
    await waitFor(() => harness!.fakeSeam.requests.length === 1, 'the call to reach the fake')
    const left = performance.now()
    socket.destroy()

    await waitFor(() => harness!.fakeSeam.abandonedAnswers === 1, 'the fake to see its answer abandoned')
    // Long before the fake's 8 s answer, or the 10 s budget: the call was aborted, not timed out.
    expect(performance.now() - left).toBeLessThan(4_000)
    expect(harness.fakeSeam.requests).toHaveLength(1)
  })

  it('takes the calls of a pipelined request, still waiting for its turn to answer, with it too', async () => {
    harness = await startHarness({ gateway: { ...faultSuiteGateway, upstreamTimeoutMs: 10_000 } })
    harness.fakeSeam.failNext({ delayMs: 8_000 }, { delayMs: 8_000 })
    const { port } = new URL(harness.gatewayUrl)
    const body = JSON.stringify({ query: readDocument })
    const request =
      `POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
      `authorization: Bearer ${apiKey}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
    const socket = connect(Number(port), '127.0.0.1')
    socket.on('error', () => {})
    // Two requests on one connection: the second's answer waits behind the first's.
    socket.write(request + request)
    await waitFor(() => harness!.fakeSeam.requests.length === 2, 'both calls to reach the fake')
    const left = performance.now()
    socket.destroy()

    await waitFor(() => harness!.fakeSeam.abandonedAnswers === 2, 'the fake to see both answers abandoned')
    expect(performance.now() - left).toBeLessThan(4_000)
    expect(harness.fakeSeam.requests).toHaveLength(2)
  })
})
