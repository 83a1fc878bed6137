/**
 * Load with faults: 2000 requests at concurrency 50 while the fake answers a quarter of its calls with
 * a random fault. Every answer must be well-formed GraphQL with a code from the error table of
 * docs/errors.md, and afterwards the upstream connections and the heap must be back near where a
 * fault-free warm-up left them: nothing stuck, nothing leaked.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { Fault } from '../src/fake-seam/fake-seam.js'
import { SeamClient } from '../src/seam/client.js'
import { errorTable } from './support/docs.js'
import { entitiesDocument, faultSuiteGateway, mutationDocument, readDocument, secrets } from './support/faults.js'
import { type GraphQLAnswer, type Harness, startHarness, withApiKey } from './support/harness.js'
import { waitFor } from './support/wait-for.js'

setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as () => void

/**
 * The codes of docs/errors.md's table, less the one it lists as never in an answer: an aborted upstream
 * call's `CLIENT_CLOSED_REQUEST` belongs in the log alone.
 */
function answerableErrorCodes(): Set<string> {
  const { codes } = errorTable()
  codes.delete('CLIENT_CLOSED_REQUEST')
  return codes
}

// Gateway, fake and clients share one busy process here: the time limit leaves room for that.
const timeoutMs = 3_000

const faults: Fault[] = [
  { delayMs: timeoutMs + 200 },
  { reset: true },
  { status: 500, contentType: 'text/html', body: secrets.html },
  { status: 502, contentType: 'text/html', body: secrets.html },
  { status: 503 },
  { status: 504, body: 'not json' },
  { status: 200, body: '{"client_session": ' },
  { status: 429, body: JSON.stringify({ error: { type: 'rate_limited', message: 'Slow down' } }) },
  { bodyBytes: 64 * 1024 },
]

/**
 * Every kind of operation, taken in turn: reads (retried) and mutations (never retried). The list is
 * filtered and the get-or-create finds its session, so that the fake's answers and memory stay the same size.
 */
const documents = [
  readDocument,
  'query Sessions { clientSessions(filter: { userIdentifierKey: "user_42" }) { clientSessionId token } }',
  entitiesDocument,
  mutationDocument,
  `mutation GetOrCreate { getOrCreateClientSession(input: { userIdentifierKey: "user_42" }) {
    clientSession { clientSessionId token } } }`,
]

let harness: Harness
let seamClient: SeamClient
beforeAll(async () => {
  harness = await startHarness({
    gateway: { requestLog: false },
    dependencies: (endpoint) => {
      seamClient = new SeamClient({
        endpoint,
        timeoutMs,
        maxResponseBytes: faultSuiteGateway.upstreamMaxResponseBytes,
        retry: { baseDelayMs: 1 },
      })
      return { seamClient }
    },
  })
})
afterAll(() => harness.close())

interface Tally {
  answers: number
  successes: number
  /** Error codes and how often each came. */
  codes: Map<string, number>
  /** Answers that were not well-formed GraphQL with known codes; kept only when there are any. */
  malformed: GraphQLAnswer[]
}

/**
 * Sends `total` requests, `concurrency` at a time, taking the documents in turn, and checks each
 * answer as it comes: answers are tallied, not kept, so that they do not weigh on the heap measured after.
 */
async function load(total: number, concurrency: number, knownCodes: Set<string>): Promise<Tally> {
  const tally: Tally = { answers: 0, successes: 0, codes: new Map(), malformed: [] }
  let next = 0
  const worker = async () => {
    while (next < total) {
      const index = next++
      const answer = await harness.graphql(documents[index % documents.length]!, { headers: withApiKey })
      tally.answers += 1
      const errors = answer.body.errors ?? []
      const wellFormed =
        answer.status === 200 &&
        'data' in answer.body &&
        errors.every((error) => typeof error.message === 'string' && knownCodes.has(error.extensions['code']))
      if (!wellFormed) tally.malformed.push(answer)
      if (errors.length === 0) tally.successes += 1
      for (const { extensions } of errors)
        tally.codes.set(extensions['code'], (tally.codes.get(extensions['code']) ?? 0) + 1)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return tally
}

/** Waits until nothing is in flight, then measures the heap and the open upstream sockets. */
async function settled() {
  await waitFor(() => harness.fakeSeam.answersInFlight === 0, 'the fake to have no answer in flight')
  // undici updates its counters when it next runs its queue: a request aborted by its deadline may
  // still count as pending for a moment after the fake gave up on it. waitFor fails if it stays so.
  const idle = () => {
    const { running, pending, queued } = seamClient.poolStats
    return running + pending + queued === 0
  }
  await waitFor(idle, 'the upstream pool to have nothing running, pending or queued')
  // The fake keeps every request it saw; that is the test's memory, not the gateway's.
  harness.fakeSeam.requests.splice(0)
  collectGarbage()
  return { heapUsed: process.memoryUsage().heapUsed, sockets: harness.fakeSeam.liveConnections }
}

describe('2000 requests at concurrency 50 with random upstream faults', () => {
  it('answer well-formed GraphQL with known codes, and leave sockets and memory as they found them', async () => {
    const concurrency = 50
    const knownCodes = answerableErrorCodes()
    expect(knownCodes.size).toBeGreaterThan(10)
    const warmUp = await load(200, concurrency, knownCodes)
    expect(warmUp).toMatchObject({ answers: 200, successes: 200, malformed: [] })
    const before = await settled()

    harness.fakeSeam.failRandomly(0.25, faults)
    const underFaults = await load(2_000, concurrency, knownCodes)
    const upstreamRequests = harness.fakeSeam.requests.length
    harness.fakeSeam.failRandomly(0, [])
    const after = await settled()

    expect(underFaults.answers).toBe(2_000)
    expect(underFaults.malformed).toEqual([])
    // The faults did happen, and most calls still succeeded: reads were retried past theirs.
    expect([...underFaults.codes.keys()]).toEqual(
      expect.arrayContaining(['GATEWAY_TIMEOUT', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_ERROR', 'RATE_LIMITED']),
    )
    expect(upstreamRequests).toBeGreaterThan(2_000)
    expect(underFaults.successes).toBeGreaterThan(1_000)

    // Open upstream sockets: no more than the load's concurrency, as after the warm-up; none busy. A
    // connection that a fault reset may still be closing on the fake's side for a moment: waitFor gives
    // it that moment, and fails if more sockets than that stay open.
    const socketLimit = Math.max(before.sockets, concurrency)
    await waitFor(() => harness.fakeSeam.liveConnections <= socketLimit, `at most ${socketLimit} open upstream sockets`)
    expect(after.sockets).toBeGreaterThan(0)
    // The heap: back within a few megabytes of where the warm-up left it.
    expect(after.heapUsed - before.heapUsed).toBeLessThan(8 * 1024 * 1024)
  }, 120_000)
})
