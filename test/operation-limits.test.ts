import { afterEach, describe, expect, it } from 'vitest'

import { codesOf, type GraphQLAnswer, type Harness, startHarness, withApiKey } from './support/harness.js'

let harness: Harness
afterEach(() => harness.close())

/** `count` aliased reads, each of another session and so a separate upstream call (unknown ones read null). */
const aliasedReads = (count: number) =>
  `{ ${Array.from({ length: count }, (_, index) => `s${index}: clientSession(userIdentifierKey: "user_${index}") { token }`).join(' ')} }`

function expectRefused(answer: GraphQLAnswer, limit: string) {
  expect(codesOf(answer)).toEqual(['OPERATION_LIMIT_EXCEEDED'])
  expect(answer.body.errors?.[0]?.extensions['limit']).toBe(limit)
  expect(answer.body.errors?.[0]?.message).not.toContain('Syntax Error')
  expect(answer.body.data).toBeUndefined()
  expect(answer.status).toBe(400)
  expect(harness.fakeSeam.requests).toHaveLength(0)
}

describe('operation limits (defaults)', () => {
  it('allows 15 aliases and refuses 16 before any upstream call', async () => {
    harness = await startHarness()
    const fifteen = await harness.graphql(aliasedReads(15), { headers: withApiKey })
    expect(codesOf(fifteen)).toEqual([])
    expect(harness.fakeSeam.requests).toHaveLength(15)
    harness.fakeSeam.requests.length = 0

    expectRefused(await harness.graphql(aliasedReads(16), { headers: withApiKey }), 'aliases')
  })

  it('refuses 16 aliased clientSessions lists before any upstream call', async () => {
    harness = await startHarness()
    const lists = (count: number) =>
      `{ ${Array.from({ length: count }, (_, index) => `l${index}: clientSessions(filter: { userIdentifierKey: "user_${index}" }) { token }`).join(' ')} }`

    expectRefused(await harness.graphql(lists(16), { headers: withApiKey }), 'aliases')
    expect(codesOf(await harness.graphql(lists(15), { headers: withApiKey }))).toEqual([])
    expect(harness.fakeSeam.requests).toHaveLength(15)
  })

  it('counts aliases through fragments, however often a fragment is spread', async () => {
    harness = await startHarness()
    // Eight aliases in a fragment, spread twice: 16 in the operation, though the document has 8.
    const eightReads = Array.from(
      { length: 8 },
      (_, index) => `s${index}: clientSession(userIdentifierKey: "user_${index}") { token }`,
    ).join(' ')
    const twice = await harness.graphql(
      `query { ...Reads ...Again } fragment Again on Query { ...Reads } fragment Reads on Query { ${eightReads} }`,
      { headers: withApiKey },
    )
    expectRefused(twice, 'aliases')

    // Aliases only inside a fragment on a nested type count too.
    const sixteenFields = Array.from({ length: 16 }, (_, index) => `t${index}: token`).join(' ')
    const nested = await harness.graphql(
      `{ clientSession(userIdentifierKey: "user_42") { ...Tokens } } fragment Tokens on ClientSession { ${sixteenFields} }`,
      { headers: withApiKey },
    )
    expectRefused(nested, 'aliases')
  })

  it('refuses a document nested deeper than 8', async () => {
    harness = await startHarness()
    const nine = `{ __type(name: "ClientSession") { fields { type { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } }`
    const eight = `{ __type(name: "ClientSession") { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } }`

    expect(codesOf(await harness.graphql(eight))).toEqual([])
    expectRefused(await harness.graphql(nine), 'depth')
  })

  it('refuses a document of more than 1000 tokens while parsing', async () => {
    harness = await startHarness()
    // 10 tokens around the selection, one per repeated field: 10 + 991 = 1001.
    const fields = Array.from({ length: 991 }, () => '__typename').join(' ')
    const answer = await harness.graphql(`{ clientSession(userIdentifierKey: "user_42") { ${fields} } }`, {
      headers: withApiKey,
    })

    expectRefused(answer, 'tokens')
    expect(answer.body.errors?.[0]?.message).toBe('Token limit of 1000 exceeded.')
  })

  it('refuses an operation with more than 50 directives', async () => {
    harness = await startHarness()
    // Aliases of __typename are not counted as aliases (graphql-armor's allow list).
    const directives = (count: number) =>
      `{ ${Array.from({ length: count }, (_, index) => `t${index}: __typename @include(if: true)`).join(' ')} }`

    expect(codesOf(await harness.graphql(directives(50)))).toEqual([])
    expectRefused(await harness.graphql(directives(51)), 'directives')
  })

  it('refuses an operation that costs more than 5000', async () => {
    harness = await startHarness()
    // Cost grows by 1.5 per level: 480 scalars six levels down cost about 5500, within every other limit.
    const names = Array.from({ length: 480 }, () => 'name').join(' ')
    const answer = await harness.graphql(
      `{ __type(name: "ClientSession") { fields { type { ofType { ofType { ofType { ${names} } } } } } } }`,
    )

    expectRefused(answer, 'cost')
  })
})

describe('operation limits (configured)', () => {
  it('takes each limit from the options', async () => {
    harness = await startHarness({
      gateway: { operationLimits: { aliases: 1, depth: 2, tokens: 30, cost: 10, directives: 1 } },
    })
    const grantAndRead = `mutation { grantClientSessionAccess(input: { userIdentifierKey: "user_42" }) {
      clientSession { token } } }`

    expectRefused(await harness.graphql(aliasedReads(2), { headers: withApiKey }), 'aliases')
    expectRefused(await harness.graphql(grantAndRead, { headers: withApiKey }), 'depth')
    expectRefused(await harness.graphql(`{ ${Array(40).fill('__typename').join(' ')} }`), 'tokens')
    expectRefused(await harness.graphql('{ __typename @include(if: true) @skip(if: false) }'), 'directives')
    expectRefused(
      await harness.graphql(
        '{ clientSession(userIdentifierKey: "user_42") { token createdAt expiresAt deviceCount workspaceId customerKey } }',
        {
          headers: withApiKey,
        },
      ),
      'cost',
    )
  })
})
