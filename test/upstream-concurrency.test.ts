import { afterEach, describe, expect, it } from 'vitest'

import { codesOf, type Harness, startHarness, withApiKey } from './support/harness.js'

let harness: Harness
afterEach(() => harness.close())

/** A query that reads the given sessions, each with its own upstream call. */
const reads = (ids: string[]) =>
  `{ ${ids.map((id, index) => `s${index}: clientSession(clientSessionId: "${id}") { clientSessionId }`).join(' ')} }`

function slowAnswers(count: number, delayMs = 100) {
  harness.fakeSeam.failNext(...Array.from({ length: count }, () => ({ delayMs })))
  harness.fakeSeam.peakInFlight = 0
}

describe('SEAM_MAX_CONCURRENT_CALLS', () => {
  it('holds across all the operations of a batched request, while SEAM_CALL_BUDGET stays per operation', async () => {
    harness = await startHarness({
      gateway: { batchLimit: 3, maxConcurrentUpstreamCalls: 2, upstreamCallBudget: 2 },
    })
    const ids = harness.fakeSeam.seedClientSessions(6).map((session) => session.client_session_id)
    slowAnswers(6)
    const response = await fetch(harness.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...withApiKey },
      body: JSON.stringify([0, 2, 4].map((first) => ({ query: reads(ids.slice(first, first + 2)) }))),
    })
    const answers = (await response.json()) as { data: Record<string, unknown>; errors?: unknown }[]

    // Each operation makes 2 calls, its whole budget, and all 6 are made.
    expect(answers.map((answer) => answer.errors)).toEqual([undefined, undefined, undefined])
    expect(answers.flatMap((answer) => Object.values(answer.data))).toHaveLength(6)
    expect(harness.fakeSeam.requests).toHaveLength(6)
    expect(harness.fakeSeam.peakInFlight).toBe(2)
  })
  it('hands a freed slot to the call that waited for it, not to one the freeing call starts next', async () => {
    // A grant answered without its session reads it back as soon as the grant answers, while the other
    // operation's read has been waiting for that very slot: one of them must wait again.
    harness = await startHarness({
      fake: { grantAnswer: 'empty' },
      gateway: { batchLimit: 2, maxConcurrentUpstreamCalls: 1 },
    })
    const [id] = harness.fakeSeam.seedClientSessions(1).map((session) => session.client_session_id)
    slowAnswers(3)
    const grant = `mutation { grantClientSessionAccess(input: { clientSessionId: "${id}", connectWebviewIds: [] }) {
      clientSession { clientSessionId } } }`
    const response = await fetch(harness.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...withApiKey },
      body: JSON.stringify([{ query: grant }, { query: reads([id!]) }]),
    })
    const answers = (await response.json()) as { errors?: unknown }[]

    expect(answers.map((answer) => answer.errors)).toEqual([undefined, undefined])
    expect(harness.fakeSeam.requests.map((request) => request.path)).toEqual([
      '/client_sessions/grant_access',
      '/client_sessions/get',
      '/client_sessions/get',
    ])
    expect(harness.fakeSeam.peakInFlight).toBe(1)
  })

  it('lets more than ten calls of one operation be in flight without a listener-leak warning', async () => {
    harness = await startHarness({ gateway: { maxConcurrentUpstreamCalls: 16 } })
    const ids = harness.fakeSeam.seedClientSessions(12).map((session) => session.client_session_id)
    slowAnswers(12)
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push(warning.name)
    process.on('warning', onWarning)
    try {
      const answer = await harness.graphql(reads(ids), { headers: withApiKey })

      expect(codesOf(answer)).toEqual([])
      expect(harness.fakeSeam.peakInFlight).toBe(12)
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings).toEqual([])
    } finally {
      process.off('warning', onWarning)
    }
  })
})

describe('SEAM_MAX_CONNECTIONS', () => {
  it('bounds the connections to Seam across concurrent requests; the calls beyond it wait for one', async () => {
    harness = await startHarness({ gateway: { upstreamMaxConnections: 2 } })
    const ids = harness.fakeSeam.seedClientSessions(6).map((session) => session.client_session_id)
    slowAnswers(6)
    const answers = await Promise.all(ids.map((id) => harness.graphql(reads([id]), { headers: withApiKey })))

    expect(answers.map(codesOf)).toEqual(ids.map(() => []))
    expect(harness.fakeSeam.requests).toHaveLength(6)
    expect(harness.fakeSeam.peakInFlight).toBe(2)
    expect(harness.fakeSeam.connections).toBe(2)
  })
})
