import { afterEach, describe, expect, it } from 'vitest'

import {
  clientSession,
  codesOf,
  consoleSessionToken,
  forwardedHeaders,
  type Harness,
  personalAccessToken,
  publishableKey,
  startHarness,
  withApiKey,
  workspaceId,
} from './support/harness.js'

const existing = clientSession()
const unknownId = '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a'

const readSession = `{ clientSession(clientSessionId: "${existing.client_session_id}") { clientSessionId } }`
const listIds = '{ clientSessions { clientSessionId } }'

let harness: Harness
afterEach(() => harness.close())

const operations = [
  {
    name: 'revokeClientSession',
    path: '/client_sessions/revoke',
    document: `mutation Revoke($input: RevokeClientSessionInput!) { revokeClientSession(input: $input) { clientSessionId } }`,
  },
  {
    name: 'deleteClientSession',
    path: '/client_sessions/delete',
    document: `mutation Delete($input: DeleteClientSessionInput!) { deleteClientSession(input: $input) { clientSessionId } }`,
  },
]

describe('revokeClientSession', () => {
  it('revokes: the session’s token stops working, and the session can still be read with an API key', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(operations[0]!.document, {
      variables: { input: { clientSessionId: existing.client_session_id } },
      headers: withApiKey,
    })

    expect(answer.body).toEqual({ data: { revokeClientSession: { clientSessionId: existing.client_session_id } } })
    expect(harness.fakeSeam.isRevoked(existing.client_session_id)).toBe(true)
    const withToken = await harness.graphql(readSession, { headers: { authorization: `Bearer ${existing.token}` } })
    expect(codesOf(withToken)).toEqual(['UNAUTHENTICATED'])
    const withKey = await harness.graphql(readSession, { headers: withApiKey })
    expect(withKey.body.data?.['clientSession']).toEqual({ clientSessionId: existing.client_session_id })
  })
})

describe('deleteClientSession', () => {
  it('deletes: the session is no longer found or listed', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(operations[1]!.document, {
      variables: { input: { clientSessionId: existing.client_session_id } },
      headers: withApiKey,
    })

    expect(answer.body).toEqual({ data: { deleteClientSession: { clientSessionId: existing.client_session_id } } })
    expect(harness.fakeSeam.clientSession(existing.client_session_id)).toBeUndefined()
    expect((await harness.graphql(readSession, { headers: withApiKey })).body).toEqual({
      data: { clientSession: null },
    })
    expect((await harness.graphql(listIds, { headers: withApiKey })).body).toEqual({ data: { clientSessions: [] } })
  })
})

describe.each(operations)('$name', ({ name, path, document }) => {
  it(`sends one POST to ${path} with the session's ID in snake_case, and only the API key`, async () => {
    harness = await startHarness()
    await harness.graphql(document, {
      variables: { input: { clientSessionId: existing.client_session_id } },
      // This endpoint takes no publishable key: it stays at the gateway, as the cookie does.
      headers: { ...withApiKey, 'seam-publishable-key': publishableKey, cookie: 'session=browser' },
    })

    expect(harness.fakeSeam.requests.map(({ method, path, body }) => ({ method, path, body }))).toEqual([
      { method: 'POST', path, body: { client_session_id: existing.client_session_id } },
    ])
    expect(forwardedHeaders(harness.fakeSeam.requests[0]!.headers)).toEqual({
      ...withApiKey,
      'content-type': 'application/json',
      accept: 'application/json',
    })
  })

  it('answers NOT_FOUND when Seam does not know the session', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(document, {
      variables: { input: { clientSessionId: unknownId } },
      headers: withApiKey,
    })

    expect(codesOf(answer)).toEqual(['NOT_FOUND'])
    expect(answer.body.errors?.[0]).toMatchObject({
      message: 'Client session not found',
      path: [name],
      extensions: { seam: { status: 404, type: 'client_session_not_found' } },
    })
    expect(answer.body.data).toBeNull()
  })

  it('maps Seam’s validation error for an ID that is not a UUID to BAD_USER_INPUT on clientSessionId', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(document, {
      variables: { input: { clientSessionId: 'not-a-uuid' } },
      headers: withApiKey,
    })

    expect(codesOf(answer)).toEqual(['BAD_USER_INPUT'])
    expect(answer.body.errors?.[0]?.extensions['seam']).toMatchObject({
      status: 400,
      validationErrors: [{ field: 'clientSessionId', messages: ['must be a UUID'] }],
    })
  })

  it.each([
    ['no clientSessionId', {}],
    ['a null clientSessionId', { clientSessionId: null }],
  ])('answers BAD_USER_INPUT to %s without a call: the contract requires it', async (_, input) => {
    harness = await startHarness()
    const answer = await harness.graphql(document, { variables: { input }, headers: withApiKey })

    expect(codesOf(answer)).toEqual(['BAD_USER_INPUT'])
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })

  it.each([
    [
      'a personal access token with its workspace',
      { authorization: `Bearer ${personalAccessToken}`, 'seam-workspace': workspaceId },
    ],
    [
      'a console session token with its workspace',
      { authorization: `Bearer ${consoleSessionToken}`, 'seam-workspace': workspaceId },
    ],
  ])('accepts %s', async (_, headers) => {
    harness = await startHarness()
    const answer = await harness.graphql(document, {
      variables: { input: { clientSessionId: existing.client_session_id } },
      headers,
    })

    expect(answer.body.errors).toBeUndefined()
    expect(harness.fakeSeam.requests[0]?.headers).toMatchObject(headers)
  })

  it.each([
    ['a client session token, even its own', { authorization: `Bearer ${existing.token}` }],
    ['a publishable key', { 'seam-publishable-key': publishableKey }],
    ['no credential', {}],
  ])('answers UNAUTHENTICATED to %s without an upstream call', async (_, headers) => {
    harness = await startHarness()
    const answer = await harness.graphql(document, {
      variables: { input: { clientSessionId: existing.client_session_id } },
      headers,
    })

    expect(codesOf(answer)).toEqual(['UNAUTHENTICATED'])
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })
})
