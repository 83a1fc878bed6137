import { afterEach, describe, expect, it } from 'vitest'

import { credentialFromToken } from '../src/seam/credentials.js'
import {
  apiKey,
  clientSession,
  codesOf,
  consoleSessionToken,
  forwardedHeaders,
  type Harness,
  personalAccessToken,
  startHarness,
  withApiKey,
  workspaceId,
} from './support/harness.js'

const read = '{ clientSession(userIdentifierKey: "user_42") { clientSessionId } }'
const grant = `mutation { grantClientSessionAccess(input: { userIdentifierKey: "user_42", connectWebviewIds: ["w"] }) {
  clientSession { clientSessionId } } }`

let harness: Harness
afterEach(() => harness.close())

describe("the caller's credential (the default)", () => {
  it('forwards Authorization unchanged and seam-workspace, and nothing else the caller sent', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(grant, {
      headers: {
        authorization: `Bearer ${personalAccessToken}`,
        'seam-workspace': workspaceId,
        cookie: 'session=browser-cookie',
        'x-forwarded-for': '203.0.113.9',
        'seam-client-session-token': 'seam_cst_caller',
        // grant_access does not take a publishable key: it stays at the gateway.
        'seam-publishable-key': 'seam_pk1_caller',
        'x-custom': 'caller',
      },
    })

    expect(answer.body.errors).toBeUndefined()
    expect(forwardedHeaders(harness.fakeSeam.requests[0]!.headers)).toEqual({
      authorization: `Bearer ${personalAccessToken}`,
      'seam-workspace': workspaceId,
      'content-type': 'application/json',
      accept: 'application/json',
    })
  })

  it('forwards a console session token with its workspace', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(grant, {
      headers: { authorization: `Bearer ${consoleSessionToken}`, 'seam-workspace': workspaceId },
    })

    expect(answer.body.errors).toBeUndefined()
    expect(harness.fakeSeam.requests[0]?.headers.authorization).toBe(`Bearer ${consoleSessionToken}`)
  })

  it.each([
    ['no Authorization', {}],
    ['a non-Bearer Authorization', { authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` }],
    ['a personal access token without seam-workspace', { authorization: `Bearer ${personalAccessToken}` }],
    [
      'a personal access token with an empty seam-workspace',
      { authorization: `Bearer ${personalAccessToken}`, 'seam-workspace': '' },
    ],
    [
      'a client session token, which grant_access does not accept',
      { authorization: `Bearer ${clientSession().token}` },
    ],
  ])('answers UNAUTHENTICATED to %s without an upstream call', async (_, headers) => {
    harness = await startHarness()
    const answer = await harness.graphql(grant, { headers })

    expect(codesOf(answer)).toEqual(['UNAUTHENTICATED'])
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })

  it('lets a client session token read its own session, as /client_sessions/get allows', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(read, { headers: { authorization: `Bearer ${clientSession().token}` } })

    expect(answer.body.data?.['clientSession']).toEqual({ clientSessionId: clientSession().client_session_id })
  })

  it('maps a credential Seam refuses (upstream 401) to UNAUTHENTICATED', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(read, { headers: { authorization: 'Bearer seam_revoked_key' } })

    expect(codesOf(answer)).toEqual(['UNAUTHENTICATED'])
    expect(answer.body.errors?.[0]?.extensions['seam']).toMatchObject({ status: 401, type: 'unauthorized' })
  })

  it('never sends one request’s credential with another’s call', async () => {
    const otherKey = 'seam_testkey2_OTHERkey'
    harness = await startHarness({ fake: { apiKeys: [apiKey, otherKey] } })
    const callers = Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? apiKey : otherKey))
    // Each caller names itself in the query, so each upstream request can be matched to its caller.
    await Promise.all(
      callers.map((key, index) =>
        harness.graphql(`{ clientSession(clientSessionId: "${key}-${index}") { clientSessionId } }`, {
          headers: { authorization: `Bearer ${key}` },
        }),
      ),
    )

    expect(harness.fakeSeam.requests).toHaveLength(20)
    for (const request of harness.fakeSeam.requests) {
      const id = (request.body as { client_session_id: string }).client_session_id
      expect(request.headers.authorization).toBe(`Bearer ${id.slice(0, id.lastIndexOf('-'))}`)
    }
  })
})

describe('a server-held credential', () => {
  it('uses SEAM_API_KEY for every call and never forwards the caller’s Authorization', async () => {
    harness = await startHarness({ gateway: { serverCredential: credentialFromToken(apiKey) } })
    const anonymous = await harness.graphql(read)
    const withOtherKey = await harness.graphql(read, {
      headers: { authorization: 'Bearer seam_caller_key', 'seam-workspace': 'caller-workspace' },
    })

    expect(anonymous.body.errors).toBeUndefined()
    expect(withOtherKey.body.errors).toBeUndefined()
    expect(harness.fakeSeam.requests.map((request) => forwardedHeaders(request.headers))).toEqual([
      { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
      { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
    ])
  })

  it('uses SEAM_PERSONAL_ACCESS_TOKEN with SEAM_WORKSPACE_ID', async () => {
    harness = await startHarness({
      gateway: { serverCredential: credentialFromToken(personalAccessToken, workspaceId) },
    })
    const answer = await harness.graphql(grant, { headers: withApiKey })

    expect(answer.body.errors).toBeUndefined()
    expect(harness.fakeSeam.requests[0]?.headers).toMatchObject({
      authorization: `Bearer ${personalAccessToken}`,
      'seam-workspace': workspaceId,
    })
  })
})
