/**
 * With authentication on, a caller without a valid token learns nothing of its document: whatever it
 * sends (a text that does not parse or validate, one over an operation limit or its upstream-call budget,
 * an operationName that names nothing, a persisted document's id or hash), the answer is the one 401 of a
 * fit document, and Seam hears nothing. The same documents from a caller with a valid token get the
 * answers they always had. An APQ text sent without a valid token is not registered. The token is
 * verified once per HTTP request, on either lane, in a batch too.
 */
import { createHash } from 'node:crypto'

import * as graphql from 'graphql'
import * as jose from 'jose'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'

import { credentialFromToken } from '../src/seam/credentials.js'
import { apiKey, codesOf, type GraphQLAnswer, type Harness, startHarness } from './support/harness.js'
import { audience, claims, issuer, publicKeyPem, sign, signingKey } from './support/identity-provider.js'

// jose itself, counted: how often a token is verified is what the last tests are about.
vi.mock('jose', async (importOriginal) => {
  const actual = await importOriginal<typeof import('jose')>()
  return { ...actual, jwtVerify: vi.fn(actual.jwtVerify) }
})
const verifications = vi.mocked(jose.jwtVerify)
// graphql-js's validation, counted: a stranger's document must cost none of it.
vi.mock('graphql', async (importOriginal) => {
  const actual = await importOriginal<typeof import('graphql')>()
  return { ...actual, validate: vi.fn(actual.validate) }
})
const validations = vi.mocked(graphql.validate)

const appKey = await signingKey('app', 'ES256')
const bearer = async (payload: jose.JWTPayload) => `Bearer ${await sign(appKey, payload)}`
const valid = await bearer(claims('user_42'))
const admin = await bearer(claims('ops', { scope: 'seam:admin' }))

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
/** Makes each text a test sends unlike any sent before. */
let unseenTexts = 0
const persistedQuery = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } })

/** `count` aliased reads, each of another user's session and so an upstream call of its own. */
const aliasedReads = (count: number) =>
  `{ ${Array.from({ length: count }, (_, index) => `s${index}: clientSession(userIdentifierKey: "user_${index}") { token }`).join(' ')} }`
const read = '{ clientSession(userIdentifierKey: "user_42") { clientSessionId } }'
const trustedRead = 'query Trusted { clientSession(userIdentifierKey: "user_42") { token } }'

interface Defect {
  name: string
  /** The JSON body's GraphQL parameters. */
  parameters: Record<string, unknown>
  /** What a caller with a valid token gets: the status and the codes. */
  withToken: [number, string[]]
}

const defects: Defect[] = [
  {
    name: 'a text that does not parse',
    parameters: { query: '{ clientSession(userIdentifierKey: "user_42") { token }' },
    withToken: [400, ['GRAPHQL_PARSE_FAILED']],
  },
  {
    name: 'a text that does not validate',
    parameters: { query: '{ clientSession(clientSessionId: "x") { noSuchField } }' },
    withToken: [400, ['GRAPHQL_VALIDATION_FAILED']],
  },
  {
    name: 'an argument of the wrong type',
    parameters: { query: '{ clientSession(clientSessionId: true) { token } }' },
    withToken: [400, ['GRAPHQL_VALIDATION_FAILED']],
  },
  {
    name: 'the subgraph SDL beside a field it does not have',
    parameters: { query: '{ _service { sdl noSuchField } }' },
    withToken: [400, ['GRAPHQL_VALIDATION_FAILED']],
  },
  { name: '16 aliases', parameters: { query: aliasedReads(16) }, withToken: [400, ['OPERATION_LIMIT_EXCEEDED']] },
  {
    name: 'a depth of 9',
    parameters: {
      query: `{ __type(name: "ClientSession") { fields { type { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } }`,
    },
    withToken: [400, ['OPERATION_LIMIT_EXCEEDED']],
  },
  {
    name: '1001 tokens',
    parameters: { query: `{ ${Array.from({ length: 1001 }, () => '__typename').join(' ')} }` },
    withToken: [400, ['OPERATION_LIMIT_EXCEEDED']],
  },
  {
    name: '51 directives, on __typename alone',
    parameters: {
      query: `{ ${Array.from({ length: 51 }, (_, index) => `t${index}: __typename @include(if: true)`).join(' ')} }`,
    },
    withToken: [400, ['OPERATION_LIMIT_EXCEEDED']],
  },
  {
    name: 'a cost over 5000',
    parameters: {
      query: `{ __type(name: "ClientSession") { fields { type { ofType { ofType { ofType { ${Array.from({ length: 480 }, () => 'name').join(' ')} } } } } } } }`,
    },
    withToken: [400, ['OPERATION_LIMIT_EXCEEDED']],
  },
  {
    name: 'more upstream calls than the budget',
    parameters: { query: aliasedReads(5) },
    withToken: [400, ['UPSTREAM_CALL_BUDGET_EXCEEDED']],
  },
  {
    name: 'an operationName that names nothing',
    parameters: { query: read, operationName: 'Nothing' },
    withToken: [400, ['OPERATION_RESOLUTION_FAILURE']],
  },
  {
    name: 'a documentId the trusted documents do not list',
    parameters: { documentId: sha256('{ __typename }') },
    withToken: [404, ['PERSISTED_QUERY_NOT_IN_LIST']],
  },
  {
    name: 'an APQ hash that is not registered',
    parameters: { extensions: persistedQuery(sha256('{ __typename }')) },
    withToken: [200, ['PERSISTED_QUERY_NOT_FOUND']],
  },
  {
    name: 'an APQ hash with a text it is not the hash of',
    parameters: { query: read, extensions: persistedQuery(sha256('{ __typename }')) },
    withToken: [400, ['PERSISTED_QUERY_HASH_MISMATCH']],
  },
  {
    name: 'an APQ hash with a text that does not validate',
    parameters: { query: '{ nothing }', extensions: persistedQuery(sha256('{ nothing }')) },
    withToken: [400, ['GRAPHQL_VALIDATION_FAILED']],
  },
  {
    name: 'a documentId beside a text',
    parameters: { documentId: 'trusted', query: read },
    withToken: [400, ['BAD_REQUEST']],
  },
]

/** The callers without a valid token, each refused with the same 401. */
const strangers: { name: string; authorization: string | undefined }[] = [
  { name: 'no token', authorization: undefined },
  { name: 'an expired token', authorization: await bearer(claims('user_42', { exp: 1 })) },
  { name: 'a token of another audience', authorization: await bearer(claims('user_42', { aud: 'another-api' })) },
  {
    name: 'a token signed by another key',
    authorization: `Bearer ${await sign(await signingKey('app', 'ES256'), claims('user_42'))}`,
  },
  { name: 'a Seam API key', authorization: `Bearer ${apiKey}` },
]

describe.each([{ fastLane: true }, { fastLane: false }])('with fastLane $fastLane', ({ fastLane }) => {
  let harness: Harness
  beforeAll(async () => {
    harness = await startHarness({
      gateway: {
        fastLane,
        serverCredential: credentialFromToken(apiKey),
        authentication: { keys: { publicKeyPem: await publicKeyPem(appKey) }, issuer, audience },
        upstreamCallBudget: 4,
        batchLimit: 4,
        trustedDocuments: new Map([['trusted', trustedRead]]),
        trustedDocumentsOnly: false,
      },
    })
  })
  afterAll(() => harness.close())

  /** A JSON POST of `parameters`, as the lean lane serves it (unless the document sends it on to yoga). */
  async function post(parameters: Record<string, unknown>, authorization: string | undefined): Promise<GraphQLAnswer> {
    const response = await fetch(harness.gatewayUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        ...(authorization !== undefined && { authorization }),
      },
      body: JSON.stringify(parameters),
    })
    const text = await response.text()
    return { status: response.status, headers: response.headers, text, body: JSON.parse(text) }
  }

  /** A batch, which yoga serves: each operation's answer. */
  async function postBatch(
    operations: Record<string, unknown>[],
    authorization: string | undefined,
  ): Promise<GraphQLAnswer['body'][]> {
    const response = await fetch(harness.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization !== undefined && { authorization }) },
      body: JSON.stringify(operations),
    })
    return (await response.json()) as GraphQLAnswer['body'][]
  }

  /** The answer a fit document gets without a valid token, to compare every other with. */
  let refusalOfAFitDocument: Map<string | undefined, GraphQLAnswer>
  beforeAll(async () => {
    refusalOfAFitDocument = new Map()
    for (const { authorization } of strangers) {
      const answer = await post({ query: read }, authorization)
      expect([answer.status, codesOf(answer)]).toEqual([401, ['UNAUTHENTICATED']])
      refusalOfAFitDocument.set(authorization, answer)
    }
  })

  const refused = (answer: GraphQLAnswer, authorization: string | undefined) => {
    const expected = refusalOfAFitDocument.get(authorization)!
    expect(answer.status).toBe(401)
    expect(answer.headers.get('www-authenticate')).toBe('Bearer')
    expect(answer.headers.get('content-type')).toBe(expected.headers.get('content-type'))
    expect(answer.body).toEqual(expected.body)
  }

  describe.each(strangers)('$name', ({ authorization }) => {
    it.each(defects)('$name: the 401 of a fit document, and no upstream call', async ({ parameters }) => {
      const before = harness.fakeSeam.requests.length
      refused(await post(parameters, authorization), authorization)
      expect(harness.fakeSeam.requests.length).toBe(before)
    })

    it('{ _service { sdl } } and { __typename } still need no token', async () => {
      const sdl = await post({ query: 'query SubgraphIntrospectQuery { _service { sdl } }' }, authorization)
      expect([sdl.status, sdl.body.data?.['_service'].sdl]).toEqual([
        200,
        expect.stringContaining('type ClientSession'),
      ])
      const typename = await post({ query: '{ __typename }' }, authorization)
      expect([typename.status, typename.body]).toEqual([200, { data: { __typename: 'Query' } }])
    })

    it('a text that names __typename or _service beside other fields: refused without being validated', async () => {
      // Texts never sent before, so that no cache could have validated them already.
      const unseen = ++unseenTexts
      for (const query of [
        `{ s${unseen}: clientSession(userIdentifierKey: "user_42") { token } __typename }`,
        `query Q${unseen} { _service { sdl } clientSession(clientSessionId: "x") { token } }`,
        `{ __typename } query Named { clientSession(clientSessionId: "y${unseen}") { token } }`,
      ]) {
        validations.mockClear()
        const operationName = query.includes('Named') ? 'Named' : undefined
        refused(await post({ query, operationName }, authorization), authorization)
        expect(validations).not.toHaveBeenCalled()
      }
    })

    it('a persisted document needs a token, even the SDL’s: by documentId, by its APQ hash', async () => {
      refused(await post({ documentId: 'trusted' }, authorization), authorization)
      refused(await post({ extensions: persistedQuery(sha256(trustedRead)) }, authorization), authorization)
      const sdl = '{ _service { sdl } }'
      refused(await post({ query: sdl, extensions: persistedQuery(sha256(sdl)) }, authorization), authorization)
    })
  })

  it.each(defects)(
    '$name, from a caller with a valid token: its own answer, as before',
    async ({ parameters, withToken }) => {
      const before = harness.fakeSeam.requests.length
      const answer = await post(parameters, valid)
      expect([answer.status, codesOf(answer)]).toEqual(withToken)
      expect(harness.fakeSeam.requests.length).toBe(before)
    },
  )

  it('registers no APQ text sent without a valid token; one sent by a caller runs, and is registered', async () => {
    const text = `{ clientSession(userIdentifierKey: "user_42") { token createdAt } }`
    const registration = { query: text, extensions: persistedQuery(sha256(text)) }
    const hashAlone = { extensions: persistedQuery(sha256(text)) }
    for (const { authorization } of strangers) refused(await post(registration, authorization), authorization)

    const notRegistered = await post(hashAlone, valid)
    expect([notRegistered.status, codesOf(notRegistered)]).toEqual([200, ['PERSISTED_QUERY_NOT_FOUND']])

    const registered = await post(registration, valid)
    expect(registered.body.data?.['clientSession']).toHaveProperty('token')
    const ranByHash = await post(hashAlone, valid)
    expect(ranByHash.body).toEqual(registered.body)
    // Registered, it still needs a token.
    refused(await post(hashAlone, undefined), undefined)
  })

  it('serves a trusted document by its id to a caller', async () => {
    const answer = await post({ documentId: 'trusted' }, valid)
    expect(answer.body.data?.['clientSession']).toHaveProperty('token')
  })

  it('refuses each operation of a batch without a valid token, whatever its document, and serves the SDL', async () => {
    for (const { authorization } of strangers) {
      const answers = await postBatch(
        [
          { query: '{ clientSession(clientSessionId: "x") { noSuchField } }' },
          { query: aliasedReads(16) },
          { query: '{ _service { sdl } }' },
          { query: read, operationName: 'Nothing' },
        ],
        authorization,
      )
      expect(answers.map((answer) => answer.errors?.map((error) => error.extensions['code']))).toEqual([
        ['UNAUTHENTICATED'],
        ['UNAUTHENTICATED'],
        undefined,
        ['UNAUTHENTICATED'],
      ])
      expect(answers[2]?.data?.['_service'].sdl).toContain('type ClientSession')
    }
  })

  describe('verifies a token once per HTTP request', () => {
    beforeEach(() => {
      verifications.mockClear()
    })

    it('a request that runs', async () => {
      expect((await post({ query: read }, valid)).status).toBe(200)
      expect(verifications).toHaveBeenCalledTimes(1)
    })

    it('a refused one', async () => {
      refused(await post({ query: read }, strangers[1]!.authorization), strangers[1]!.authorization)
      expect(verifications).toHaveBeenCalledTimes(1)
    })

    it('one the lean lane sends on to yoga after the token (an operationName that names nothing)', async () => {
      expect((await post({ query: read, operationName: 'Nothing' }, valid)).status).toBe(400)
      expect(verifications).toHaveBeenCalledTimes(1)
    })

    it('a batch through yoga.fetch, embedded without node:http, each of its operations refused or admitted', async () => {
      const refusedOrNot = async (authorization: string | undefined) => {
        verifications.mockClear()
        const response = await harness.gateway.yoga.fetch('http://gateway.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(authorization !== undefined && { authorization }) },
          body: JSON.stringify([{ query: read }, { query: '{ clientSession(clientSessionId: "x") { nope } }' }]),
        })
        const answers = (await response.json()) as GraphQLAnswer['body'][]
        expect(verifications).toHaveBeenCalledTimes(1)
        return answers.map((answer) => answer.errors?.map((error) => error.extensions['code']))
      }
      expect(await refusedOrNot(strangers[1]!.authorization)).toEqual([['UNAUTHENTICATED'], ['UNAUTHENTICATED']])
      expect(await refusedOrNot(valid)).toEqual([undefined, ['GRAPHQL_VALIDATION_FAILED']])
    })

    it('a batch, each of its operations admitted', async () => {
      for (const authorization of [admin, strangers[1]!.authorization]) {
        verifications.mockClear()
        const answers = await postBatch([{ query: read }, { query: aliasedReads(16) }, { query: read }], authorization)
        expect(answers).toHaveLength(3)
        expect(verifications).toHaveBeenCalledTimes(1)
      }
    })
  })
})
