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

const sessionFields = `clientSessionId workspaceId expiresAt token userIdentifierKey deviceCount
  connectedAccountIds connectWebviewIds userIdentityId userIdentityIds customerKey`

const create = `mutation Create($input: CreateClientSessionInput!) {
  createClientSession(input: $input) { clientSession { ${sessionFields} } }
}`

const getOrCreate = `mutation GetOrCreate($input: GetOrCreateClientSessionInput!) {
  getOrCreateClientSession(input: $input) { clientSession { ${sessionFields} } }
}`

const identityA = '0b7e2d3c-4f5a-4b6c-8d7e-9f0a1b2c3d4e'
const identityB = '1c8f3e4d-5a6b-4c7d-9e8f-0a1b2c3d4e5f'
const existing = clientSession()

let harness: Harness
afterEach(() => harness.close())

const sent = () => harness.fakeSeam.requests.map(({ method, path, body }) => ({ method, path, body }))

describe('createClientSession', () => {
  it('sends one POST to /client_sessions/create with exactly the given fields in snake_case, the date in UTC', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(create, {
      variables: {
        input: {
          connectWebviewIds: ['webview-1'],
          connectedAccountIds: ['acct-7'],
          customerId: 'customer-id-1',
          customerKey: 'customer_acme',
          expiresAt: '2027-01-02T03:04:05+02:00',
          userIdentifierKey: 'new_user',
          userIdentityId: identityA,
        },
      },
      headers: withApiKey,
    })

    expect(answer.body.errors).toBeUndefined()
    expect(sent()).toEqual([
      {
        method: 'POST',
        path: '/client_sessions/create',
        body: {
          connect_webview_ids: ['webview-1'],
          connected_account_ids: ['acct-7'],
          customer_id: 'customer-id-1',
          customer_key: 'customer_acme',
          expires_at: '2027-01-02T01:04:05.000Z',
          user_identifier_key: 'new_user',
          user_identity_id: identityA,
        },
      },
    ])
    const created = answer.body.data?.['createClientSession'].clientSession
    const stored = harness.fakeSeam.clientSession(created.clientSessionId)
    expect(stored).toBeDefined()
    expect(created).toEqual({
      clientSessionId: stored?.client_session_id,
      workspaceId,
      expiresAt: '2027-01-02T01:04:05.000Z',
      token: stored?.token,
      userIdentifierKey: 'new_user',
      deviceCount: 0,
      connectedAccountIds: ['acct-7'],
      connectWebviewIds: ['webview-1'],
      userIdentityId: identityA,
      userIdentityIds: [identityA],
      customerKey: 'customer_acme',
    })
  })

  it('sends an empty body for an empty input, and leaves out fields given as null', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(create, {
      variables: { input: { userIdentifierKey: null, customerKey: null } },
      headers: withApiKey,
    })

    expect(answer.body.errors).toBeUndefined()
    expect(sent()).toEqual([{ method: 'POST', path: '/client_sessions/create', body: {} }])
    expect(answer.body.data?.['createClientSession'].clientSession.userIdentifierKey).toBeNull()
  })

  it('sends the deprecated userIdentityIds: [x] upstream as user_identity_id: x', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(create, {
      variables: { input: { userIdentifierKey: 'new_user', userIdentityIds: [identityA] } },
      headers: withApiKey,
    })

    expect(answer.body.errors).toBeUndefined()
    expect(sent()[0]?.body).toEqual({ user_identifier_key: 'new_user', user_identity_id: identityA })
    expect(answer.body.data?.['createClientSession'].clientSession.userIdentityId).toBe(identityA)
  })

  it('answers ALREADY_EXISTS when Seam has a session for the user identifier key', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(create, {
      variables: { input: { userIdentifierKey: existing.user_identifier_key } },
      headers: withApiKey,
    })

    expect(codesOf(answer)).toEqual(['ALREADY_EXISTS'])
    expect(answer.body.errors?.[0]).toMatchObject({
      path: ['createClientSession'],
      extensions: { seam: { status: 400, type: 'client_session_token_already_exists' } },
    })
    expect(answer.body.data).toBeNull()
  })

  it.each([
    ['an empty customerKey', { customerKey: '' }, 'customerKey'],
    ['a userIdentityId that is not a UUID', { userIdentityId: 'identity-1' }, 'userIdentityId'],
  ])('maps Seam’s validation error for %s to BAD_USER_INPUT, naming the GraphQL field', async (_, input, field) => {
    harness = await startHarness()
    const answer = await harness.graphql(create, { variables: { input }, headers: withApiKey })

    expect(codesOf(answer)).toEqual(['BAD_USER_INPUT'])
    expect(answer.body.errors?.[0]?.extensions['seam']).toMatchObject({
      status: 400,
      type: 'invalid_input',
      validationErrors: [{ field, messages: [expect.any(String)] }],
    })
    expect(harness.fakeSeam.requests).toHaveLength(1)
  })

  it('creates a session with a publishable key alone, sending seam-publishable-key and no Authorization', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(create, {
      variables: { input: { userIdentifierKey: 'browser_user' } },
      headers: { 'seam-publishable-key': publishableKey, cookie: 'session=browser' },
    })

    expect(answer.body.errors).toBeUndefined()
    expect(forwardedHeaders(harness.fakeSeam.requests[0]!.headers)).toEqual({
      'seam-publishable-key': publishableKey,
      'content-type': 'application/json',
      accept: 'application/json',
    })
    expect(answer.body.data?.['createClientSession'].clientSession.userIdentifierKey).toBe('browser_user')
  })

  it('maps Seam refusing a publishable key without a user identifier key to BAD_USER_INPUT', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(create, {
      variables: { input: {} },
      headers: { 'seam-publishable-key': publishableKey },
    })

    expect(codesOf(answer)).toEqual(['BAD_USER_INPUT'])
    expect(answer.body.errors?.[0]?.extensions['seam']).toMatchObject({ type: 'missing_user_identifier_key' })
  })
})

describe('getOrCreateClientSession', () => {
  it('answers the user’s existing session with the access added and the expiry moved', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(getOrCreate, {
      variables: {
        input: {
          userIdentifierKey: existing.user_identifier_key,
          connectWebviewIds: ['webview-9'],
          expiresAt: '2028-05-06T07:08:09.000Z',
        },
      },
      headers: withApiKey,
    })

    expect(answer.body.errors).toBeUndefined()
    expect(sent()).toEqual([
      {
        method: 'POST',
        path: '/client_sessions/get_or_create',
        body: {
          user_identifier_key: existing.user_identifier_key,
          connect_webview_ids: ['webview-9'],
          expires_at: '2028-05-06T07:08:09.000Z',
        },
      },
    ])
    expect(answer.body.data?.['getOrCreateClientSession'].clientSession).toMatchObject({
      clientSessionId: existing.client_session_id,
      token: existing.token,
      connectedAccountIds: existing.connected_account_ids,
      connectWebviewIds: ['webview-9'],
      expiresAt: '2028-05-06T07:08:09.000Z',
    })
  })

  it('creates a session for a user who has none', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(getOrCreate, {
      variables: { input: { userIdentifierKey: 'first_timer', connectedAccountIds: ['acct-3'] } },
      headers: withApiKey,
    })

    const session = answer.body.data?.['getOrCreateClientSession'].clientSession
    expect(session.clientSessionId).not.toBe(existing.client_session_id)
    expect(harness.fakeSeam.clientSession(session.clientSessionId)?.user_identifier_key).toBe('first_timer')
    expect(session).toMatchObject({ userIdentifierKey: 'first_timer', connectedAccountIds: ['acct-3'] })
  })

  it('gets a client session token with a publishable key and a user identifier key, as Seam’s SDK does', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(
      `mutation { getOrCreateClientSession(input: { userIdentifierKey: "user_42" }) { clientSession { token } } }`,
      { headers: { 'seam-publishable-key': publishableKey } },
    )

    expect(answer.body.data?.['getOrCreateClientSession'].clientSession.token).toBe(existing.token)
    expect(sent()).toEqual([
      { method: 'POST', path: '/client_sessions/get_or_create', body: { user_identifier_key: 'user_42' } },
    ])
    expect(forwardedHeaders(harness.fakeSeam.requests[0]!.headers)).toEqual({
      'seam-publishable-key': publishableKey,
      'content-type': 'application/json',
      accept: 'application/json',
    })
  })

  it('sends the deprecated userIdentityIds: [x] upstream as user_identity_id: x', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(getOrCreate, {
      variables: { input: { userIdentityIds: [identityB] } },
      headers: withApiKey,
    })

    expect(answer.body.errors).toBeUndefined()
    expect(sent()[0]?.body).toEqual({ user_identity_id: identityB })
    expect(answer.body.data?.['getOrCreateClientSession'].clientSession.userIdentityIds).toEqual([identityB])
  })

  it('maps Seam’s validation error (no characteristic to find the session by) to BAD_USER_INPUT', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(getOrCreate, {
      variables: { input: { connectWebviewIds: ['webview-1'] } },
      headers: withApiKey,
    })

    expect(codesOf(answer)).toEqual(['BAD_USER_INPUT'])
    expect(answer.body.errors?.[0]?.extensions['seam']).toMatchObject({
      validationErrors: [{ field: 'userIdentifierKey', messages: ['or user_identity_id is required'] }],
    })
  })
})

describe.each([
  ['createClientSession', create, 'Use `userIdentityId` instead.'],
  ['getOrCreateClientSession', getOrCreate, 'Use `userIdentityId`.'],
])('%s, as every create-style mutation', (name, document, reason) => {
  it.each([
    ['no item', { userIdentityIds: [] }],
    ['two items', { userIdentityIds: [identityA, identityB] }],
    ['a different userIdentityId beside it', { userIdentityIds: [identityA], userIdentityId: identityB }],
    ['an expiresAt that is not a date-time', { userIdentifierKey: 'x', expiresAt: 'tomorrow' }],
  ])('rejects %s as BAD_USER_INPUT before any upstream call', async (_, input) => {
    harness = await startHarness()
    const answer = await harness.graphql(document, { variables: { input }, headers: withApiKey })

    expect(codesOf(answer)).toEqual(['BAD_USER_INPUT'])
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })

  it('accepts userIdentityIds beside the same userIdentityId and sends it once', async () => {
    harness = await startHarness()
    await harness.graphql(document, {
      variables: { input: { userIdentifierKey: 'someone', userIdentityId: identityA, userIdentityIds: [identityA] } },
      headers: withApiKey,
    })

    expect(sent()[0]?.body).toEqual({ user_identifier_key: 'someone', user_identity_id: identityA })
  })

  it('deprecates userIdentityIds with its own endpoint’s reason, in GraphQL names', async () => {
    harness = await startHarness()
    const inputType = `${name[0]!.toUpperCase()}${name.slice(1)}Input`
    const answer = await harness.graphql(
      `{ __type(name: "${inputType}") { inputFields(includeDeprecated: true) { name deprecationReason } } }`,
    )

    const deprecated = answer.body.data?.['__type'].inputFields.filter(
      (field: { deprecationReason: string | null }) => field.deprecationReason !== null,
    )
    expect(deprecated).toEqual([{ name: 'userIdentityIds', deprecationReason: reason }])
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
    const answer = await harness.graphql(document, { variables: { input: { userIdentifierKey: 'pat_user' } }, headers })

    expect(answer.body.errors).toBeUndefined()
    expect(harness.fakeSeam.requests[0]?.headers).toMatchObject(headers)
  })

  it.each([
    ['a client session token', { authorization: `Bearer ${existing.token}` }],
    ['a personal access token without seam-workspace', { authorization: `Bearer ${personalAccessToken}` }],
    ['a publishable key sent as a bearer token', { authorization: `Bearer ${publishableKey}` }],
    ['no credential', {}],
  ])('answers UNAUTHENTICATED to %s without an upstream call', async (_, headers) => {
    harness = await startHarness()
    const answer = await harness.graphql(document, { variables: { input: { userIdentifierKey: 'x' } }, headers })

    expect(codesOf(answer)).toEqual(['UNAUTHENTICATED'])
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })

  it('forwards only the API key when the caller also sends a publishable key', async () => {
    harness = await startHarness()
    await harness.graphql(document, {
      variables: { input: { userIdentifierKey: 'both' } },
      headers: { ...withApiKey, 'seam-publishable-key': publishableKey },
    })

    expect(forwardedHeaders(harness.fakeSeam.requests[0]!.headers)).toEqual({
      ...withApiKey,
      'content-type': 'application/json',
      accept: 'application/json',
    })
  })
})
