/**
 * The cache of prepared documents: each document is prepared once, refusals included, and no more
 * documents are kept than the configured size, the least recently used forgotten first, except that a
 * document whose operations ran for two requests outlasts documents that only came once.
 */
import { describe, expect, it } from 'vitest'

import type { GatewayContext } from '../src/context.js'
import { gatewayDefaults } from '../src/defaults.js'
import { PreparedOperations } from '../src/prepared/prepared-operations.js'
import { schema } from '../src/schema/index.js'
import { contract } from '../src/seam/contract.generated.js'

const preparedOperations = (cacheSize: number, interpretedRuns = gatewayDefaults.interpretedRuns) =>
  new PreparedOperations({
    schema,
    limits: gatewayDefaults.operationLimits,
    introspection: true,
    upstreamCallBudget: gatewayDefaults.upstreamCallBudget,
    cacheSize,
    interpretedRuns,
  })

/** What an operation's run needs of a context when it calls nothing upstream; a request of its own unless given. */
const context = (requestKey: object = {}) =>
  ({ endUpstreamCalls: () => undefined, requestKey }) as unknown as GatewayContext

describe('prepared operations', () => {
  it('run an operation with graphql-js the first time, then compiled, for good', async () => {
    const operation = preparedOperations(10).prepare('query Name { __typename }').operation('Name')!
    expect(operation.compiled).toBe(false)

    expect(await operation.execute(context(), {})).toEqual({ data: { __typename: 'Query' } })
    expect(operation.compiled).toBe(false)
    for (let run = 0; run < 3; run += 1) {
      expect(await operation.execute(context(), {})).toEqual({ data: { __typename: 'Query' } })
      expect(operation.compiled).toBe(true)
    }
  })

  it('compile an operation on its first run when told to, or on a later one', async () => {
    for (const interpretedRuns of [0, 3]) {
      const operation = preparedOperations(10, interpretedRuns).prepare('{ __typename }').operation(undefined)!
      const compiledAfter: boolean[] = []
      for (let run = 0; run < 5; run += 1) {
        await operation.execute(context(), {})
        compiledAfter.push(operation.compiled)
      }
      expect(compiledAfter).toEqual([0, 1, 2, 3, 4].map((run) => run >= interpretedRuns))
    }
  })

  it('name the Seam endpoints an operation may call, through fragments, skipped fields and _entities', () => {
    const operations = preparedOperations(10)
    const endpointsOf = (query: string) => operations.prepare(query).operation(undefined)!.seamEndpoints

    expect(
      endpointsOf(`mutation { ...Grant ... on Mutation { revokeClientSession(input: { clientSessionId: "x" }) @skip(if: true) { clientSessionId } } }
        fragment Grant on Mutation { grantClientSessionAccess(input: { clientSessionId: "x" }) { clientSession { clientSessionId } } }`),
    ).toEqual(['/client_sessions/grant_access', '/client_sessions/get', '/client_sessions/revoke'])
    expect(endpointsOf('query ($r: [_Any!]!) { _entities(representations: $r) { __typename } __typename }')).toEqual([
      '/client_sessions/get',
    ])
    expect(endpointsOf('{ clientSessions { clientSessionId } _service { sdl } }')).toEqual(['/client_sessions/list'])
    expect(endpointsOf('{ __typename }')).toEqual([])
  })

  it('know the endpoints of every root field but federation’s own: each declares those it calls', () => {
    const rootFields = [schema.getQueryType()!, schema.getMutationType()!].flatMap((type) =>
      Object.values(type.getFields()),
    )
    // `_entities` and `_service` come from the federation plugin; ./operation-endpoints.ts knows `_entities`.
    const declaring = rootFields.filter((field) => !field.name.startsWith('_'))
    expect(declaring.length).toBeGreaterThanOrEqual(7)
    for (const field of declaring) {
      const endpoints = field.extensions['seamEndpoints'] as string[] | undefined
      expect([field.name, endpoints?.every((endpoint) => endpoint in contract.operations)]).toEqual([field.name, true])
      expect(endpoints!.length).toBeGreaterThan(0)
    }
  })

  it('compile a pinned document before its first run', () => {
    const pinned = preparedOperations(10).pin('query Trusted { __typename }')

    expect(pinned.operation('Trusted')!.compiled).toBe(true)
  })

  it('prepare a document once, and a document they refuse once too', () => {
    const operations = preparedOperations(10)

    for (const query of ['{ __typename }', '{ __typename', '{ nothing }']) {
      expect(operations.prepare(query)).toBe(operations.prepare(query))
    }
    expect(operations.prepare('{ __typename').errors.map((error) => error.extensions['code'])).toEqual([
      'GRAPHQL_PARSE_FAILED',
    ])
    expect(operations.prepare('{ nothing }').errors.map((error) => error.extensions['code'])).toEqual([
      'GRAPHQL_VALIDATION_FAILED',
    ])
  })

  it('keep no more documents than the cache holds, forgetting the least recently used first', () => {
    const operations = preparedOperations(2)
    const first = operations.prepare('query First { __typename }')
    const second = operations.prepare('query Second { __typename }')
    // Used again: now the second is the least recently used.
    operations.prepare('query First { __typename }')
    operations.prepare('query Third { __typename }')

    expect(operations.prepare('query First { __typename }')).toBe(first)
    expect(operations.prepare('query Second { __typename }')).not.toBe(second)
  })

  it('keep a document whose operation ran twice however many new documents come after it', async () => {
    for (const interpretedRuns of [0, 1, 3]) {
      const operations = preparedOperations(10, interpretedRuns)
      const repeated = operations.prepare('query Repeated { __typename }')
      const onceRun = operations.prepare('query OnceRun { __typename }')
      await repeated.operation('Repeated')!.execute(context(), {})
      await repeated.operation('Repeated')!.execute(context(), {})
      await onceRun.operation('OnceRun')!.execute(context(), {})
      // A client that writes its values into the text: each request a document never seen before.
      for (let index = 0; index < 100; index += 1)
        operations.prepare(`query OneOff { clientSession(clientSessionId: "${index}") { clientSessionId } }`)

      expect(operations.prepare('query Repeated { __typename }')).toBe(repeated)
      expect(operations.prepare('query OnceRun { __typename }')).not.toBe(onceRun)
    }
  })

  it('count the runs of one request as one: a batch that sends a text twice does not make it repeated', async () => {
    const operations = preparedOperations(10)
    const batched = operations.prepare('query Batched { __typename }')
    const request = {}
    await batched.operation('Batched')!.execute(context(request), {})
    await batched.operation('Batched')!.execute(context(request), {})
    for (let index = 0; index < 100; index += 1) operations.prepare(`query OneOff${index} { __typename }`)

    expect(operations.prepare('query Batched { __typename }')).not.toBe(batched)
  })

  /** A cache with room for five (four protected, one on probation) and the documents it is given, by name. */
  function cacheOfFive() {
    const operations = preparedOperations(5)
    const query = (name: string) => `query ${name} { __typename }`
    /** The document `name` is, run for two requests. */
    const repeat = async (name: string) => {
      const prepared = operations.prepare(query(name))
      await prepared.operation(name)!.execute(context(), {})
      await prepared.operation(name)!.execute(context(), {})
      return prepared
    }
    /** Four more repeated documents after `Hot`: the fourth hands the least recently used protected one, Hot, back. */
    const demoteHot = async () => {
      const hot = await repeat('Hot')
      for (const name of ['A', 'B', 'C', 'D']) await repeat(name)
      return hot
    }
    const sendOneOffs = () => {
      for (let index = 0; index < 100; index += 1) operations.prepare(query(`OneOff${index}`))
    }
    return { prepareHot: () => operations.prepare(query('Hot')), repeat, demoteHot, sendOneOffs }
  }

  it('protect a document again when it is still repeated after the cache handed it back to probation', async () => {
    const { prepareHot, repeat, demoteHot, sendOneOffs } = cacheOfFive()
    const hot = await demoteHot()
    // Still in use by two requests: protected again (handing A back).
    expect(await repeat('Hot')).toBe(hot)
    sendOneOffs()

    expect(prepareHot()).toBe(hot)
  })

  it('forget a document handed back to probation when no two requests run it again', async () => {
    const { prepareHot, demoteHot, sendOneOffs } = cacheOfFive()
    const hot = await demoteHot()
    sendOneOffs()

    expect(prepareHot()).not.toBe(hot)
  })

  it('count two operations of one document, run by two requests, as a document repeated', async () => {
    const operations = preparedOperations(10)
    const both = operations.prepare('query A { __typename } query B { __typename }')
    await both.operation('A')!.execute(context(), {})
    await both.operation('B')!.execute(context(), {})
    for (let index = 0; index < 100; index += 1) operations.prepare(`query OneOff${index} { __typename }`)

    expect(operations.prepare('query A { __typename } query B { __typename }')).toBe(both)
  })

  it('keep a pinned document however many others pass through the cache', () => {
    const operations = preparedOperations(1)
    const pinned = operations.pin('query Trusted { __typename }')
    for (let index = 0; index < 3; index += 1) operations.prepare(`query Other${index} { __typename }`)

    expect(operations.prepare('query Trusted { __typename }')).toBe(pinned)
    expect(pinned.document && operations.preparedFor(pinned.document)).toBe(pinned)
  })

  it('count every use towards recency, whether the document was just added or just used', () => {
    const query = (name: string) => `query ${name} { __typename }`
    // Each sequence ends with `kept` the more recently used of the two left when `added` comes in.
    const sequences = [
      { uses: ['First', 'Second', 'First', 'Second', 'Second'], added: 'Third', kept: 'Second', lost: 'First' },
      { uses: ['First', 'Second', 'First', 'Third', 'First', 'First'], added: 'Fourth', kept: 'First', lost: 'Third' },
    ]
    for (const { uses, added, kept, lost } of sequences) {
      const operations = preparedOperations(2)
      const prepared = new Map(uses.map((name) => [name, operations.prepare(query(name))]))
      operations.prepare(query(added))

      expect(operations.prepare(query(kept)), uses.join(' ')).toBe(prepared.get(kept))
      expect(operations.prepare(query(lost)), uses.join(' ')).not.toBe(prepared.get(lost))
    }
  })

  it('find operations as getOperationAST does: by name, or the only one', () => {
    const operations = preparedOperations(10)
    const two = operations.prepare('query A { __typename } mutation B { __typename }')
    const one = operations.prepare('{ __typename }')

    expect(two.operation('A')?.type).toBe('query')
    expect(two.operation('B')?.type).toBe('mutation')
    expect(two.operation(undefined)).toBeUndefined()
    expect(two.operation('C')).toBeUndefined()
    expect(one.operation(null)?.name).toBeUndefined()
    expect(one.operation('')).toBeUndefined()
  })
})
