import { afterEach, describe, expect, it } from 'vitest'

import { schema } from '../src/schema/index.js'
import { clientSession, codesOf, type Harness, startHarness, withApiKey } from './support/harness.js'

let harness: Harness
afterEach(() => harness.close())

/** A Connect Webview ID, a UUID as Seam makes them. */
const webviewId = (index: number) => `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`

const grants = (count: number) =>
  `mutation { ${Array.from(
    { length: count },
    (_, index) =>
      `g${index}: grantClientSessionAccess(input: { userIdentifierKey: "user_42", connectWebviewIds: ["${webviewId(index)}"] }) {
        clientSession { token } }`,
  ).join(' ')} }`

/** `count` aliased reads, each of another session and so a separate upstream call (unknown ones read null). */
const reads = (count: number) =>
  `{ ${Array.from({ length: count }, (_, index) => `s${index}: clientSession(userIdentifierKey: "user_${index}") { token }`).join(' ')} }`

/** One clientSession read (one call) beside `_entities` with the representations `r`. */
const entitiesBesideARead = (r: unknown) =>
  harness.graphql(
    `query ($r: [_Any!]!) {
      clientSession(userIdentifierKey: "user_42") { clientSessionId }
      _entities(representations: $r) { ... on ClientSession { clientSessionId } }
    }`,
    { headers: withApiKey, variables: { r } },
  )

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

  it('counts the rest of a document with _entities once and its keys on every request', async () => {
    harness = await startHarness({ gateway: { upstreamCallBudget: 3 } })
    const reference = (index: number) => ({ __typename: 'ClientSession', userIdentifierKey: `user_${index}` })
    // 1 + 2 calls: within the budget of 3.
    expect(codesOf(await entitiesBesideARead([reference(1), reference(2)]))).toEqual([])
    expect(harness.fakeSeam.requests).toHaveLength(3)
    // The same document with 3 keys: 1 + 3 calls, refused before any; the read beside them still counts.
    expect(codesOf(await entitiesBesideARead([1, 2, 3].map(reference)))).toEqual(['UPSTREAM_CALL_BUDGET_EXCEEDED'])
    expect(harness.fakeSeam.requests).toHaveLength(3)
    // Two occurrences of _entities in one operation add up: 1 + 1 + 1 calls run, 1 + 1 + 2 are refused.
    const twice = (a: unknown[], b: unknown[]) =>
      harness.graphql(
        `query ($a: [_Any!]!, $b: [_Any!]!) {
          clientSession(userIdentifierKey: "user_42") { clientSessionId }
          a: _entities(representations: $a) { ... on ClientSession { clientSessionId } }
          b: _entities(representations: $b) { ... on ClientSession { clientSessionId } }
        }`,
        { headers: withApiKey, variables: { a, b } },
      )
    expect(codesOf(await twice([reference(1)], [reference(2)]))).toEqual([])
    expect(harness.fakeSeam.requests).toHaveLength(6)
    const refused = await twice([reference(1)], [reference(2), reference(3)])
    expect(codesOf(refused)).toEqual(['UPSTREAM_CALL_BUDGET_EXCEEDED'])
    expect(harness.fakeSeam.requests).toHaveLength(6)
  })

  it('counts the default of an _entities variable that a request leaves out, however often the document ran', async () => {
    harness = await startHarness({ gateway: { upstreamCallBudget: 3 } })
    const defaults = Array.from(
      { length: 10 },
      (_, index) => `{ __typename: "ClientSession", userIdentifierKey: "user_${index}" }`,
    ).join(', ')
    const withDefault = (variables: object) =>
      harness.graphql(
        `query ($r: [_Any!] = [${defaults}]) { _entities(representations: $r) { ... on ClientSession { clientSessionId } } }`,
        { headers: withApiKey, variables },
      )

    expect(codesOf(await withDefault({ r: [] }))).toEqual([])
    const leftOut = await withDefault({})
    expect(codesOf(leftOut)).toEqual(['UPSTREAM_CALL_BUDGET_EXCEEDED'])
    expect(leftOut.status).toBe(400)
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })

  it('counts one representation where the list is due as a list of one', async () => {
    harness = await startHarness({ gateway: { upstreamCallBudget: 1 } })
    expect(codesOf(await entitiesBesideARead([]))).toEqual([])
    expect(harness.fakeSeam.requests).toHaveLength(1)
    const single = await entitiesBesideARead({ __typename: 'ClientSession', userIdentifierKey: 'user_1' })
    expect(codesOf(single)).toEqual(['UPSTREAM_CALL_BUDGET_EXCEEDED'])
    expect(harness.fakeSeam.requests).toHaveLength(1)
  })

  it('counts references that name one session by the same identifier as one call, as they are read', async () => {
    harness = await startHarness({ gateway: { upstreamCallBudget: 1 } })
    const { client_session_id: clientSessionId, user_identifier_key: userIdentifierKey } = clientSession()
    const answer = await harness.graphql(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on ClientSession { clientSessionId } } }',
      {
        headers: withApiKey,
        variables: {
          r: [
            { __typename: 'ClientSession', clientSessionId, userIdentifierKey },
            { __typename: 'ClientSession', clientSessionId },
          ],
        },
      },
    )

    expect(codesOf(answer)).toEqual([])
    expect(harness.fakeSeam.requests).toHaveLength(1)
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

const sessionId = '00000000-0000-4000-8000-0000000000c1'
/** Each operation once, by its root field: none makes more than one call to Seam but grant (see its resolver). */
const singleCallOperations: [string, string][] = [
  ['clientSession', 'query', `clientSession(clientSessionId: "${sessionId}") { clientSessionId }`],
  ['clientSessions', 'query', 'clientSessions { clientSessionId }'],
  ['createClientSession', 'mutation', 'createClientSession(input: {}) { clientSession { clientSessionId } }'],
  [
    'getOrCreateClientSession',
    'mutation',
    'getOrCreateClientSession(input: { userIdentifierKey: "user_42" }) { clientSession { clientSessionId } }',
  ],
  [
    'revokeClientSession',
    'mutation',
    `revokeClientSession(input: { clientSessionId: "${sessionId}" }) { clientSessionId }`,
  ],
  [
    'deleteClientSession',
    'mutation',
    `deleteClientSession(input: { clientSessionId: "${sessionId}" }) { clientSessionId }`,
  ],
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

/**
 * Revokes of `ids`, one after another, and a last one whose input is a variable with a default: sent as
 * null, it is null where a non-null input is due. graphql-query-complexity cannot count such a document,
 * and graphql-js would run the revokes before it (mutations run in order) before failing at the last.
 */
const nullWhereInputIsDue = (
  ids: string[],
) => `mutation ($unset: RevokeClientSessionInput = { clientSessionId: "${ids[0]}" }) {
  ${ids.map((id, index) => `r${index}: revokeClientSession(input: { clientSessionId: "${id}" }) { clientSessionId }`).join(' ')}
  unset: revokeClientSession(input: $unset) { clientSessionId }
}`

const revokes = (harness: Harness) =>
  harness.fakeSeam.requests.filter((request) => request.path === '/client_sessions/revoke')

const revokeField = () => schema.getMutationType()!.getFields()['revokeClientSession']!

/**
 * Runs `test` while revokeClientSession declares no endpoint, so no call: a field that makes more calls than it
 * declares, which only the runtime counter can stop. Every operation the prediction cannot count is
 * refused before it runs, so a field that under-declares is the one way left for a GraphQL request to
 * reach that counter.
 */
async function withRevokeDeclaringNoCall(test: () => Promise<void>): Promise<void> {
  const field = revokeField() as { extensions: Record<string, unknown> }
  const declared = field.extensions
  field.extensions = { ...declared, seamEndpoints: [] }
  try {
    await test()
  } finally {
    field.extensions = declared
  }
}

describe.each([
  ['on', true],
  ['off', false],
])('the upstream-call budget of an operation, counted as calls are made (lean lane %s)', (_, fastLane) => {
  it('refuses a variable that is null where a non-null input is due, before any call', async () => {
    harness = await startHarness({ fake: { clientSessions: [] }, gateway: { upstreamCallBudget: 3, fastLane } })
    const ids = harness.fakeSeam.seedClientSessions(2).map((session) => session.client_session_id)
    const answer = await harness.graphql(nullWhereInputIsDue(ids), { headers: withApiKey, variables: { unset: null } })

    expect(answer.status).toBe(400)
    expect(answer.body.data).toBeUndefined()
    expect(codesOf(answer)).toEqual(['BAD_USER_INPUT'])
    expect(answer.body.errors?.[0]?.message).toContain('"$unset" must not be null')
    expect(harness.fakeSeam.requests).toHaveLength(0)
    // Left out, the variable takes its default, and the document is counted: 3 calls, within the budget.
    expect(codesOf(await harness.graphql(nullWhereInputIsDue(ids), { headers: withApiKey }))).toEqual([])
    expect(revokes(harness)).toHaveLength(3)
  })

  it('refuses an operation whose calls cannot be counted, before any call', async () => {
    // graphql-query-complexity gives up past 10,000 fields, which raised limits let through: each fragment
    // spreads the one before it three times, 3^9 fields in all.
    const levels = 9
    const fragments = Array.from(
      { length: levels },
      (_, level) => `fragment F${level + 1} on Query { __typename ...F${level} ...F${level} ...F${level} }`,
    ).join(' ')
    const document = `{ clientSession(userIdentifierKey: "user_42") { token } ...F${levels} } fragment F0 on Query { __typename } ${fragments}`
    harness = await startHarness({
      gateway: { fastLane, operationLimits: { depth: 50, cost: 1e12, tokens: 10_000 } },
    })
    const answer = await harness.graphql(document, { headers: withApiKey })

    expect(codesOf(answer)).toEqual(['UPSTREAM_CALL_BUDGET_EXCEEDED'])
    expect(answer.body.errors?.[0]?.message).toContain('cannot be counted')
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })

  it('with a budget of 1, runs what needs one call and stops what needs two at the second call', async () => {
    harness = await startHarness({ fake: { clientSessions: [] }, gateway: { upstreamCallBudget: 1, fastLane } })
    const [first, second] = harness.fakeSeam.seedClientSessions(100).map((session) => session.client_session_id)
    const list = await harness.graphql('{ clientSessions { clientSessionId } }', { headers: withApiKey })

    expect(codesOf(list)).toEqual([])
    expect(list.body.data?.['clientSessions']).toHaveLength(100)
    expect(harness.fakeSeam.requests).toHaveLength(1)

    await withRevokeDeclaringNoCall(async () => {
      const two = await harness.graphql(
        `mutation {
          r0: revokeClientSession(input: { clientSessionId: "${first}" }) { clientSessionId }
          r1: revokeClientSession(input: { clientSessionId: "${second}" }) { clientSessionId }
        }`,
        { headers: withApiKey },
      )

      expect(two.body.errors?.map(({ path, extensions }) => [path, extensions['code']])).toEqual([
        [['r1'], 'UPSTREAM_CALL_BUDGET_EXCEEDED'],
      ])
    })
    expect(revokes(harness).map((request) => request.body)).toEqual([{ client_session_id: first }])
    expect(harness.fakeSeam.isRevoked(second!)).toBe(false)
  })

  it('stops the call past the budget, in every request anew', async () => {
    harness = await startHarness({ fake: { clientSessions: [] }, gateway: { upstreamCallBudget: 3, fastLane } })
    const ids = harness.fakeSeam.seedClientSessions(5).map((session) => session.client_session_id)
    const fiveRevokes = `mutation { ${ids
      .map((id, index) => `r${index}: revokeClientSession(input: { clientSessionId: "${id}" }) { clientSessionId }`)
      .join(' ')} }`
    // As declared, the document is counted, and refused before any call.
    expect(codesOf(await harness.graphql(fiveRevokes, { headers: withApiKey }))).toEqual([
      'UPSTREAM_CALL_BUDGET_EXCEEDED',
    ])
    expect(harness.fakeSeam.requests).toHaveLength(0)

    await withRevokeDeclaringNoCall(async () => {
      for (let request = 1; request <= 2; request += 1) {
        const answer = await harness.graphql(fiveRevokes, { headers: withApiKey })

        expect(answer.body.errors?.map(({ path, extensions }) => [path, extensions['code']])).toEqual([
          [['r3'], 'UPSTREAM_CALL_BUDGET_EXCEEDED'],
        ])
        expect(revokes(harness)).toHaveLength(3 * request)
      }
    })
    expect(ids.map((id) => harness.fakeSeam.isRevoked(id))).toEqual([true, true, true, false, false])
  })
})
