/**
 * Every row of the caller policy (README, "Front ends with a server-held key"), for a caller without the
 * admin scope and for an admin, asserting what Seam received: nothing at all where the policy refuses.
 * The key here is one PEM public key (AUTH_JWT_PUBLIC_KEY); ./auth-refusals.test.ts uses a JWKS.
 */
import type { JWTPayload } from 'jose'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { credentialFromToken } from '../src/seam/credentials.js'
import { apiKey, clientSession, codesOf, type Harness, startHarness } from './support/harness.js'
import { audience, claims, issuer, publicKeyPem, sign, signingKey } from './support/identity-provider.js'

const own = clientSession()
const others = clientSession({
  client_session_id: '0b1c2d3e-4f50-4617-8283-949596979899',
  user_identifier_key: 'user_7',
  token: 'seam_cst1_SECRETotherTOKEN',
})
const fields = 'clientSessionId userIdentifierKey token'

let harness: Harness
let caller: Record<string, string>
let admin: Record<string, string>
let callerWithScp: Record<string, string>

beforeAll(async () => {
  const key = await signingKey('pem-1', 'ES256')
  harness = await startHarness({
    fake: { clientSessions: [own, others] },
    gateway: {
      serverCredential: credentialFromToken(apiKey),
      authentication: { keys: { publicKeyPem: await publicKeyPem(key) }, issuer, audience },
    },
  })
  const bearer = async (payload: JWTPayload) => ({ authorization: `Bearer ${await sign(key, payload)}` })
  caller = await bearer(claims('user_42', { scope: 'openid profile' }))
  admin = await bearer(claims('ops_1', { scope: 'openid seam:admin' }))
  callerWithScp = await bearer(claims('ops_2', { scp: ['read', 'seam:admin'] }))
})
afterAll(() => harness.close())

let before = 0
beforeEach(() => {
  before = harness.fakeSeam.requests.length
})
/** What Seam received since the test began: path and body of each call. */
const sent = () => harness.fakeSeam.requests.slice(before).map(({ path, body }) => ({ path, body }))

const getOrCreate = (input: string) =>
  `mutation { getOrCreateClientSession(input: ${input}) { clientSession { ${fields} } } }`

describe('a caller without the admin scope', () => {
  it('gets or creates their own session with userIdentifierKey left out: theirs is sent', async () => {
    const answer = await harness.graphql(getOrCreate('{}'), { headers: caller })
    expect(answer.body.data?.['getOrCreateClientSession'].clientSession.clientSessionId).toBe(own.client_session_id)
    expect(sent()).toEqual([{ path: '/client_sessions/get_or_create', body: { user_identifier_key: 'user_42' } }])
  })

  it('gets or creates their own session naming their own key', async () => {
    const answer = await harness.graphql(getOrCreate('{ userIdentifierKey: "user_42" }'), { headers: caller })
    expect(answer.body.errors).toBeUndefined()
    expect(sent()).toEqual([{ path: '/client_sessions/get_or_create', body: { user_identifier_key: 'user_42' } }])
  })

  it('may not get or create a session for another key: FORBIDDEN, no call', async () => {
    const answer = await harness.graphql(getOrCreate('{ userIdentifierKey: "user_7" }'), { headers: caller })
    expect(codesOf(answer)).toEqual(['FORBIDDEN'])
    expect(answer.body.data).toBeNull()
    expect(sent()).toEqual([])
  })

  it.each([
    ['connectedAccountIds', '["c35ecf64-474a-466a-95a6-000000000001"]'],
    ['connectWebviewIds', '["c35ecf64-474a-466a-95a6-000000000002"]'],
    ['userIdentityId', '"c35ecf64-474a-466a-95a6-000000000003"'],
    ['userIdentityIds', '["c35ecf64-474a-466a-95a6-000000000003"]'],
    ['expiresAt', '"2030-01-01T00:00:00.000Z"'],
    ['connectedAccountIds', 'null'],
  ])('may not give %s (%s) to get or create: FORBIDDEN, no call', async (field, value) => {
    const answer = await harness.graphql(getOrCreate(`{ ${field}: ${value} }`), { headers: caller })
    expect(codesOf(answer)).toEqual(['FORBIDDEN'])
    expect(sent()).toEqual([])
  })

  it('reads their own session by their key', async () => {
    const answer = await harness.graphql(`{ clientSession(userIdentifierKey: "user_42") { ${fields} } }`, {
      headers: caller,
    })
    expect(answer.body.data?.['clientSession'].token).toBe(own.token)
    expect(sent()).toEqual([{ path: '/client_sessions/get', body: { user_identifier_key: 'user_42' } }])
  })

  it('may not read by another key: FORBIDDEN, no call', async () => {
    const answer = await harness.graphql(`{ clientSession(userIdentifierKey: "user_7") { ${fields} } }`, {
      headers: caller,
    })
    expect(codesOf(answer)).toEqual(['FORBIDDEN'])
    expect(sent()).toEqual([])
  })

  it('reads their own session by its ID', async () => {
    const answer = await harness.graphql(`{ clientSession(clientSessionId: "${own.client_session_id}") { token } }`, {
      headers: caller,
    })
    expect(answer.body).toEqual({ data: { clientSession: { token: own.token } } })
  })

  it('reads another’s session by its ID as null, exactly like an unknown ID', async () => {
    const unknown = await harness.graphql(
      '{ clientSession(clientSessionId: "00000000-0000-4000-8000-000000000000") { token } }',
      { headers: caller },
    )
    const another = await harness.graphql(
      `{ clientSession(clientSessionId: "${others.client_session_id}") { token } }`,
      { headers: caller },
    )
    expect(another.body).toEqual({ data: { clientSession: null } })
    expect([another.status, another.text]).toEqual([unknown.status, unknown.text])
    expect(another.text).not.toContain(others.token)
  })

  it('gets the same rule from _entities: own by either key, another’s null (by key without a call)', async () => {
    const answer = await harness.graphql(
      'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on ClientSession { clientSessionId token } } }',
      {
        headers: caller,
        variables: {
          representations: [
            { __typename: 'ClientSession', clientSessionId: own.client_session_id },
            { __typename: 'ClientSession', userIdentifierKey: 'user_42' },
            { __typename: 'ClientSession', clientSessionId: others.client_session_id },
            { __typename: 'ClientSession', userIdentifierKey: 'user_7' },
          ],
        },
      },
    )
    expect(answer.body).toEqual({
      data: {
        _entities: [
          { clientSessionId: own.client_session_id, token: own.token },
          { clientSessionId: own.client_session_id, token: own.token },
          null,
          null,
        ],
      },
    })
    expect(sent().map(({ body }) => body)).toEqual([
      { client_session_id: own.client_session_id },
      { user_identifier_key: 'user_42' },
      { client_session_id: others.client_session_id },
    ])
  })

  it.each([
    ['clientSessions', '{ clientSessions { clientSessionId } }'],
    [
      'createClientSession',
      'mutation { createClientSession(input: { userIdentifierKey: "user_42" }) { clientSession { token } } }',
    ],
    [
      'grantClientSessionAccess',
      `mutation { grantClientSessionAccess(input: { clientSessionId: "${own.client_session_id}", connectWebviewIds: [] }) { clientSession { token } } }`,
    ],
    [
      'revokeClientSession',
      `mutation { revokeClientSession(input: { clientSessionId: "${own.client_session_id}" }) { clientSessionId } }`,
    ],
    [
      'deleteClientSession',
      `mutation { deleteClientSession(input: { clientSessionId: "${own.client_session_id}" }) { clientSessionId } }`,
    ],
  ])('may not call %s: FORBIDDEN, no call', async (_, query) => {
    const answer = await harness.graphql(query, { headers: caller })
    expect(codesOf(answer)).toEqual(['FORBIDDEN'])
    expect(sent()).toEqual([])
  })
})

describe.each([
  { who: 'an admin (scope)', headers: () => admin },
  { who: 'an admin (scp list)', headers: () => callerWithScp },
])('$who', ({ headers }) => {
  it('gets or creates a session for any key, with every field sent as given', async () => {
    const answer = await harness.graphql(
      getOrCreate('{ userIdentifierKey: "user_7", expiresAt: "2030-01-01T00:00:00.000Z", connectWebviewIds: [] }'),
      { headers: headers() },
    )
    expect(answer.body.errors).toBeUndefined()
    expect(sent()).toEqual([
      {
        path: '/client_sessions/get_or_create',
        body: { user_identifier_key: 'user_7', expires_at: '2030-01-01T00:00:00.000Z', connect_webview_ids: [] },
      },
    ])
  })

  it('reads any session by key and by ID', async () => {
    const answer = await harness.graphql(
      `{ a: clientSession(userIdentifierKey: "user_7") { token } b: clientSession(clientSessionId: "${others.client_session_id}") { token } }`,
      { headers: headers() },
    )
    expect(answer.body).toEqual({ data: { a: { token: others.token }, b: { token: others.token } } })
  })

  it('reads any session through _entities', async () => {
    const answer = await harness.graphql(
      'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on ClientSession { token } } }',
      {
        headers: headers(),
        variables: { representations: [{ __typename: 'ClientSession', userIdentifierKey: 'user_7' }] },
      },
    )
    expect(answer.body).toEqual({ data: { _entities: [{ token: others.token }] } })
  })

  it('lists, creates, grants, revokes and deletes, as without authentication', async () => {
    const list = await harness.graphql('{ clientSessions { userIdentifierKey } }', { headers: headers() })
    expect(list.body.errors).toBeUndefined()
    const create = await harness.graphql(
      'mutation { createClientSession(input: { customerKey: "customer_9" }) { clientSession { clientSessionId } } }',
      { headers: headers() },
    )
    const created = create.body.data?.['createClientSession'].clientSession.clientSessionId as string
    const grant = await harness.graphql(
      `mutation { grantClientSessionAccess(input: { clientSessionId: "${created}", connectWebviewIds: [] }) { clientSession { clientSessionId } } }`,
      { headers: headers() },
    )
    const revoke = await harness.graphql(
      `mutation { revokeClientSession(input: { clientSessionId: "${created}" }) { clientSessionId } }`,
      { headers: headers() },
    )
    const remove = await harness.graphql(
      `mutation { deleteClientSession(input: { clientSessionId: "${created}" }) { clientSessionId } }`,
      { headers: headers() },
    )
    expect([create, grant, revoke, remove].map((answer) => answer.body.errors)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ])
    expect(sent().map(({ path }) => path)).toEqual([
      '/client_sessions/list',
      '/client_sessions/create',
      '/client_sessions/grant_access',
      '/client_sessions/revoke',
      '/client_sessions/delete',
    ])
    expect(harness.fakeSeam.requests.at(-1)?.headers.authorization).toBe(`Bearer ${apiKey}`)
  })
})
