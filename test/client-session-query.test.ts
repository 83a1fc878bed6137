import { afterEach, describe, expect, it } from 'vitest'

import type { FakeClientSession } from '../src/fake-seam/fake-seam.js'
import { clientSession, codesOf, type Harness, startHarness, withApiKey } from './support/harness.js'

const query = `query Session($id: ID, $key: String) {
  clientSession(clientSessionId: $id, userIdentifierKey: $key) {
    clientSessionId workspaceId createdAt expiresAt token userIdentifierKey deviceCount
    connectedAccountIds connectWebviewIds userIdentityId userIdentityIds customerKey
  }
}`

let harness: Harness
afterEach(() => harness.close())

describe('clientSession', () => {
  it('reads a session by clientSessionId with POST /client_sessions/get', async () => {
    harness = await startHarness({
      fake: { clientSessions: [clientSession({ device_count: 2.5, customer_key: 'customer-1' })] },
    })
    const answer = await harness.graphql(query, {
      variables: { id: clientSession().client_session_id },
      headers: withApiKey,
    })

    expect(answer.body).toEqual({
      data: {
        clientSession: {
          clientSessionId: clientSession().client_session_id,
          workspaceId: clientSession().workspace_id,
          createdAt: '2026-10-01T08:00:00.000Z',
          expiresAt: '2027-10-01T08:00:00.000Z',
          token: clientSession().token,
          userIdentifierKey: 'user_42',
          deviceCount: 2.5,
          connectedAccountIds: ['c35ecf64-474a-466a-95a6-000000000001'],
          connectWebviewIds: [],
          userIdentityId: null,
          userIdentityIds: [],
          customerKey: 'customer-1',
        },
      },
    })
    expect(harness.fakeSeam.requests.map(({ method, path, body }) => ({ method, path, body }))).toEqual([
      { method: 'POST', path: '/client_sessions/get', body: { client_session_id: clientSession().client_session_id } },
    ])
  })

  it('reads a session by userIdentifierKey', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(query, { variables: { key: 'user_42' }, headers: withApiKey })

    expect(answer.body.data?.['clientSession'].clientSessionId).toBe(clientSession().client_session_id)
    expect(harness.fakeSeam.requests[0]?.body).toEqual({ user_identifier_key: 'user_42' })
  })

  it('treats an argument given as null as not given', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(query, { variables: { id: null, key: 'user_42' }, headers: withApiKey })

    expect(answer.body.data?.['clientSession'].clientSessionId).toBe(clientSession().client_session_id)
    expect(harness.fakeSeam.requests[0]?.body).toEqual({ user_identifier_key: 'user_42' })
  })

  it('answers null without an error when Seam does not know the session', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(query, { variables: { key: 'nobody' }, headers: withApiKey })

    expect(answer.body).toEqual({ data: { clientSession: null } })
    expect(harness.fakeSeam.requests).toHaveLength(1)
  })

  it.each([
    ['neither argument', {}],
    ['both arguments', { id: clientSession().client_session_id, key: 'user_42' }],
  ])('rejects %s as BAD_USER_INPUT without an upstream call', async (_, variables) => {
    harness = await startHarness()
    const answer = await harness.graphql(query, { variables, headers: withApiKey })

    expect(codesOf(answer)).toEqual(['BAD_USER_INPUT'])
    expect(answer.body.data).toEqual({ clientSession: null })
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })

  it('fills userIdentityId from the single user_identity_ids element when Seam omits it', async () => {
    harness = await startHarness({ fake: { clientSessions: [clientSession({ user_identity_ids: ['identity-1'] })] } })
    const answer = await harness.graphql(query, { variables: { key: 'user_42' }, headers: withApiKey })

    expect(answer.body.data?.['clientSession']).toMatchObject({
      userIdentityId: 'identity-1',
      userIdentityIds: ['identity-1'],
    })
  })

  it('reads optional fields that Seam sends as null as null', async () => {
    harness = await startHarness({
      fake: {
        clientSessions: [clientSession({ customer_key: null, user_identity_id: null, user_identity_ids: null })],
      },
    })
    const answer = await harness.graphql(query, { variables: { key: 'user_42' }, headers: withApiKey })

    expect(answer.body.errors).toBeUndefined()
    expect(answer.body.data?.['clientSession']).toMatchObject({
      customerKey: null,
      userIdentityId: null,
      userIdentityIds: [],
    })
  })

  it('answers UPSTREAM_ERROR with the request id when the answer has no client_session', async () => {
    harness = await startHarness()
    harness.fakeSeam.failNext({ status: 200, body: '{"ok":true}', headers: { 'seam-request-id': 'req-missing' } })
    const answer = await harness.graphql(query, { variables: { key: 'user_42' }, headers: withApiKey })

    expect(codesOf(answer)).toEqual(['UPSTREAM_ERROR'])
    expect(answer.body.errors?.[0]?.extensions['seam']).toEqual({ status: 200, requestId: 'req-missing' })
  })

  it('answers NOT_FOUND, not null, when Seam says something else was not found', async () => {
    harness = await startHarness()
    harness.fakeSeam.failNext({
      status: 404,
      body: JSON.stringify({ error: { type: 'workspace_not_found', message: 'Workspace not found' } }),
    })
    const answer = await harness.graphql(query, { variables: { key: 'user_42' }, headers: withApiKey })

    expect(codesOf(answer)).toEqual(['NOT_FOUND'])
    expect(answer.body.errors?.[0]?.message).toBe('Workspace not found')
  })

  it('leaves userIdentityId null when Seam sends several user_identity_ids and no user_identity_id', async () => {
    harness = await startHarness({
      fake: { clientSessions: [clientSession({ user_identity_ids: ['identity-1', 'identity-2'] })] },
    })
    const answer = await harness.graphql(query, { variables: { key: 'user_42' }, headers: withApiKey })

    expect(answer.body.data?.['clientSession']).toMatchObject({
      userIdentityId: null,
      userIdentityIds: ['identity-1', 'identity-2'],
    })
  })

  it('fills the deprecated userIdentityIds from user_identity_id when Seam sends only that', async () => {
    // Seam sends only the current field: no user_identity_ids at all.
    const { user_identity_ids: _omitted, ...session } = clientSession({ user_identity_id: 'identity-2' })
    harness = await startHarness({ fake: { clientSessions: [session as FakeClientSession] } })
    const answer = await harness.graphql(query, { variables: { key: 'user_42' }, headers: withApiKey })

    expect(answer.body.data?.['clientSession']).toMatchObject({
      userIdentityId: 'identity-2',
      userIdentityIds: ['identity-2'],
    })
  })

  it.each([
    ['as Seam writes them', '2024-02-29T23:59:59.999Z', '2024-02-29T23:59:59.999Z'],
    ['with an offset, in UTC', '2026-10-01T10:00:00+02:00', '2026-10-01T08:00:00.000Z'],
    ['without a fraction, with one', '2026-10-01T08:00:00Z', '2026-10-01T08:00:00.000Z'],
  ])('serves dates %s', async (_, createdAt, served) => {
    harness = await startHarness({ fake: { clientSessions: [clientSession({ created_at: createdAt })] } })
    const answer = await harness.graphql(query, { variables: { key: 'user_42' }, headers: withApiKey })

    expect(answer.body.errors).toBeUndefined()
    expect(answer.body.data?.['clientSession'].createdAt).toBe(served)
  })

  it.each([
    ['a malformed created_at', { created_at: '2026-13-45 noon' }],
    // Written as toISOString writes dates, and accepted by Date.parse, but no such day or hour.
    ['a created_at on February 30', { created_at: '2026-02-30T08:00:00.000Z' }],
    ['an expires_at on April 31', { expires_at: '2027-04-31T08:00:00.000Z' }],
    ['an expires_at at 24:00', { expires_at: '2027-10-01T24:00:00.000Z' }],
    ['a created_at on February 29 of a year that is no leap year', { created_at: '2100-02-29T08:00:00.000Z' }],
    ['a device_count that is not a number', { device_count: '3' }],
    ['a missing token', { token: undefined }],
  ])('answers UPSTREAM_ERROR, never the value, when Seam sends %s', async (_, overrides) => {
    harness = await startHarness({ fake: { clientSessions: [clientSession(overrides as never)] } })
    const answer = await harness.graphql(query, { variables: { key: 'user_42' }, headers: withApiKey })

    expect(codesOf(answer)).toEqual(['UPSTREAM_ERROR'])
    expect(answer.body.errors?.[0]?.extensions['seam']).toEqual({ status: 200, requestId: expect.any(String) })
    expect(answer.body.data).toEqual({ clientSession: null })
    expect(answer.text).not.toContain('noon')
  })
})
