/**
 * Each part of an answer is let go of where it is used for the last time (src/prepared/let-go-of-answers.ts):
 * the parsed body of a Seam answer once read, the lists resolvers answered with once the result is built,
 * the result's data once written. What a client reads stays whole.
 */
import {
  type ExecutionResult,
  GraphQLList,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  type OperationDefinitionNode,
  parse,
} from 'graphql'
import { afterEach, describe, expect, it } from 'vitest'

import { createContextFactory, type GatewayContext } from '../src/context.js'
import { FakeSeam } from '../src/fake-seam/fake-seam.js'
import { compileExecution } from '../src/prepared/compiled-execution.js'
import { interpretedExecution } from '../src/prepared/interpreted-execution.js'
import { keepUntilExecuted, letGoOfData } from '../src/prepared/let-go-of-answers.js'
import { variableCoercion } from '../src/prepared/variables.js'
import { schema } from '../src/schema/index.js'
import { type SeamAnswer, type SeamCaller, SeamClient } from '../src/seam/client.js'
import { listClientSessions } from '../src/seam/client-sessions.js'
import { credentialFromToken } from '../src/seam/credentials.js'
import { apiKey, clientSession, workspaceId } from './support/harness.js'

const sessions = [
  clientSession(),
  clientSession({ client_session_id: 'a1b2c3d4-0000-4000-8000-000000000002', user_identifier_key: 'second' }),
]
let closing: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(closing.map((close) => close()))
  closing = []
})

async function seamClient(): Promise<SeamClient> {
  const fakeSeam = new FakeSeam({ workspaceId, apiKeys: [apiKey], clientSessions: sessions })
  const client = new SeamClient({ endpoint: await fakeSeam.listen(), timeoutMs: 2_000 })
  closing.push(
    () => client.close(),
    () => fakeSeam.close(),
  )
  return client
}

const operationOf = (document: ReturnType<typeof parse>) => document.definitions[0] as OperationDefinitionNode

describe('a Seam answer', () => {
  it('gives its parsed body to its reader and keeps nothing of it', async () => {
    const caller = (await seamClient()).withCredential(credentialFromToken(apiKey))
    const answers: SeamAnswer[] = []
    const recording: SeamCaller = {
      post: (endpoint, body, read) =>
        caller.post(endpoint, body, (answer) => {
          answers.push(answer)
          return read(answer)
        }),
    }
    const listed = await listClientSessions(recording, {})
    expect(listed.map((session) => session.userIdentifierKey)).toEqual(sessions.map((s) => s.user_identifier_key))
    expect(answers).toHaveLength(1)
    expect(answers[0]!.body).toEqual({})
  })
})

describe('the lists resolvers answer with', () => {
  it.each([
    ['compiled', compileExecution],
    ['run by graphql-js before it is compiled', interpretedExecution],
  ])('are emptied once the result is built, which holds every item: %s', async (_, executionOf) => {
    const items = ['a', 'b', 'c']
    const listSchema = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: {
          letters: {
            type: new GraphQLList(GraphQLString),
            resolve: (_, __, context: GatewayContext) => Promise.resolve(keepUntilExecuted(context, items)),
          },
        },
      }),
    })
    const document = parse('{ letters }')
    const operation = operationOf(document)
    const coerce = variableCoercion(listSchema, document, operation, { hideSuggestions: false })
    const execute = executionOf(listSchema, document, operation, { hideSuggestions: false, coerce })
    const context = { answeredLists: undefined, endUpstreamCalls: () => undefined } as GatewayContext
    const result = await execute(context, {})
    expect(result).toEqual({ data: { letters: ['a', 'b', 'c'] } })
    expect(items).toEqual([])
    expect(context.answeredLists).toBeUndefined()
  })

  it('include the sessions of `clientSessions`', async () => {
    const context = createContextFactory(await seamClient(), {
      serverCredential: credentialFromToken(apiKey),
      maxConcurrentCalls: 8,
      upstreamCallBudget: Infinity,
      logger: { error: () => {} },
    })({ request: new Request('http://gateway.test/graphql') })
    // Every list the operation keeps, as it keeps it.
    const kept: unknown[][][] = []
    let answeredLists: unknown[][] | undefined
    Object.defineProperty(context, 'answeredLists', {
      get: () => answeredLists,
      set: (lists: unknown[][] | undefined) => {
        if (lists !== undefined) kept.push(lists)
        answeredLists = lists
      },
    })
    const document = parse('{ clientSessions { userIdentifierKey } }')
    const operation = operationOf(document)
    const coerce = variableCoercion(schema, document, operation, { hideSuggestions: false })
    const execute = compileExecution(schema, document, operation, { hideSuggestions: false, coerce })
    const result = await execute(context, {})
    expect(result).toEqual({
      data: { clientSessions: [{ userIdentifierKey: 'user_42' }, { userIdentifierKey: 'second' }] },
    })
    expect(kept).toHaveLength(1)
    expect(kept[0]).toEqual([[]])
  })
})

describe("a written result's data", () => {
  it('is emptied', () => {
    const result: ExecutionResult = { data: { clientSessions: [{ token: 't' }], clientSession: null } }
    letGoOfData(result)
    expect(result).toEqual({ data: { clientSessions: null, clientSession: null } })
  })

  it('of a result without data, is nothing to do', () => {
    const result: ExecutionResult = { errors: [] }
    letGoOfData(result)
    expect(result).toEqual({ errors: [] })
  })
})
