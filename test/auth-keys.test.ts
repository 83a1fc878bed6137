/**
 * The signing keys over time: a key the JWKS starts to list is picked up on the first token that names
 * it once jose's 30 s cooldown has passed (and not before: the JWKS is not fetched on every unknown kid),
 * and a JWKS endpoint that is down, at start-up or later, refuses with UNAUTHENTICATED only the tokens
 * no key the gateway has seen can verify, while the process goes on serving. Only `Date` is faked, to
 * move past cooldowns and backoffs without waiting.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { credentialFromToken } from '../src/seam/credentials.js'
import { apiKey, codesOf, type Harness, startHarness } from './support/harness.js'
import { audience, claims, IdentityProvider, issuer, sign, signingKey } from './support/identity-provider.js'

const read = '{ clientSession(userIdentifierKey: "user_42") { clientSessionId } }'

let provider: IdentityProvider
let harness: Harness

async function start() {
  provider = await IdentityProvider.start()
  harness = await startHarness({
    gateway: {
      serverCredential: credentialFromToken(apiKey),
      authentication: { keys: { jwksUrl: provider.jwksUrl }, issuer, audience },
    },
  })
}

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'] })
  await start()
})
afterEach(async () => {
  vi.useRealTimers()
  await harness.close()
  await provider.down()
})
afterAll(() => vi.useRealTimers())

const later = (ms: number) => vi.setSystemTime(Date.now() + ms)
const answerTo = async (token: string) => harness.graphql(read, { headers: { authorization: `Bearer ${token}` } })
const outcome = async (token: string) => {
  const answer = await answerTo(token)
  return answer.status === 200 && answer.body.errors === undefined ? 'served' : [answer.status, ...codesOf(answer)]
}

describe('key rotation', () => {
  it('learns a newly published key on an unknown kid, after the cooldown, fetching no more often', async () => {
    expect(await outcome(await sign(provider.keys.rsa, claims('user_42')))).toBe('served')
    expect(provider.fetches).toBe(1)

    const next = await signingKey('rsa-2', 'RS256')
    const tokenOfNext = await sign(next, claims('user_42'))
    expect(await outcome(tokenOfNext)).toEqual([401, 'UNAUTHENTICATED'])
    provider.publish([provider.keys.rsa, provider.keys.ec, next])
    // Within jose's 30 s cooldown the JWKS is not fetched again, however many unknown kids arrive.
    expect(await outcome(tokenOfNext)).toEqual([401, 'UNAUTHENTICATED'])
    expect(provider.fetches).toBe(1)

    later(31_000)
    expect(await outcome(await sign(next, claims('user_42')))).toBe('served')
    expect(provider.fetches).toBe(2)
    expect(await outcome(await sign(provider.keys.ec, claims('user_42')))).toBe('served')
    expect(provider.fetches).toBe(2)
  })
})

/** A gateway of its own that fetches its keys from `url` (the provider's JWKS, reached another way). */
const startWithJwksUrl = (url: URL) =>
  startHarness({
    gateway: {
      serverCredential: credentialFromToken(apiKey),
      authentication: { keys: { jwksUrl: url.href }, issuer, audience },
    },
  })

describe('a JWKS URL with a user and password, and a query', () => {
  it('fetches the keys with the userinfo as Basic authorization and the query kept, and serves', async () => {
    const url = new URL(provider.jwksUrl)
    url.username = 'jwks user'
    url.password = 'pass:wörd'
    url.search = '?key=abc'
    const behindProxy = await startWithJwksUrl(url)
    try {
      const token = await sign(provider.keys.rsa, claims('user_42'))
      const answer = await behindProxy.graphql(read, { headers: { authorization: `Bearer ${token}` } })
      expect(codesOf(answer)).toEqual([])
      expect(provider.requests).toEqual([
        {
          target: '/.well-known/jwks.json?key=abc',
          authorization: `Basic ${Buffer.from('jwks user:pass:wörd').toString('base64')}`,
        },
      ])
    } finally {
      await behindProxy.close()
    }
  })
})

describe('a JWKS endpoint that is down', () => {
  it('at start-up: UNAUTHENTICATED, the process serves on, and the keys are fetched once it is back', async () => {
    await provider.down()
    const token = await sign(provider.keys.ec, claims('user_42'))
    expect(await outcome(token)).toEqual([401, 'UNAUTHENTICATED'])
    expect(harness.logs.join('\n')).toContain('could not be fetched')
    expect((await harness.graphql('{ _service { sdl } }')).status).toBe(200)

    await provider.up()
    // Within the backoff after a failure, the endpoint is not asked.
    expect(await outcome(token)).toEqual([401, 'UNAUTHENTICATED'])
    expect(provider.fetches).toBe(0)

    later(1_100)
    expect(await outcome(token)).toBe('served')
    expect(provider.fetches).toBe(1)
  })

  it('names its host and path in the warning, never the userinfo, query or fragment of its URL', async () => {
    provider.failing = true
    const url = new URL(provider.jwksUrl)
    url.username = 'jwks-user'
    url.password = 'SECRET_password'
    url.search = '?token=SECRET_token'
    url.hash = '#SECRET_fragment'
    const withSecrets = await startWithJwksUrl(url)
    try {
      const logged = withSecrets.logs.length
      const token = await sign(provider.keys.ec, claims('user_42'))
      const answer = await withSecrets.graphql(read, { headers: { authorization: `Bearer ${token}` } })
      expect(codesOf(answer)).toEqual(['UNAUTHENTICATED'])
      const warnings = withSecrets.logs.slice(logged).filter((line) => line.includes('could not be fetched'))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain(`The JWKS at ${provider.jwksUrl} could not be fetched`)
      expect(warnings[0]).not.toMatch(/SECRET|jwks-user/)
    } finally {
      await withSecrets.close()
    }
  })

  it('backs off longer after each failure, doubling from 1 s up to 30 s', async () => {
    provider.failing = true
    const token = await sign(provider.keys.ec, claims('user_42'))
    let fetches = 0
    for (const backoffMs of [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]) {
      expect(await outcome(token)).toEqual([401, 'UNAUTHENTICATED'])
      expect(provider.fetches).toBe(++fetches)
      later(backoffMs - 100)
      expect(await outcome(token)).toEqual([401, 'UNAUTHENTICATED'])
      expect(provider.fetches).toBe(fetches)
      later(100)
    }
    provider.failing = false
    expect(await outcome(token)).toBe('served')
  })

  it('counts a failed fetch once, however many requests waited on it: one log line, and the next try after 1 s', async () => {
    provider.failing = true
    const token = await sign(provider.keys.ec, claims('user_42'))
    const logged = harness.logs.length
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => outcome(token)))
    expect(outcomes).toEqual(Array.from({ length: 5 }, () => [401, 'UNAUTHENTICATED']))
    expect(provider.fetches).toBe(1)
    expect(harness.logs.slice(logged).filter((line) => line.includes('could not be fetched'))).toHaveLength(1)

    provider.failing = false
    later(1_100)
    expect(await outcome(token)).toBe('served')
    expect(provider.fetches).toBe(2)
  })

  it('later: tokens of the keys last published still pass, even once stale; unknown kids get UNAUTHENTICATED', async () => {
    expect(await outcome(await sign(provider.keys.rsa, claims('user_42')))).toBe('served')
    await provider.down()
    // Past jose's 10 minutes of freshness: the next token makes it fetch, which fails.
    later(11 * 60_000)
    expect(await outcome(await sign(provider.keys.rsa, claims('user_42')))).toBe('served')
    expect(harness.logs.join('\n')).toContain('could not be fetched')
    expect(await outcome(await sign(provider.keys.ec, claims('user_42')))).toBe('served')

    const unknown = await signingKey('rsa-9', 'RS256')
    later(31_000)
    expect(await outcome(await sign(unknown, claims('user_42')))).toEqual([401, 'UNAUTHENTICATED'])
    expect(await outcome(await sign(unknown, claims('user_42')))).toEqual([401, 'UNAUTHENTICATED'])
  })
})
