/**
 * An embedder's request-log function that throws: every answer is still whole, on either lane and for a
 * request the listener refuses, and the operator's error log says so once per run of failures.
 */
import { afterEach, describe, expect, it } from 'vitest'

import { readDocument } from './support/faults.js'
import { type Harness, startHarness, withApiKey } from './support/harness.js'

let harness: Harness
afterEach(() => harness.close())

/** A sink that fails while `broken` is true and keeps what it was given otherwise. */
function sink() {
  const state = { broken: true, lines: [] as string[] }
  const write = (line: string) => {
    if (state.broken) throw new Error('the log disk is full')
    state.lines.push(line)
  }
  return { state, write }
}

const failureReports = () => harness.logs.filter((line) => line.includes('the log disk is full'))

describe.each([true, false])('a request log whose function throws (fastLane %s)', (fastLane) => {
  it('changes no answer, and is reported once until a line goes through again', async () => {
    const { state, write } = sink()
    harness = await startHarness({ gateway: { fastLane, requestLog: write } })

    const answers = [
      await harness.graphql(readDocument, { headers: { ...withApiKey, 'x-request-id': 'first' } }),
      await harness.graphql(readDocument, { headers: { ...withApiKey, 'x-request-id': 'second' } }),
    ]
    for (const [index, answer] of answers.entries()) {
      expect(answer.status).toBe(200)
      expect(answer.body.errors).toBeUndefined()
      expect(answer.body.data?.['clientSession']).toMatchObject({ clientSessionId: expect.any(String) })
      expect(answer.headers.get('x-request-id')).toBe(['first', 'second'][index])
    }
    expect(failureReports()).toHaveLength(1)
    expect(failureReports()[0]).toMatch(/^error /)

    state.broken = false
    await harness.graphql(readDocument, { headers: withApiKey })
    expect(state.lines).toHaveLength(1)
    state.broken = true
    await harness.graphql(readDocument, { headers: withApiKey })
    expect(failureReports()).toHaveLength(2)
  })

  it('changes no answer when the gateway’s logger throws as well', async () => {
    const { write } = sink()
    const brokenToo = () => {
      throw new Error('the error log is on the same full disk')
    }
    const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: brokenToo }
    harness = await startHarness({ gateway: { fastLane, requestLog: write, logger } })

    for (const id of ['first', 'second']) {
      const answer = await harness.graphql(readDocument, { headers: { ...withApiKey, 'x-request-id': id } })
      expect(answer.status).toBe(200)
      expect(answer.body.data?.['clientSession']).toMatchObject({ clientSessionId: expect.any(String) })
      expect(answer.headers.get('x-request-id')).toBe(id)
    }
  })
})

it('a request the listener refuses is answered whole as well', async () => {
  const { write } = sink()
  harness = await startHarness({ gateway: { requestLog: write, maxRequestBodyBytes: 100 } })
  const response = await fetch(harness.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'too-big' },
    body: JSON.stringify({ query: `{ __typename ${' '.repeat(200)} }` }),
  })

  await response.text()
  expect(response.status).toBe(413)
  expect(response.headers.get('x-request-id')).toBe('too-big')
  expect(failureReports()).toHaveLength(1)
})
