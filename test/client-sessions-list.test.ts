import { afterEach, describe, expect, it } from 'vitest'

import {
  clientSession,
  codesOf,
  forwardedHeaders,
  type Harness,
  publishableKey,
  startHarness,
  withApiKey,
} from './support/harness.js'

const list = `query List($filter: ClientSessionsFilter) {
  clientSessions(filter: $filter) { clientSessionId userIdentifierKey }
}`

const identity = '2d9a4f5e-6b7c-4d8e-af90-1b2c3d4e5f60'

/** Four sessions that each filter tells apart. */
const sessions = [
  clientSession({
    client_session_id: 'cs-a',
    token: 'seam_cst1_a',
    user_identifier_key: 'alice',
    connect_webview_ids: ['wv-1'],
  }),
  clientSession({
    client_session_id: 'cs-b',
    token: 'seam_cst1_b',
    user_identifier_key: 'bob',
    connect_webview_ids: ['wv-1', 'wv-2'],
  }),
  clientSession({
    client_session_id: 'cs-c',
    token: 'seam_cst1_c',
    user_identifier_key: null,
    user_identity_id: identity,
    user_identity_ids: [identity],
  }),
  clientSession({
    client_session_id: 'cs-d',
    token: 'seam_cst1_d',
    user_identifier_key: null,
    user_identity_ids: [identity],
  }),
]

let harness: Harness
afterEach(() => harness.close())

const idsOf = (answer: Awaited<ReturnType<Harness['graphql']>>) =>
  answer.body.data?.['clientSessions']?.map((session: { clientSessionId: string }) => session.clientSessionId)

describe('clientSessions', () => {
  it('lists every session with one POST to /client_sessions/list and an empty body when there is no filter', async () => {
    harness = await startHarness({ fake: { clientSessions: sessions } })
    const answer = await harness.graphql(list, { headers: withApiKey })

    expect(answer.body.errors).toBeUndefined()
    expect(idsOf(answer)).toEqual(['cs-a', 'cs-b', 'cs-c', 'cs-d'])
    expect(harness.fakeSeam.requests.map(({ method, path, body }) => ({ method, path, body }))).toEqual([
      { method: 'POST', path: '/client_sessions/list', body: {} },
    ])
    expect(forwardedHeaders(harness.fakeSeam.requests[0]!.headers)).toEqual({
      ...withApiKey,
      'content-type': 'application/json',
      accept: 'application/json',
    })
  })

  it('maps each listed session as the clientSession query does', async () => {
    harness = await startHarness({ fake: { clientSessions: [sessions[3]!] } })
    const answer = await harness.graphql(
      `{ clientSessions { clientSessionId token createdAt expiresAt userIdentifierKey userIdentityId userIdentityIds deviceCount } }`,
      { headers: withApiKey },
    )

    expect(answer.body).toEqual({
      data: {
        clientSessions: [
          {
            clientSessionId: 'cs-d',
            token: 'seam_cst1_d',
            createdAt: '2026-10-01T08:00:00.000Z',
            expiresAt: '2027-10-01T08:00:00.000Z',
            userIdentifierKey: null,
            // Seam left out user_identity_id: it falls back to the single element of the deprecated list.
            userIdentityId: identity,
            userIdentityIds: [identity],
            deviceCount: 3,
          },
        ],
      },
    })
  })

  it.each([
    ['clientSessionId', { clientSessionId: 'cs-b' }, { client_session_id: 'cs-b' }, ['cs-b']],
    ['userIdentifierKey', { userIdentifierKey: 'alice' }, { user_identifier_key: 'alice' }, ['cs-a']],
    ['connectWebviewId', { connectWebviewId: 'wv-1' }, { connect_webview_id: 'wv-1' }, ['cs-a', 'cs-b']],
    ['userIdentityId', { userIdentityId: identity }, { user_identity_id: identity }, ['cs-c', 'cs-d']],
    [
      'withoutUserIdentifierKey',
      { withoutUserIdentifierKey: true },
      { without_user_identifier_key: true },
      ['cs-c', 'cs-d'],
    ],
    [
      'several filters at once',
      { connectWebviewId: 'wv-1', userIdentifierKey: 'bob' },
      { connect_webview_id: 'wv-1', user_identifier_key: 'bob' },
      ['cs-b'],
    ],
    ['a filter that matches nothing', { userIdentifierKey: 'nobody' }, { user_identifier_key: 'nobody' }, []],
    [
      'fields given as null, which are left out',
      { userIdentifierKey: null, clientSessionId: null, withoutUserIdentifierKey: false },
      { without_user_identifier_key: false },
      ['cs-a', 'cs-b', 'cs-c', 'cs-d'],
    ],
  ])('filters by %s, sent in snake_case', async (_, filter, body, ids) => {
    harness = await startHarness({ fake: { clientSessions: sessions } })
    const answer = await harness.graphql(list, { variables: { filter }, headers: withApiKey })

    expect(answer.body.errors).toBeUndefined()
    expect(harness.fakeSeam.requests[0]?.body).toEqual(body)
    expect(idsOf(answer)).toEqual(ids)
  })

  it('treats a null filter as no filter', async () => {
    harness = await startHarness({ fake: { clientSessions: sessions } })
    const answer = await harness.graphql(list, { variables: { filter: null }, headers: withApiKey })

    expect(idsOf(answer)).toHaveLength(4)
    expect(harness.fakeSeam.requests[0]?.body).toEqual({})
  })

  it('lists a thousand seeded sessions in Seam’s order', async () => {
    harness = await startHarness({ fake: { clientSessions: [] } })
    const seeded = harness.fakeSeam.seedClientSessions(1000)
    const answer = await harness.graphql(list, { headers: withApiKey })

    expect(answer.body.errors).toBeUndefined()
    expect(idsOf(answer)).toEqual(seeded.map((session) => session.client_session_id))
    expect(new Set(idsOf(answer)).size).toBe(1000)
  })

  it.each([
    ['client_sessions missing', { ok: true }, 'client_sessions does not match the contract'],
    [
      'one session without its token',
      { ok: true, client_sessions: [{ ...sessions[0] }, { ...sessions[1], token: undefined }] },
      'client_sessions.1.token does not match the contract',
    ],
    ['a session that is not an object', { ok: true, client_sessions: ['cs-a'] }, 'client_sessions.0 does not'],
  ])('answers UPSTREAM_ERROR when Seam answers with %s', async (_, body, reason) => {
    harness = await startHarness()
    harness.fakeSeam.failNext({ status: 200, body: JSON.stringify(body) })
    const answer = await harness.graphql(list, { headers: withApiKey })

    expect(codesOf(answer)).toEqual(['UPSTREAM_ERROR'])
    expect(answer.body.errors?.[0]?.message).toContain(reason)
    expect(answer.body.data).toBeNull()
  })

  // One row per field and kind of check, the session second in the list; the rows that break two
  // fields show which is checked first, the one the error cites. Written as text: JSON.stringify has no
  // way to write a number too large for a double, which JSON.parse reads as Infinity.
  it.each([
    ['client_session_id', { client_session_id: 42 }],
    ['workspace_id', { workspace_id: undefined }],
    ['created_at', { created_at: '2026-02-30T08:00:00.000Z' }],
    ['expires_at', { expires_at: 20270101 }],
    ['token', { token: null }],
    ['user_identifier_key', { user_identifier_key: undefined }],
    ['user_identifier_key', { user_identifier_key: 7 }],
    ['device_count', { device_count: '2' }],
    ['device_count', { device_count: 'INFINITY' }],
    ['connected_account_ids', { connected_account_ids: 'ca-1' }],
    ['connected_account_ids', { connected_account_ids: ['ca-1', 2] }],
    ['connect_webview_ids', { connect_webview_ids: null }],
    ['user_identity_id', { user_identity_id: 5 }],
    ['user_identity_ids', { user_identity_ids: ['id-1', null] }],
    ['user_identity_ids', { user_identity_ids: {} }],
    ['customer_key', { customer_key: false }],
    ['user_identity_ids', { client_session_id: 42, user_identity_ids: 5 }],
    ['user_identity_id', { client_session_id: 42, user_identity_id: 5 }],
    ['created_at', { token: null, created_at: 'noon' }],
    ['user_identifier_key', { customer_key: 1, user_identifier_key: 1 }],
  ])('answers UPSTREAM_ERROR citing %s when Seam sends %j', async (name, fields) => {
    harness = await startHarness()
    const broken = { ...sessions[1], ...fields }
    const body = JSON.stringify({ ok: true, client_sessions: [sessions[0], broken] })
    harness.fakeSeam.failNext({ status: 200, body: body.replace('"INFINITY"', '1e999') })
    const answer = await harness.graphql(list, { headers: withApiKey })

    expect(codesOf(answer)).toEqual(['UPSTREAM_ERROR'])
    expect(answer.body.errors?.[0]?.message).toContain(`client_sessions.1.${name} does not match the contract`)
  })

  // null for each of them is served as null or [] in test/client-session-query.test.ts.
  it('serves a session without the fields the contract lets Seam leave out', async () => {
    harness = await startHarness()
    const { user_identity_id: _id, user_identity_ids: _ids, customer_key: _key, ...required } = sessions[0]!
    harness.fakeSeam.failNext({ status: 200, body: JSON.stringify({ ok: true, client_sessions: [required] }) })
    const answer = await harness.graphql(
      '{ clientSessions { clientSessionId userIdentityId userIdentityIds customerKey } }',
      { headers: withApiKey },
    )

    expect(answer.body.errors).toBeUndefined()
    expect(answer.body.data?.['clientSessions']).toEqual([
      { clientSessionId: 'cs-a', userIdentityId: null, userIdentityIds: [], customerKey: null },
    ])
  })

  it.each([
    ['a client session token', { authorization: `Bearer ${clientSession().token}` }],
    ['a publishable key', { 'seam-publishable-key': publishableKey }],
  ])(
    'answers UNAUTHENTICATED to %s, which /client_sessions/list does not accept, without a call',
    async (_, headers) => {
      harness = await startHarness()
      const answer = await harness.graphql(list, { headers })

      expect(codesOf(answer)).toEqual(['UNAUTHENTICATED'])
      expect(harness.fakeSeam.requests).toHaveLength(0)
    },
  )

  it('answers BAD_USER_INPUT to a filter of the wrong type, without a call', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(list, {
      variables: { filter: { withoutUserIdentifierKey: 'yes' } },
      headers: withApiKey,
    })

    expect(codesOf(answer)).toEqual(['BAD_USER_INPUT'])
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })
})
