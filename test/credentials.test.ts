import { connect } from 'node:net'

import { afterEach, describe, expect, it } from 'vitest'

import { createGateway } from '../src/gateway.js'
import { credentialFromToken } from '../src/seam/credentials.js'
import {
  apiKey,
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

const read = '{ clientSession(userIdentifierKey: "user_42") { clientSessionId } }'
/** An operation that accepts a publishable key, so a malformed one is refused for its shape, not its kind. */
const getOrCreate = `mutation { getOrCreateClientSession(input: { userIdentifierKey: "user_42" }) {
  clientSession { clientSessionId } } }`
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

  it('sends each endpoint only the part of a credential it accepts, call after call', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(
      `mutation {
        session: getOrCreateClientSession(input: { userIdentifierKey: "user_42" }) { clientSession { clientSessionId } }
        revoked: revokeClientSession(input: { clientSessionId: "${clientSession().client_session_id}" }) { clientSessionId }
      }`,
      { headers: { authorization: `Bearer ${clientSession().token}`, 'seam-publishable-key': publishableKey } },
    )

    // get_or_create takes the publishable key, not the client session token; revoke takes neither.
    expect(answer.body.errors?.map(({ path, extensions }) => [path, extensions['code']])).toEqual([
      [['revoked'], 'UNAUTHENTICATED'],
    ])
    expect(harness.fakeSeam.requests.map((request) => forwardedHeaders(request.headers))).toEqual([
      { 'seam-publishable-key': publishableKey, 'content-type': 'application/json', accept: 'application/json' },
    ])
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

describe('header values from the caller, checked before anything is forwarded', () => {
  it.each([
    ['a seam-workspace that is not a workspace ID', { ...withApiKey, 'seam-workspace': 'ws-1' }],
    ['a seam-workspace with a path in it', { ...withApiKey, 'seam-workspace': `${workspaceId}/../admin` }],
    ['a token with a quote', { authorization: `Bearer ${apiKey}"x` }],
    ['two tokens', { authorization: `Bearer ${apiKey} ${apiKey}` }],
    ['a token with a comma', { authorization: `Bearer ${apiKey},seam_other` }],
    ['a token of 5000 characters', { authorization: `Bearer seam_${'a'.repeat(5000)}` }],
    ['a token with a byte outside ASCII', { authorization: `Bearer ${apiKey}\u00e9` }],
    ['a seam-publishable-key with a quote', { 'seam-publishable-key': `${publishableKey}"x` }],
    ['a seam-publishable-key of two words', { ...withApiKey, 'seam-publishable-key': `${publishableKey} x` }],
  ])('answers BAD_USER_INPUT to %s, without an upstream call', async (_, headers) => {
    harness = await startHarness()
    const answer = await harness.graphql(read, { headers })

    expect(codesOf(answer)).toEqual(['BAD_USER_INPUT'])
    expect(answer.text).not.toContain(apiKey)
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })

  it.each([
    ['a space', { 'seam-publishable-key': `${publishableKey} x` }],
    ['a quote', { 'seam-publishable-key': `${publishableKey}"x` }],
    ['a comma, as two keys joined', { 'seam-publishable-key': `${publishableKey},${publishableKey}` }],
    ['a byte outside ASCII', { 'seam-publishable-key': `${publishableKey}\u00e9` }],
    ['a space, beside an accepted API key', { ...withApiKey, 'seam-publishable-key': `${publishableKey} x` }],
  ])(
    'answers BAD_USER_INPUT to a seam-publishable-key with %s, on an operation that takes one, without a call',
    async (_, headers) => {
      harness = await startHarness()
      const answer = await harness.graphql(getOrCreate, { headers })

      expect(codesOf(answer)).toEqual(['BAD_USER_INPUT'])
      expect(answer.body.errors?.[0]?.message).toContain('seam-publishable-key')
      expect(answer.text).not.toContain(publishableKey)
      expect(harness.fakeSeam.requests).toHaveLength(0)
    },
  )

  it('answers BAD_USER_INPUT, not an undici exception, to CR/LF or NUL in a header given in-process', async () => {
    // node:http refuses such values on the wire (next test); an application that serves the gateway
    // through yoga.fetch can still hand them over.
    harness = await startHarness()
    const gateway = createGateway({ seamEndpoint: harness.seamEndpoint, upstreamTimeoutMs: 2_000 })
    try {
      const cases: [Record<string, string>, string][] = [
        [{ authorization: `Bearer ${apiKey}\r\nx-smuggled: 1` }, read],
        [{ authorization: `Bearer ${apiKey}\u0000` }, read],
        [{ authorization: `Bearer ${personalAccessToken}`, 'seam-workspace': `${workspaceId}\r\nx-smuggled: 1` }, read],
        // On an operation that would forward it: refused for its shape, not for its kind.
        [{ 'seam-publishable-key': `${publishableKey}\r\nx-smuggled: 1` }, getOrCreate],
        [{ 'seam-publishable-key': `${publishableKey}\u0000` }, getOrCreate],
      ]
      for (const [headers, query] of cases) {
        const response = await gateway.yoga.fetch('http://gateway/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ query }),
        })
        const body = await response.json()
        expect(body.errors.map((error: { extensions: { code: string } }) => error.extensions.code)).toEqual([
          'BAD_USER_INPUT',
        ])
      }
      expect(harness.fakeSeam.requests).toHaveLength(0)
    } finally {
      await gateway.close()
    }
  })

  it('never lets a CR/LF in a header on the wire through', async () => {
    harness = await startHarness()
    const { hostname, port, pathname } = new URL(harness.gatewayUrl)
    const body = JSON.stringify({ query: read })
    const socket = connect(Number(port), hostname)
    const answer = await new Promise<string>((resolve) => {
      let received = ''
      socket.on('data', (data) => (received += data.toString()))
      socket.on('close', () => resolve(received))
      socket.on('error', () => resolve(received))
      socket.write(
        `POST ${pathname} HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\n` +
          `authorization: Bearer ${apiKey}\rx-smuggled: 1\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
      )
    })

    expect(answer).toMatch(/^HTTP\/1\.1 400 /)
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })

  it('never lets any input or header change the upstream host or path', async () => {
    harness = await startHarness()
    const hostile = [
      '../../admin',
      '/client_sessions/delete',
      'http://evil.example/steal',
      '//evil.example',
      '?x=1#y',
      '%2e%2e%2fadmin',
      'a\r\nHost: evil.example',
    ]
    for (const value of hostile) {
      await harness.graphql(
        'query ($id: ID!, $key: String!) { a: clientSession(clientSessionId: $id) { token } b: clientSession(userIdentifierKey: $key) { token } }',
        {
          headers: {
            ...withApiKey,
            host: 'evil.example',
            'x-forwarded-host': 'evil.example',
            'x-forwarded-proto': 'https',
            'x-original-url': '/admin',
            forwarded: 'host=evil.example',
          },
          variables: { id: value, key: value },
        },
      )
      await harness.graphql(
        `mutation ($input: GrantClientSessionAccessInput!) { grantClientSessionAccess(input: $input) { clientSession { token } } }`,
        { headers: withApiKey, variables: { input: { clientSessionId: value, connectWebviewIds: [value] } } },
      )
    }

    const { host } = new URL(harness.seamEndpoint)
    expect(harness.fakeSeam.requests.length).toBeGreaterThanOrEqual(hostile.length * 3)
    for (const request of harness.fakeSeam.requests) {
      expect(['/client_sessions/get', '/client_sessions/grant_access']).toContain(request.path)
      expect(request.headers.host).toBe(host)
      expect(Object.keys(forwardedHeaders(request.headers)).sort()).toEqual(['accept', 'authorization', 'content-type'])
    }
  })
})
