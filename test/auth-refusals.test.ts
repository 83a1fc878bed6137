/**
 * Every token that must not pass, on both lanes: 401, `WWW-Authenticate: Bearer`, UNAUTHENTICATED, and
 * not one upstream call. The keys come from a JWKS on a loopback port; the tokens are signed here.
 */
import { inspect } from 'node:util'

import { type JWTPayload, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createGateway } from '../src/index.js'
import { credentialFromToken } from '../src/seam/credentials.js'
import { apiKey, clientSession, codesOf, type Harness, startHarness } from './support/harness.js'
import {
  audience,
  claims,
  IdentityProvider,
  issuer,
  publicKeyPem,
  sign,
  signingKey,
} from './support/identity-provider.js'

const read = '{ clientSession(userIdentifierKey: "user_42") { clientSessionId } }'
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

let provider: IdentityProvider
beforeAll(async () => {
  provider = await IdentityProvider.start()
})
afterAll(() => provider.down())

/** The refused tokens, each made when its test runs (the clock matters to some). */
const refusals: { name: string; authorization: () => Promise<string | undefined> }[] = [
  { name: 'no Authorization', authorization: async () => undefined },
  { name: 'another scheme', authorization: async () => `Basic ${Buffer.from('a:b').toString('base64')}` },
  { name: 'Bearer and nothing else', authorization: async () => 'Bearer ' },
  { name: 'not a JWT', authorization: async () => 'Bearer not.a.jwt' },
  { name: 'a Seam API key, as without authentication', authorization: async () => `Bearer ${apiKey}` },
  {
    name: 'expired (beyond the clock tolerance)',
    authorization: async () => `Bearer ${await sign(provider.keys.rsa, claims('user_42', { exp: now() - 120 }))}`,
  },
  {
    name: 'not yet valid (nbf beyond the clock tolerance)',
    authorization: async () => `Bearer ${await sign(provider.keys.rsa, claims('user_42', { nbf: now() + 120 }))}`,
  },
  {
    name: 'without exp',
    authorization: async () => `Bearer ${await sign(provider.keys.ec, claims('user_42', { exp: undefined }))}`,
  },
  {
    name: 'a wrong issuer',
    authorization: async () =>
      `Bearer ${await sign(provider.keys.rsa, claims('user_42', { iss: 'https://elsewhere.example/' }))}`,
  },
  {
    name: 'a wrong audience',
    authorization: async () => `Bearer ${await sign(provider.keys.ec, claims('user_42', { aud: 'another-api' }))}`,
  },
  {
    name: 'without the user claim',
    authorization: async () => `Bearer ${await sign(provider.keys.rsa, claims('user_42', { sub: undefined }))}`,
  },
  {
    name: 'a user claim that is not a string',
    authorization: async () => `Bearer ${await sign(provider.keys.rsa, claims('user_42', { sub: 42 }))}`,
  },
  {
    name: 'alg: none',
    authorization: async () =>
      `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims('user_42', { scope: 'seam:admin' }))}.`,
  },
  {
    name: 'HS256 signed with the public key’s bytes',
    authorization: async () => {
      const secret = new TextEncoder().encode(await publicKeyPem(provider.keys.rsa))
      const token = await new SignJWT(claims('user_42', { scope: 'seam:admin' }))
        .setProtectedHeader({ alg: 'HS256', kid: provider.keys.rsa.kid })
        .sign(secret)
      return `Bearer ${token}`
    },
  },
  {
    name: 'an unknown kid (a key the JWKS does not list)',
    authorization: async () => `Bearer ${await sign(await signingKey('unlisted', 'ES256'), claims('user_42'))}`,
  },
  {
    name: 'a listed kid, signed with another key',
    authorization: async () =>
      `Bearer ${await sign(await signingKey('x', 'RS256'), claims('user_42'), { kid: provider.keys.rsa.kid })}`,
  },
  {
    name: 'a tampered payload (another user, the signature kept)',
    authorization: async () => {
      const [header, , signature] = (await sign(provider.keys.rsa, claims('user_42'))).split('.')
      return `Bearer ${header}.${base64url(claims('user_7', { scope: 'seam:admin' }))}.${signature}`
    },
  },
]

function now() {
  return Math.floor(Date.now() / 1000)
}

describe.each([{ fastLane: true }, { fastLane: false }])('with fastLane $fastLane', ({ fastLane }) => {
  let harness: Harness
  beforeAll(async () => {
    harness = await startHarness({
      gateway: {
        fastLane,
        serverCredential: credentialFromToken(apiKey),
        authentication: { keys: { jwksUrl: provider.jwksUrl }, issuer, audience },
      },
    })
  })
  afterAll(() => harness.close())

  it('lets a valid RS256 and a valid ES256 token through, to the held credential', async () => {
    for (const key of [provider.keys.rsa, provider.keys.ec]) {
      const answer = await harness.graphql(read, {
        headers: { authorization: `Bearer ${await sign(key, claims('user_42'))}` },
      })
      expect(answer.body).toEqual({ data: { clientSession: { clientSessionId: clientSession().client_session_id } } })
      expect(harness.fakeSeam.requests.at(-1)?.headers.authorization).toBe(`Bearer ${apiKey}`)
    }
  })

  it.each(refusals)('refuses $name: 401, WWW-Authenticate: Bearer, UNAUTHENTICATED, no upstream call', async (row) => {
    const authorization = await row.authorization()
    const before = harness.fakeSeam.requests.length
    const answer = await harness.graphql(read, {
      headers: authorization === undefined ? {} : { authorization },
    })

    expect(answer.status).toBe(401)
    expect(answer.headers.get('www-authenticate')).toBe('Bearer')
    expect(codesOf(answer)).toEqual(['UNAUTHENTICATED'])
    expect(answer.body.data).toBeUndefined()
    // What only the lanes read stays out of the body.
    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' })
    expect(harness.fakeSeam.requests.length).toBe(before)
    const token = authorization?.startsWith('Bearer ') === true ? authorization.slice('Bearer '.length) : ''
    if (token !== '') expect(answer.text).not.toContain(token)
  })

  it('refuses a mutation alike, before Seam hears of it', async () => {
    const before = harness.fakeSeam.requests.length
    const answer = await harness.graphql('mutation { getOrCreateClientSession(input: {}) { clientSession { token } } }')
    expect([answer.status, codesOf(answer)]).toEqual([401, ['UNAUTHENTICATED']])
    expect(harness.fakeSeam.requests.length).toBe(before)
  })

  it('serves { _service { sdl } } without a token, for routers and rover', async () => {
    const answer = await harness.graphql('{ _service { sdl } }')
    expect(answer.status).toBe(200)
    expect(answer.body.data?.['_service'].sdl).toContain('type ClientSession')
  })

  it('still asks for a token when _service comes with anything that reads Seam', async () => {
    const before = harness.fakeSeam.requests.length
    const answer = await harness.graphql(`{ _service { sdl } ${read.slice(1, -1)} }`)
    expect([answer.status, codesOf(answer)]).toEqual([401, ['UNAUTHENTICATED']])
    expect(harness.fakeSeam.requests.length).toBe(before)
  })
})

describe('claims checked as configured', () => {
  it('reads the user from AUTH_USER_CLAIM and allows AUTH_CLOCK_TOLERANCE_S of skew, no more', async () => {
    const harness = await startHarness({
      gateway: {
        serverCredential: credentialFromToken(apiKey),
        authentication: {
          keys: { jwksUrl: provider.jwksUrl },
          issuer,
          audience,
          userClaim: 'uid',
          clockToleranceSeconds: 300,
        },
      },
    })
    try {
      const token = (payload: JWTPayload) => sign(provider.keys.ec, payload)
      const skewed = await token(claims('someone', { uid: 'user_42', exp: now() - 120 }))
      const answer = await harness.graphql(read, { headers: { authorization: `Bearer ${skewed}` } })
      expect(answer.body.data?.['clientSession']).not.toBeNull()

      const tooOld = await token(claims('someone', { uid: 'user_42', exp: now() - 400 }))
      const refused = await harness.graphql(read, { headers: { authorization: `Bearer ${tooOld}` } })
      expect([refused.status, codesOf(refused)]).toEqual([401, ['UNAUTHENTICATED']])

      const withoutUid = await token(claims('user_42'))
      const noClaim = await harness.graphql(read, { headers: { authorization: `Bearer ${withoutUid}` } })
      expect([noClaim.status, codesOf(noClaim)]).toEqual([401, ['UNAUTHENTICATED']])
    } finally {
      await harness.close()
    }
  })

  it('accepts only the algorithms configured', async () => {
    const harness = await startHarness({
      gateway: {
        serverCredential: credentialFromToken(apiKey),
        authentication: { keys: { jwksUrl: provider.jwksUrl }, issuer, audience, algorithms: ['ES256'] },
      },
    })
    try {
      const rsa = await harness.graphql(read, {
        headers: { authorization: `Bearer ${await sign(provider.keys.rsa, claims('user_42'))}` },
      })
      expect([rsa.status, codesOf(rsa)]).toEqual([401, ['UNAUTHENTICATED']])
      const ec = await harness.graphql(read, {
        headers: { authorization: `Bearer ${await sign(provider.keys.ec, claims('user_42'))}` },
      })
      expect(ec.status).toBe(200)
    } finally {
      await harness.close()
    }
  })
})

describe('createGateway', () => {
  const authentication = { keys: { jwksUrl: 'https://id.example.com/jwks' }, issuer, audience }
  const options = { seamEndpoint: 'https://connect.getseam.com', upstreamTimeoutMs: 1_000 }

  it('refuses authentication without a server-held credential: the Authorization is then Seam’s', () => {
    expect(() => createGateway({ ...options, authentication })).toThrow('authentication needs a serverCredential')
  })

  it('refuses a jwksUrl given in code that is no URL, without repeating it: it may hold a secret', () => {
    const jwksUrl = 'https://jwks-user:SECRET_password@id.example.com:99999/jwks?token=SECRET_token'
    const refusal = (() => {
      try {
        createGateway({
          ...options,
          serverCredential: credentialFromToken(apiKey),
          authentication: { ...authentication, keys: { jwksUrl } },
        })
      } catch (error) {
        return error
      }
    })()
    expect(refusal).toBeInstanceOf(Error)
    expect((refusal as Error).message).toContain('authentication.keys.jwksUrl is not a URL')
    // Everything a log would print of it: its message, stack and own properties.
    expect(inspect(refusal)).not.toMatch(/SECRET|jwks-user/)
  })

  it.each([['HS256'], ['none']])('refuses the algorithm %s given in code, as AUTH_ALGORITHMS does', (algorithm) => {
    expect(() =>
      createGateway({
        ...options,
        serverCredential: credentialFromToken(apiKey),
        authentication: { ...authentication, algorithms: ['RS256', algorithm] },
      }),
    ).toThrow(`${algorithm} is not accepted`)
  })
})
