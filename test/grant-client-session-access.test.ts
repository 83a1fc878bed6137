import { afterEach, describe, expect, it } from 'vitest'

import { apiKey, clientSession, codesOf, type Harness, startHarness, withApiKey } from './support/harness.js'

const grant = `mutation Grant($input: GrantClientSessionAccessInput!) {
  grantClientSessionAccess(input: $input) {
    clientSession {
      clientSessionId userIdentifierKey connectedAccountIds connectWebviewIds userIdentityId userIdentityIds deviceCount
    }
  }
}`

const sessionId = clientSession().client_session_id

let harness: Harness
afterEach(() => harness.close())

describe('grantClientSessionAccess', () => {
  it('sends one POST to /client_sessions/grant_access with exactly the given fields in snake_case', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(grant, {
      variables: {
        input: {
          clientSessionId: sessionId,
          userIdentifierKey: 'user_42',
          connectedAccountIds: ['acct-2'],
          connectWebviewIds: ['webview-1'],
          userIdentityId: 'identity-1',
        },
      },
      headers: withApiKey,
    })

    expect(answer.body.errors).toBeUndefined()
    expect(harness.fakeSeam.requests).toHaveLength(1)
    const [request] = harness.fakeSeam.requests
    expect(request).toMatchObject({ method: 'POST', path: '/client_sessions/grant_access' })
    expect(request?.headers['content-type']).toBe('application/json')
    expect(request?.body).toEqual({
      client_session_id: sessionId,
      user_identifier_key: 'user_42',
      connected_account_ids: ['acct-2'],
      connect_webview_ids: ['webview-1'],
      user_identity_id: 'identity-1',
    })
    expect(answer.body.data?.['grantClientSessionAccess'].clientSession).toEqual({
      clientSessionId: sessionId,
      userIdentifierKey: 'user_42',
      connectedAccountIds: ['c35ecf64-474a-466a-95a6-000000000001', 'acct-2'],
      connectWebviewIds: ['webview-1'],
      userIdentityId: 'identity-1',
      userIdentityIds: ['identity-1'],
      deviceCount: 3,
    })
  })

  it('leaves out fields the caller did not give or gave as null, and accepts IDs that are not UUIDs', async () => {
    harness = await startHarness({ fake: { clientSessions: [clientSession({ client_session_id: 'cs_not-a-uuid' })] } })
    const answer = await harness.graphql(grant, {
      variables: { input: { clientSessionId: 'cs_not-a-uuid', connectWebviewIds: ['w 1'], userIdentifierKey: null } },
      headers: withApiKey,
    })

    expect(answer.body.errors).toBeUndefined()
    expect(harness.fakeSeam.requests.map((request) => request.body)).toEqual([
      { client_session_id: 'cs_not-a-uuid', connect_webview_ids: ['w 1'] },
    ])
  })

  it('reads the session back with /client_sessions/get when Seam answers {} as its cURL sample shows', async () => {
    harness = await startHarness({ fake: { grantAnswer: 'empty' } })
    const answer = await harness.graphql(grant, {
      variables: { input: { userIdentifierKey: 'user_42', connectWebviewIds: ['webview-9'] } },
      headers: withApiKey,
    })

    expect(answer.body.errors).toBeUndefined()
    expect(answer.body.data?.['grantClientSessionAccess'].clientSession).toMatchObject({
      clientSessionId: sessionId,
      connectWebviewIds: ['webview-9'],
    })
    expect(harness.fakeSeam.requests.map(({ method, path, body }) => ({ method, path, body }))).toEqual([
      {
        method: 'POST',
        path: '/client_sessions/grant_access',
        body: { user_identifier_key: 'user_42', connect_webview_ids: ['webview-9'] },
      },
      { method: 'POST', path: '/client_sessions/get', body: { user_identifier_key: 'user_42' } },
    ])
    expect(harness.fakeSeam.requests[1]?.headers.authorization).toBe(`Bearer ${apiKey}`)
  })

  it('reads the session back too when Seam answers client_session: null', async () => {
    harness = await startHarness()
    harness.fakeSeam.failNext({ status: 200, body: JSON.stringify({ client_session: null, ok: true }) })
    const answer = await harness.graphql(grant, {
      variables: { input: { clientSessionId: sessionId, connectWebviewIds: ['webview-1'] } },
      headers: withApiKey,
    })

    expect(answer.body.errors).toBeUndefined()
    expect(answer.body.data?.['grantClientSessionAccess'].clientSession.clientSessionId).toBe(sessionId)
    expect(harness.fakeSeam.requests.map((request) => request.path)).toEqual([
      '/client_sessions/grant_access',
      '/client_sessions/get',
    ])
  })

  it('reads back by clientSessionId when the grant named both identifiers', async () => {
    harness = await startHarness({ fake: { grantAnswer: 'empty' } })
    await harness.graphql(grant, {
      variables: { input: { clientSessionId: sessionId, userIdentifierKey: 'user_42' } },
      headers: withApiKey,
    })

    expect(harness.fakeSeam.requests[1]?.body).toEqual({ client_session_id: sessionId })
  })

  it('sends the deprecated userIdentityIds: [x] upstream as user_identity_id: x', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(grant, {
      variables: { input: { clientSessionId: sessionId, userIdentityIds: ['identity-7'] } },
      headers: withApiKey,
    })

    expect(answer.body.errors).toBeUndefined()
    expect(harness.fakeSeam.requests[0]?.body).toEqual({ client_session_id: sessionId, user_identity_id: 'identity-7' })
    expect(answer.body.data?.['grantClientSessionAccess'].clientSession.userIdentityId).toBe('identity-7')
  })

  it('accepts userIdentityIds beside the same userIdentityId and sends it once', async () => {
    harness = await startHarness()
    await harness.graphql(grant, {
      variables: {
        input: { clientSessionId: sessionId, userIdentityId: 'identity-7', userIdentityIds: ['identity-7'] },
      },
      headers: withApiKey,
    })

    expect(harness.fakeSeam.requests[0]?.body).toEqual({ client_session_id: sessionId, user_identity_id: 'identity-7' })
  })

  it.each([
    ['no item', { userIdentityIds: [] }],
    ['two items', { userIdentityIds: ['identity-1', 'identity-2'] }],
    ['a different userIdentityId beside it', { userIdentityIds: ['identity-1'], userIdentityId: 'identity-2' }],
    ['no identifier of the session', { clientSessionId: undefined, connectWebviewIds: ['webview-1'] }],
    ['identifiers given as null', { clientSessionId: null, userIdentifierKey: null, connectWebviewIds: ['webview-1'] }],
  ])('rejects %s as BAD_USER_INPUT before any upstream call', async (_, fields) => {
    harness = await startHarness()
    const answer = await harness.graphql(grant, {
      variables: { input: { clientSessionId: sessionId, ...fields } },
      headers: withApiKey,
    })

    expect(codesOf(answer)).toEqual(['BAD_USER_INPUT'])
    expect(answer.body.data).toBeNull()
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })

  it('answers NOT_FOUND when Seam does not know the session', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(grant, {
      variables: { input: { clientSessionId: 'no-such-session' } },
      headers: withApiKey,
    })

    expect(codesOf(answer)).toEqual(['NOT_FOUND'])
    expect(answer.body.errors?.[0]).toMatchObject({
      message: 'Client session not found',
      extensions: { seam: { type: 'client_session_not_found', status: 404 } },
    })
  })
})
