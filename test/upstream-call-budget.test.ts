import { afterEach, describe, expect, it } from 'vitest'

import { createContextFactory } from '../src/context.js'
import { SeamClient } from '../src/seam/client.js'
import { SeamCallBudgetError } from '../src/seam/errors.js'
import { apiKey, clientSession, codesOf, type Harness, startHarness, withApiKey } from './support/harness.js'

let harness: Harness
afterEach(() => harness.close())

const grants = (count: number) =>
  `mutation { ${Array.from(
    { length: count },
    (_, index) =>
      `g${index}: grantClientSessionAccess(input: { userIdentifierKey: "user_42", connectWebviewIds: ["w${index}"] }) {
        clientSession { token } }`,
  ).join(' ')} }`

/** `count` aliased reads, each of another session and so a separate upstream call (unknown ones read null). */
const reads = (count: number) =>
  `{ ${Array.from({ length: count }, (_, index) => `s${index}: clientSession(userIdentifierKey: "user_${index}") { token }`).join(' ')} }`

describe('the upstream-call budget of an operation, predicted before it runs', () => {
  it('refuses 13 grants (up to 26 calls) by default, before any call, and runs 12', async () => {
    harness = await startHarness()
    const thirteen = await harness.graphql(grants(13), { headers: withApiKey })

    expect(codesOf(thirteen)).toEqual(['UPSTREAM_CALL_BUDGET_EXCEEDED'])
    expect(thirteen.body.errors?.[0]?.message).toContain('at most 25')
    expect(thirteen.status).toBe(400)
    expect(thirteen.body.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_CALL_BUDGET_EXCEEDED' })
    expect(harness.fakeSeam.requests).toHaveLength(0)

    const twelve = await harness.graphql(grants(12), { headers: withApiKey })
    expect(codesOf(twelve)).toEqual([])
    expect(harness.fakeSeam.requests).toHaveLength(12)
  })

  it('refuses 26 clientSession reads (within a raised alias limit) before any call, and runs 25', async () => {
    harness = await startHarness({ gateway: { operationLimits: { aliases: 30 } } })
    const twentySix = await harness.graphql(reads(26), { headers: withApiKey })

    expect(codesOf(twentySix)).toEqual(['UPSTREAM_CALL_BUDGET_EXCEEDED'])
    expect(harness.fakeSeam.requests).toHaveLength(0)
    expect(codesOf(await harness.graphql(reads(25), { headers: withApiKey }))).toEqual([])
    expect(harness.fakeSeam.requests).toHaveLength(25)
  })

  it('counts the distinct keys of _entities, as a federation gateway sends them, before any call', async () => {
    harness = await startHarness()
    const entities = (count: number, distinct: number) =>
      harness.graphql(
        'query ($r: [_Any!]!) { _entities(representations: $r) { ... on ClientSession { clientSessionId } } }',
        {
          headers: withApiKey,
          variables: {
            r: Array.from({ length: count }, (_, index) => ({
              __typename: 'ClientSession',
              userIdentifierKey: `user_${index % distinct}`,
            })),
          },
        },
      )

    expect(codesOf(await entities(26, 26))).toEqual(['UPSTREAM_CALL_BUDGET_EXCEEDED'])
    expect(harness.fakeSeam.requests).toHaveLength(0)
    // 40 references to 20 sessions: 20 calls, within the budget.
    expect(codesOf(await entities(40, 20))).toEqual([])
    expect(harness.fakeSeam.requests).toHaveLength(20)
    // The same document once more, with more sessions than the budget: counted again, not taken from
    // the prediction of the request before.
    expect(codesOf(await entities(26, 26))).toEqual(['UPSTREAM_CALL_BUDGET_EXCEEDED'])
    expect(harness.fakeSeam.requests).toHaveLength(20)
  })

  it('takes the budget from the options', async () => {
    harness = await startHarness({ gateway: { upstreamCallBudget: 3 } })
    const four = await harness.graphql(reads(4), { headers: withApiKey })
    const three = await harness.graphql(reads(3), { headers: withApiKey })

    expect(codesOf(four)).toEqual(['UPSTREAM_CALL_BUDGET_EXCEEDED'])
    expect(codesOf(three)).toEqual([])
    expect(harness.fakeSeam.requests).toHaveLength(3)
  })

  it('counts through fragments, and leaves out what @skip and @include leave out', async () => {
    harness = await startHarness({ gateway: { upstreamCallBudget: 3 } })
    const document = `query ($more: Boolean!) {
      ...Reads
      s3: clientSession(userIdentifierKey: "user_3") @include(if: $more) { token }
    }
    fragment Reads on Query { ${reads(3).slice(1, -1)} }`
    const withMore = await harness.graphql(document, { headers: withApiKey, variables: { more: true } })
    expect(codesOf(withMore)).toEqual(['UPSTREAM_CALL_BUDGET_EXCEEDED'])
    expect(harness.fakeSeam.requests).toHaveLength(0)

    const withoutMore = await harness.graphql(document, { headers: withApiKey, variables: { more: false } })
    expect(codesOf(withoutMore)).toEqual([])
    expect(harness.fakeSeam.requests).toHaveLength(3)

    // The same document again, after it ran within the budget: its prediction still follows the variables.
    const moreAgain = await harness.graphql(document, { headers: withApiKey, variables: { more: true } })
    expect(codesOf(moreAgain)).toEqual(['UPSTREAM_CALL_BUDGET_EXCEEDED'])
    expect(harness.fakeSeam.requests).toHaveLength(3)
  })

  it('predicts each operation of a document by itself, however often the document is sent', async () => {
    harness = await startHarness({ gateway: { upstreamCallBudget: 3 } })
    const document = `query Small ${reads(1)} query Big ${reads(4)}`
    for (let time = 0; time < 2; time++) {
      const small = await harness.graphql(document, { headers: withApiKey, operationName: 'Small' })
      const big = await harness.graphql(document, { headers: withApiKey, operationName: 'Big' })
      expect(codesOf(small)).toEqual([])
      expect(codesOf(big)).toEqual(['UPSTREAM_CALL_BUDGET_EXCEEDED'])
    }
    expect(harness.fakeSeam.requests).toHaveLength(2)
  })
})

/** Each operation once, by its root field: none makes more than one call to Seam but grant (see its resolver). */
const singleCallOperations: [string, string][] = [
  ['clientSession', 'query', 'clientSession(clientSessionId: "cs-1") { clientSessionId }'],
  ['clientSessions', 'query', 'clientSessions { clientSessionId }'],
  ['createClientSession', 'mutation', 'createClientSession(input: {}) { clientSession { clientSessionId } }'],
  [
    'getOrCreateClientSession',
    'mutation',
    'getOrCreateClientSession(input: { userIdentifierKey: "user_42" }) { clientSession { clientSessionId } }',
  ],
  ['revokeClientSession', 'mutation', 'revokeClientSession(input: { clientSessionId: "cs-1" }) { clientSessionId }'],
  ['deleteClientSession', 'mutation', 'deleteClientSession(input: { clientSessionId: "cs-1" }) { clientSessionId }'],
].map(([name, kind, field]) => [name!, `${kind} { first: ${field} second: ${field} }`])

describe('what each operation declares', () => {
  it.each(singleCallOperations)('counts %s as one call: twice is refused under a budget of 1', async (_, twice) => {
    harness = await startHarness({ gateway: { upstreamCallBudget: 1 } })
    const answer = await harness.graphql(twice, { headers: withApiKey })

    expect(codesOf(answer)).toEqual(['UPSTREAM_CALL_BUDGET_EXCEEDED'])
    expect(answer.body.errors?.[0]?.message).toContain('could make 2 calls')
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })

  it('counts grantClientSessionAccess as two calls, for the read-back', async () => {
    harness = await startHarness({ gateway: { upstreamCallBudget: 3 } })
    const answer = await harness.graphql(grants(2), { headers: withApiKey })

    expect(answer.body.errors?.[0]?.message).toContain('could make 4 calls')
  })
})

describe('the upstream-call budget of a request, counted as calls are made', () => {
  it('counts clientSessions as one call however many sessions it lists', async () => {
    harness = await startHarness({ fake: { clientSessions: [] }, gateway: { upstreamCallBudget: 1 } })
    harness.fakeSeam.seedClientSessions(100)
    const answer = await harness.graphql('{ clientSessions { clientSessionId } }', { headers: withApiKey })

    expect(codesOf(answer)).toEqual([])
    expect(answer.body.data?.['clientSessions']).toHaveLength(100)
    expect(harness.fakeSeam.requests).toHaveLength(1)
  })

  it('refuses the call past the budget without sending it', async () => {
    harness = await startHarness()
    const client = new SeamClient({ endpoint: harness.seamEndpoint, timeoutMs: 2_000 })
    const caller = client.withCredential({ kind: 'api_key', authorization: `Bearer ${apiKey}` }, { maxCalls: 2 })
    const body = { user_identifier_key: 'user_42' }
    try {
      await caller.post('/client_sessions/get', body)
      await caller.post('/client_sessions/get', body)
      await expect(caller.post('/client_sessions/get', body)).rejects.toBeInstanceOf(SeamCallBudgetError)
      expect(harness.fakeSeam.requests).toHaveLength(2)
    } finally {
      await client.close()
    }
  })

  it('gives every request context a caller with the budget', async () => {
    harness = await startHarness()
    const client = new SeamClient({ endpoint: harness.seamEndpoint, timeoutMs: 2_000 })
    const createContext = createContextFactory(client, {
      serverCredential: undefined,
      maxConcurrentCalls: 8,
      upstreamCallBudget: 1,
      logger: console,
    })
    const request = new Request('http://gateway/graphql', { headers: withApiKey })
    const body = { user_identifier_key: 'user_42' }
    try {
      const first = createContext({ request })
      await first.seam.post('/client_sessions/get', body)
      await expect(first.seam.post('/client_sessions/get', body)).rejects.toBeInstanceOf(SeamCallBudgetError)
      // The next request starts with its own budget.
      await createContext({ request }).seam.post('/client_sessions/get', body)
      expect(harness.fakeSeam.requests).toHaveLength(2)
    } finally {
      await client.close()
    }
  })
})
