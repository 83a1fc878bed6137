/**
 * The compiled execution (graphql-jit) answers as graphql-js does: the same data, the same errors with
 * the same messages, locations and paths, in the same order, the same errors masked by yoga, and the
 * same codes as the gateway gave graphql-js's answers. Each case runs on the real schema against a fresh
 * fake Seam, once through graphql-js's `execute` and once through the compiled operation.
 */
import {
  type DocumentNode,
  execute,
  type ExecutionResult,
  getOperationAST,
  GraphQLError,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  parse,
} from 'graphql'
import { describe, expect, it } from 'vitest'

import { createContextFactory, type VerifiedCaller } from '../src/context.js'
import { type Fault, FakeSeam } from '../src/fake-seam/fake-seam.js'
import { compileExecution } from '../src/prepared/compiled-execution.js'
import { interpretedExecution } from '../src/prepared/interpreted-execution.js'
import { variableCoercion } from '../src/prepared/variables.js'
import { schema } from '../src/schema/index.js'
import { SeamClient } from '../src/seam/client.js'
import { credentialFromToken, type SeamCredential } from '../src/seam/credentials.js'
import { relocated, SeamCancelledError, toGraphQLError } from '../src/seam/errors.js'
import { apiKey, clientSession, workspaceId } from './support/harness.js'

const sessionId = clientSession().client_session_id
const seamError = (status: number, type: string): Fault => ({
  status,
  body: JSON.stringify({ error: { type, message: `Seam says ${type}`, request_id: 'req-1' } }),
  headers: { 'seam-request-id': 'req-1' },
})

/**
 * What the gateway made of graphql-js's answers: codes for variables and upstream failures, and without the
 * errors of the root fields a failed non-null one left behind (their calls ended, so they fail cancelled),
 * unless nothing else failed.
 */
function asTheGatewayAnswered(result: ExecutionResult): ExecutionResult {
  if (result.errors === undefined) return result
  const variablesRefused = !('data' in result)
  const deciding = result.errors.filter((error) => !(error.originalError instanceof SeamCancelledError))
  const errors = result.data === null && deciding.length > 0 ? deciding : result.errors
  return {
    ...result,
    errors: errors.map((error) =>
      variablesRefused
        ? relocated(error, error.message, { ...error.extensions, code: 'BAD_USER_INPUT' })
        : (toGraphQLError(error) ?? error),
    ),
  }
}

/** yoga masks every error that is not a GraphQLError all the way down. */
const masked = (error: GraphQLError): boolean =>
  !(error instanceof GraphQLError) || (error.originalError != null && masked(error.originalError as GraphQLError))

/** What a client would read (yoga leaves out `extensions.http`), and which errors yoga would mask. */
function answerOf(result: ExecutionResult) {
  const errors = result.errors?.map((error) => {
    const { http: _http, ...extensions } = error.extensions
    return { ...error.toJSON(), extensions }
  })
  const text = JSON.stringify({ ...result, ...(errors !== undefined && { errors }) })
    // Tokens and IDs of sessions created in the run, and their times, differ from one fake to the next.
    .replace(/seam_cst1_[0-9a-f]{32}/g, '<token>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>')
  return { text, masked: result.errors?.map(masked) }
}

type Engine = 'graphql-js' | 'compiled' | 'interpreted'

interface Case {
  name: string
  document: string
  variables?: Record<string, unknown>
  operationName?: string
  faults?: Fault[]
  hideSuggestions?: boolean
  /** A credential the gateway holds, instead of the caller's API key. */
  serverCredential?: SeamCredential
  /** Authentication on, and the caller its token verified. */
  caller?: VerifiedCaller
  /** The client goes away this long after the operation starts. */
  clientGoneAfterMs?: number
}

async function run(
  engine: Engine,
  {
    document: text,
    variables,
    operationName,
    faults = [],
    hideSuggestions = false,
    serverCredential,
    caller,
    clientGoneAfterMs,
  }: Case,
) {
  const fakeSeam = new FakeSeam({ workspaceId, apiKeys: [apiKey], clientSessions: [clientSession()] })
  const client = new SeamClient({ endpoint: await fakeSeam.listen(), timeoutMs: 2_000, retry: { baseDelayMs: 1 } })
  fakeSeam.failNext(...faults)
  const context = createContextFactory(client, {
    serverCredential,
    maxConcurrentCalls: 8,
    upstreamCallBudget: Infinity,
    logger: { error: () => {} },
    callersVerified: caller !== undefined,
  })({
    request: new Request('http://gateway.test/graphql', {
      headers: { authorization: `Bearer ${apiKey}` },
      signal: clientGoneAfterMs === undefined ? null : AbortSignal.timeout(clientGoneAfterMs),
    }),
  })
  if (caller !== undefined) context.caller = caller
  const document: DocumentNode = parse(text)
  // What Seam received, in the order of its paths: the fields of a query may call in either order.
  const received = () => fakeSeam.requests.map((request) => request.path).sort()
  try {
    if (engine === 'graphql-js') {
      const args = {
        schema,
        document,
        contextValue: context,
        variableValues: variables,
        operationName,
        hideSuggestions,
      }
      const result = asTheGatewayAnswered(await execute(args))
      await context.endUpstreamCalls()
      // graphql-js's refusals of variables have no status: yoga gave them theirs.
      return { ...answerOf(result), received: received(), http: undefined }
    }
    const operation = getOperationAST(document, operationName)!
    const executionOf = engine === 'compiled' ? compileExecution : interpretedExecution
    const coerce = variableCoercion(schema, document, operation, { hideSuggestions })
    const result = await executionOf(schema, document, operation, { hideSuggestions, coerce })(context, variables)
    await context.endUpstreamCalls()
    // The status each error asks for (yoga reads it; a client does not see it): the same for both engines.
    return { ...answerOf(result), received: received(), http: result.errors?.map((error) => error.extensions['http']) }
  } finally {
    await client.close()
    await fakeSeam.close()
  }
}

const sessionFields =
  'clientSessionId workspaceId createdAt expiresAt token userIdentifierKey deviceCount connectedAccountIds connectWebviewIds userIdentityId userIdentityIds customerKey __typename'
const grant =
  'mutation ($input: GrantClientSessionAccessInput!) { grantClientSessionAccess(input: $input) { clientSession { clientSessionId connectWebviewIds } } }'
const filtered = 'query ($filter: ClientSessionsFilter) { clientSessions(filter: $filter) { clientSessionId } }'
const entities =
  'query ($representations: [_Any!]!) { _entities(representations: $representations) { __typename ... on ClientSession { clientSessionId token } } }'

const refusedGrantThenDelete = `mutation { a: grantClientSessionAccess(input: {}) { clientSession { clientSessionId } } b: deleteClientSession(input: { clientSessionId: "${sessionId}" }) { clientSessionId } }`

const cases: Case[] = [
  { name: 'a session, every field', document: `{ clientSession(userIdentifierKey: "user_42") { ${sessionFields} } }` },
  { name: 'a session Seam does not know', document: '{ clientSession(clientSessionId: "nope") { token } }' },
  { name: 'an error a resolver throws', document: '{ clientSession { token } }' },
  {
    name: 'errors of two fields, in the order of the fields',
    document: '{ b: clientSession { token } a: clientSession(clientSessionId: "x", userIdentifierKey: "y") { token } }',
  },
  {
    name: 'an error beside a list that fails',
    document: '{ clientSession { token } clientSessions { token } }',
    faults: [seamError(403, 'forbidden')],
  },
  {
    name: 'aliases, fragments and __typename',
    document:
      'query Q { __typename s: clientSession(userIdentifierKey: "user_42") { ...F id: clientSessionId } } fragment F on ClientSession { token t: token }',
  },
  { name: 'a list', document: '{ clientSessions { clientSessionId userIdentifierKey } }' },
  { name: 'an empty list', document: filtered, variables: { filter: { userIdentifierKey: 'nobody' } } },
  {
    name: 'entities: found, unknown, and a reference without a key',
    document: entities,
    variables: {
      representations: [
        { __typename: 'ClientSession', userIdentifierKey: 'user_42' },
        { __typename: 'ClientSession', clientSessionId: 'nope' },
        { __typename: 'ClientSession' },
      ],
    },
  },
  {
    name: 'entities of a type the schema does not have',
    document: entities,
    variables: { representations: [{ __typename: 'Nope', id: 1 }] },
  },
  { name: 'the subgraph SDL', document: '{ _service { sdl } }' },
  { name: 'introspection', document: '{ __type(name: "ClientSession") { name fields { name type { name } } } }' },
  {
    name: 'one of several operations',
    document: 'query A { __typename } query B { clientSession(userIdentifierKey: "user_42") { token } }',
    operationName: 'B',
  },
  {
    name: '@skip and @include with variables',
    document:
      'query ($skip: Boolean!, $include: Boolean!) { clientSession(userIdentifierKey: "user_42") { token @skip(if: $skip) deviceCount @include(if: $include) clientSessionId } }',
    variables: { skip: true, include: false },
  },
  {
    name: 'a default value',
    document: 'query ($key: String = "user_42") { clientSession(userIdentifierKey: $key) { token } }',
  },
  {
    name: 'a variable left out',
    document: 'query ($key: String) { clientSession(userIdentifierKey: $key) { token } }',
  },
  {
    name: 'a number for a String',
    document: 'query ($key: String) { clientSession(userIdentifierKey: $key) { token } }',
    variables: { key: 5 },
  },
  {
    name: 'a required variable missing',
    document: 'query ($key: String!) { clientSession(userIdentifierKey: $key) { token } }',
  },
  { name: 'a list for an input object (graphql-jit lets it through)', document: filtered, variables: { filter: [] } },
  { name: 'an object for an input object list', document: filtered, variables: { filter: [{ clientSessionId: 'x' }] } },
  {
    name: 'a field the input object does not have',
    document: filtered,
    variables: { filter: { clientSessionIdd: 'x' } },
  },
  {
    name: 'a field the input object does not have, without suggestions',
    document: filtered,
    variables: { filter: { clientSessionIdd: 'x' } },
    hideSuggestions: true,
  },
  {
    name: 'wrong types inside an input object',
    document: grant,
    variables: { input: { clientSessionId: sessionId, connectWebviewIds: [{ a: 1 }], userIdentifierKey: 4 } },
  },
  { name: 'null for a non-null input', document: grant, variables: { input: null } },
  { name: 'a string for an input object', document: grant, variables: { input: 'x' } },
  { name: 'null in a list of non-null items', document: entities, variables: { representations: [null] } },
  {
    name: 'a date that is not one',
    document:
      'mutation ($expiresAt: DateTime) { createClientSession(input: { userIdentifierKey: "u", expiresAt: $expiresAt }) { clientSession { token } } }',
    variables: { expiresAt: '2027-02-30T00:00:00Z' },
  },
  {
    name: 'a float for an ID',
    document: 'query ($id: ID) { clientSession(clientSessionId: $id) { token } }',
    variables: { id: 1.5 },
  },
  {
    name: 'a single value for a list',
    document: grant,
    variables: { input: { clientSessionId: sessionId, connectWebviewIds: 'dad03fb2-f801-449c-ab88-0529728c7c38' } },
  },
  {
    name: 'a grant',
    document: grant,
    variables: { input: { clientSessionId: sessionId, connectWebviewIds: ['dad03fb2-f801-449c-ab88-0529728c7c38'] } },
  },
  { name: 'a grant Seam refuses', document: grant, variables: { input: { clientSessionId: 'nope' } } },
  {
    name: 'a creation',
    document:
      'mutation { createClientSession(input: { userIdentifierKey: "maria", expiresAt: "2027-06-30T12:00:00+02:00" }) { clientSession { clientSessionId token expiresAt createdAt userIdentifierKey } } }',
  },
  {
    name: 'a fault of the gateway (a held key with a newline, which undici refuses) masked',
    document: '{ clientSession(userIdentifierKey: "user_42") { token } }',
    serverCredential: credentialFromToken(`${apiKey}\n`),
  },
  {
    name: 'three mutations, the second refused: the third never runs',
    document: `mutation {
      a: createClientSession(input: { userIdentifierKey: "u" }) { clientSession { userIdentifierKey } }
      b: revokeClientSession(input: { clientSessionId: "nope" }) { clientSessionId }
      c: deleteClientSession(input: { clientSessionId: "${sessionId}" }) { clientSessionId }
    }`,
  },
  {
    name: 'a failed non-null root field beside reads in flight',
    document: `{ clientSessions { token } a: clientSession(userIdentifierKey: "user_42") { token } b: clientSession(clientSessionId: "${sessionId}") { token } }`,
    faults: [seamError(403, 'forbidden')],
  },
  {
    name: 'a non-null root field refused at once, after a read in flight',
    // The list needs the admin scope: its resolver throws before anything is sent, while the read waits.
    document: `{ clientSession(userIdentifierKey: "user_42") { token } clientSessions { clientSessionId } }`,
    caller: { userIdentifierKey: 'user_42', scopes: [], isAdmin: false },
  },
  {
    name: 'a non-null root field whose call the client left: its error stays, the only one',
    document: '{ clientSessions { token } }',
    faults: [{ hang: true }],
    clientGoneAfterMs: 50,
  },
  {
    name: 'two mutations, the first refused: run one after the other',
    document: `mutation { a: revokeClientSession(input: { clientSessionId: "nope" }) { clientSessionId } b: deleteClientSession(input: { clientSessionId: "${sessionId}" }) { clientSessionId } }`,
  },
  {
    // The grant's resolver throws its refusal rather than rejecting with it: graphql-jit then starts the next
    // mutation at once, which must fail cancelled without a call.
    name: 'two mutations, the first refused before its call: the second sends nothing',
    document: refusedGrantThenDelete,
  },
  {
    name: 'a read Seam answers with 500s',
    document: '{ clientSession(userIdentifierKey: "user_42") { token } }',
    faults: [{ status: 500 }, { status: 500 }, { status: 500 }],
  },
  {
    name: 'a list Seam answers with something that is not JSON',
    document: '{ clientSessions { token } }',
    faults: [{ status: 200, body: '<html>', contentType: 'text/html' }],
  },
  {
    name: 'a mutation Seam rate-limits',
    document: grant,
    variables: { input: { clientSessionId: sessionId } },
    faults: [{ ...seamError(429, 'rate_limited'), headers: { 'retry-after': '30' } }],
  },
  {
    name: 'a connection Seam resets',
    document: `mutation { deleteClientSession(input: { clientSessionId: "${sessionId}" }) { clientSessionId } }`,
    faults: [{ reset: true }],
  },
  {
    name: 'locations over several lines',
    document: '\r\n\n  {\r  clientSession {\n token }\r\n  }',
  },
]

describe('compiled execution', () => {
  it.each(cases)('answers as graphql-js does: $name', async (testCase) => {
    const reference = await run('graphql-js', testCase)
    const compiled = await run('compiled', testCase)

    expect({ ...compiled, http: undefined }).toEqual(reference)
  })

  // What runs a document before it is compiled (src/prepared/interpreted-execution.ts).
  it.each(cases)('answers as the interpreted execution does: $name', async (testCase) => {
    const interpreted = await run('interpreted', testCase)
    const compiled = await run('compiled', testCase)

    expect(interpreted).toEqual(compiled)
  })

  it('answers a mutation refused before its call with its error alone, and sends Seam nothing after it', async () => {
    const { text, received } = await run('compiled', { name: '', document: refusedGrantThenDelete })
    const answer = JSON.parse(text) as { data: unknown; errors: { path: string[]; extensions: { code: string } }[] }

    expect(answer.data).toBeNull()
    expect(answer.errors.map(({ path, extensions }) => [path, extensions.code])).toEqual([[['a'], 'BAD_USER_INPUT']])
    expect(received).toEqual([])
  })

  it('covers errors, masked errors and refused variables among its cases', async () => {
    const answers = await Promise.all(cases.map((testCase) => run('graphql-js', testCase)))

    expect(answers.some(({ masked }) => masked?.includes(true))).toBe(true)
    expect(answers.some(({ text }) => text.includes('"BAD_USER_INPUT"') && !text.includes('"data"'))).toBe(true)
    expect(answers.some(({ text }) => text.includes('"locations":[{"line":4'))).toBe(true)
  })

  it('masks a null for a non-null field as graphql-js does, and keeps its place', async () => {
    const broken = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: {
          required: { type: new GraphQLNonNull(GraphQLString), resolve: () => null },
          optional: { type: GraphQLString, resolve: () => 'here' },
        },
      }),
    })
    const document = parse('{ optional required }')
    const reference = await execute({ schema: broken, document })
    const operation = getOperationAST(document)!
    const coerce = variableCoercion(broken, document, operation, { hideSuggestions: false })
    const compiled = await compileExecution(broken, document, operation, { hideSuggestions: false, coerce })(
      { endUpstreamCalls: () => undefined } as never,
      undefined,
    )

    expect(answerOf(compiled)).toEqual(answerOf(reference))
    expect(answerOf(compiled).masked).toEqual([true])
  })

  it.each<[string, string, Record<string, unknown>]>([
    [
      'an argument',
      `mutation ($input: RevokeClientSessionInput = { clientSessionId: "${sessionId}" }) { revokeClientSession(input: $input) { clientSessionId } }`,
      { input: null },
    ],
    [
      'an input field',
      'mutation ($id: ID = "x") { revokeClientSession(input: { clientSessionId: $id }) { clientSessionId } }',
      { id: null },
    ],
    [
      "a directive's if",
      'query ($skip: Boolean = true) { clientSession(userIdentifierKey: "user_42") @skip(if: $skip) { token } }',
      { skip: null },
    ],
    [
      'a fragment of the operation',
      'query ($skip: Boolean = true) { ...F } fragment F on Query { clientSession(userIdentifierKey: "user_42") @skip(if: $skip) { token } }',
      { skip: null },
    ],
  ])(
    'refuses, before any call, a null for a variable used where a non-null value is due: %s',
    async (_, document, variables) => {
      const compiled = await run('compiled', { name: '', document, variables })
      const { text, received } = compiled
      // Before a document is compiled, alike.
      expect(await run('interpreted', { name: '', document, variables })).toEqual(compiled)

      expect(JSON.parse(text)).toEqual({
        errors: [
          expect.objectContaining({
            message: expect.stringContaining('must not be null'),
            extensions: { code: 'BAD_USER_INPUT' },
          }),
        ],
      })
      expect(received).toEqual([])
    },
  )

  it('runs a null for a variable used where null is allowed, or one left out for its default', async () => {
    const document = 'query ($key: String = "user_42") { clientSession(userIdentifierKey: $key) { userIdentifierKey } }'
    const withNull = await run('compiled', { name: '', document, variables: { key: null } })
    const withDefault = await run('compiled', { name: '', document })

    expect(JSON.parse(withNull.text)).toMatchObject({ data: { clientSession: null } })
    expect(JSON.parse(withDefault.text)).toEqual({ data: { clientSession: { userIdentifierKey: 'user_42' } } })
  })
})
