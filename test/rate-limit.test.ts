/**
 * The per-caller rate limit, in one process (no Redis): who counts as one caller, what a refused
 * operation gets (429, `Retry-After`, RATE_LIMITED, no upstream call), the burst, batches, and the
 * endpoints that are never limited. The two lanes answering alike is test/lanes-agree.test.ts's; Redis is
 * test/rate-limit-redis.test.ts's.
 */
import { afterEach, describe, expect, it } from 'vitest'

import type { GatewayContext } from '../src/context.js'
import { callerKeysOf } from '../src/rate-limit/caller-key.js'
import { clientAddress } from '../src/rate-limit/client-address.js'
import { retryAfterSecondsFor } from '../src/rate-limit/rate-limit.js'
import { credentialFromToken } from '../src/seam/credentials.js'
import { audience, claims, issuer, publicKeyPem, sign, signingKey } from './support/identity-provider.js'
import {
  apiKey,
  codesOf,
  type GraphQLAnswer,
  type Harness,
  personalAccessToken,
  publishableKey,
  startHarness,
  workspaceId,
} from './support/harness.js'

const read = '{ clientSession(userIdentifierKey: "user_42") { clientSessionId } }'
const otherWorkspaceId = '99999999-2222-4333-8444-555555555555'

let harness: Harness
const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

async function start(gateway: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  harness = await startHarness(gateway)
  closers.push(() => harness.close())
  return harness
}

/** Sends `read` once with these headers; what came back, and how many upstream calls it made. */
async function send(headers: Record<string, string>, query = read) {
  const before = harness.fakeSeam.requests.length
  const answer = await harness.graphql(query, { headers })
  return { answer, upstreamCalls: harness.fakeSeam.requests.length - before }
}

/** How many of `count` operations with these headers were let through, one after the other. */
async function admitted(headers: Record<string, string>, count: number, query = read): Promise<number> {
  let through = 0
  for (let index = 0; index < count; index++) {
    const { answer } = await send(headers, query)
    if (!codesOf(answer).includes('RATE_LIMITED')) through++
  }
  return through
}

function expectRateLimited(answer: GraphQLAnswer) {
  expect(answer.status).toBe(429)
  const retryAfter = answer.headers.get('retry-after')
  expect(retryAfter).toMatch(/^[1-9]\d*$/)
  expect(Number(retryAfter)).toBeLessThanOrEqual(60)
  expect(answer.body).toEqual({
    errors: [
      {
        message: `Too many operations; try again in ${retryAfter} s.`,
        extensions: { code: 'RATE_LIMITED', retryAfterSeconds: Number(retryAfter) },
      },
    ],
  })
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('per verified user, when authentication is configured', () => {
  it('counts a user once whatever token they bring, apart from other users, and never an unverified caller', async () => {
    const key = await signingKey('rsa-1', 'RS256')
    await start({
      gateway: {
        serverCredential: credentialFromToken(apiKey),
        authentication: { keys: { publicKeyPem: await publicKeyPem(key) }, issuer, audience },
        rateLimitPerMinute: 2,
      },
    })
    const tokenOf = async (user: string, jti: string) => bearer(await sign(key, claims(user, { jti })))
    const ownRead = (user: string) => `{ clientSession(userIdentifierKey: "${user}") { clientSessionId } }`
    // Refused before the rate limit: spends nobody's count.
    expect((await send({}, ownRead('user_42'))).answer.status).toBe(401)
    expect(await admitted(await tokenOf('user_42', 'first'), 1, ownRead('user_42'))).toBe(1)
    // Another token of the same user: the same count, one left.
    expect(await admitted(await tokenOf('user_42', 'second'), 2, ownRead('user_42'))).toBe(1)
    const { answer, upstreamCalls } = await send(await tokenOf('user_42', 'third'), ownRead('user_42'))
    expectRateLimited(answer)
    expect(upstreamCalls).toBe(0)
    // Same address, same server-held key: another user still has their own two.
    expect(await admitted(await tokenOf('user_7', 'first'), 3, ownRead('user_7'))).toBe(2)
  })
})

describe('per caller, by the Seam credential a request carries', () => {
  it('refuses the operation past the limit with 429, Retry-After and RATE_LIMITED, and calls Seam no more', async () => {
    await start({ gateway: { rateLimitPerMinute: 2 } })
    for (let index = 0; index < 2; index++) {
      const { answer, upstreamCalls } = await send(bearer(apiKey))
      expect([answer.status, answer.body.errors, upstreamCalls]).toEqual([200, undefined, 1])
    }
    const { answer, upstreamCalls } = await send(bearer(apiKey))

    expectRateLimited(answer)
    expect(upstreamCalls).toBe(0)
  })

  it('counts each credential apart, the same token written differently as one', async () => {
    await start({ gateway: { rateLimitPerMinute: 2 } })
    expect(await admitted(bearer(apiKey), 3)).toBe(2)
    // The scheme's case and spaces make no new caller; nor does a workspace header beside an API key,
    // which names its workspace itself.
    expect(await admitted({ authorization: `bearer   ${apiKey}` }, 1)).toBe(0)
    expect(await admitted({ ...bearer(apiKey), 'seam-workspace': otherWorkspaceId }, 1)).toBe(0)
    // A personal access token is a caller per workspace: each workspace has its own share of Seam.
    const pat = bearer(personalAccessToken)
    expect(await admitted({ ...pat, 'seam-workspace': workspaceId }, 3)).toBe(2)
    expect(await admitted({ ...pat, 'seam-workspace': otherWorkspaceId }, 3)).toBe(2)
    // A publishable key alone is a caller too.
    expect(await admitted({ 'seam-publishable-key': publishableKey }, 3)).toBe(2)
  })

  it('counts the credential Seam is sent, not the other one a request carries beside it', async () => {
    await start({ gateway: { rateLimitPerMinute: 2 } })
    const madeUp = (index: number) => `seam_pk1_madeUp${index}`
    // An API key is what a read is sent: a new publishable key beside it each time makes no new caller.
    let through = 0
    for (let index = 0; index < 3; index++) {
      through += await admitted({ ...bearer(apiKey), 'seam-publishable-key': madeUp(index) }, 1)
    }
    expect(through).toBe(2)

    // A create is sent the publishable key when the bearer token is of a kind it does not accept (a client
    // session token): a new made-up token beside the key each time makes no new caller either.
    const getOrCreate =
      'mutation { getOrCreateClientSession(input: { userIdentifierKey: "user_7" }) { clientSession { clientSessionId } } }'
    through = 0
    for (let index = 0; index < 3; index++) {
      const headers = { ...bearer(`seam_cst1_madeUp${index}`), 'seam-publishable-key': publishableKey }
      const { answer, upstreamCalls } = await send(headers, getOrCreate)
      if (!codesOf(answer).includes('RATE_LIMITED')) {
        through++
        expect([answer.body.errors, upstreamCalls]).toEqual([undefined, 1])
      }
    }
    expect(through).toBe(2)
  })

  it('spends a point of each credential an operation sends, when its endpoints are sent different ones', async () => {
    await start({ gateway: { rateLimitPerMinute: 2 } })
    // getOrCreate is sent the publishable key, revoke the bearer token of a kind the gateway does not know.
    const both = `mutation {
      getOrCreateClientSession(input: { userIdentifierKey: "user_7" }) { clientSession { clientSessionId } }
      revokeClientSession(input: { clientSessionId: "nothing" }) { clientSessionId }
    }`
    const through = async (headers: (index: number) => Record<string, string>) => {
      let count = 0
      for (let index = 0; index < 3; index++) {
        if (!codesOf((await send(headers(index), both)).answer).includes('RATE_LIMITED')) count++
      }
      return count
    }
    // A new bearer token each time: the publishable key's count runs out.
    expect(
      await through((index) => ({ ...bearer(`unknownKind${index}`), 'seam-publishable-key': publishableKey })),
    ).toBe(2)
    // A new publishable key each time: the bearer token's count runs out.
    expect(
      await through((index) => ({ ...bearer('unknownKind'), 'seam-publishable-key': `seam_pk1_other${index}` })),
    ).toBe(2)
  })

  it('spends one point per operation: a batch of three spends three', async () => {
    await start({ gateway: { rateLimitPerMinute: 2, batchLimit: 3 } })
    const response = await fetch(harness.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(apiKey) },
      body: JSON.stringify([{ query: read }, { query: read }, { query: read }]),
    })
    const answers = (await response.json()) as { errors?: { extensions: { code: string } }[] }[]

    expect(answers.map((answer) => answer.errors?.[0]?.extensions.code)).toEqual([undefined, undefined, 'RATE_LIMITED'])
    expect(await admitted(bearer(apiKey), 1)).toBe(0)
  })
})

describe('per caller, by the client address', () => {
  it('counts every request from one address as one caller when the server holds the credential', async () => {
    await start({ gateway: { rateLimitPerMinute: 2, serverCredential: credentialFromToken(apiKey) } })
    expect(await admitted({}, 1)).toBe(1)
    // The caller's own Authorization is not what is sent upstream: it names no caller.
    expect(await admitted(bearer('seam_someone_else1'), 1)).toBe(1)
    expect(await admitted(bearer('seam_someone_else2'), 1)).toBe(0)
  })

  it('counts requests without a credential by their address', async () => {
    await start({ gateway: { rateLimitPerMinute: 2 } })
    expect(await admitted({}, 3, '{ __typename }')).toBe(2)
    // A malformed credential names no caller either: the address's share.
    expect(await admitted({ authorization: 'Bearer two words' }, 1, '{ __typename }')).toBe(0)
    // X-Forwarded-For is the client's own text unless a proxy is trusted.
    expect(await admitted({ 'x-forwarded-for': '203.0.113.7' }, 1, '{ __typename }')).toBe(0)
    expect(await admitted(bearer(apiKey), 1)).toBe(1)
  })

  it('with TRUST_PROXY_HOPS, goes by the address the trusted proxies saw', async () => {
    await start({ gateway: { rateLimitPerMinute: 2, trustProxyHops: 2 } })
    const from = (forwardedFor: string) => ({ 'x-forwarded-for': forwardedFor })
    // Two proxies appended the last two entries; whatever stands left of them the client wrote.
    expect(await admitted(from('1.1.1.1, 203.0.113.7, 10.0.0.2'), 2, '{ __typename }')).toBe(2)
    expect(await admitted(from('2.2.2.2, 203.0.113.7, 10.0.0.3'), 1, '{ __typename }')).toBe(0)
    expect(await admitted(from('203.0.113.8, 10.0.0.2'), 2, '{ __typename }')).toBe(2)
    // Too few entries, or one that is no address: the header says nothing reliable, the peer counts.
    expect(await admitted(from('10.0.0.2'), 2, '{ __typename }')).toBe(2)
    expect(await admitted(from('not-an-address, 10.0.0.2'), 1, '{ __typename }')).toBe(0)
    expect(await admitted({}, 1, '{ __typename }')).toBe(0)
  })
})

describe('clientAddress', () => {
  it.each([
    ['no proxy trusted', '203.0.113.7', 0, 'peer'],
    ['no header', null, 1, 'peer'],
    ['one hop', '1.1.1.1, 203.0.113.7', 1, '203.0.113.7'],
    ['two hops', '1.1.1.1, 203.0.113.7 ,10.0.0.2', 2, '203.0.113.7'],
    ['IPv6', '2001:db8::1', 1, '2001:db8::1'],
    ['exactly as many entries as hops', '203.0.113.7,10.0.0.2', 2, '203.0.113.7'],
    ['fewer entries than hops', '10.0.0.2', 2, 'peer'],
    ['an empty entry', '203.0.113.7, ,10.0.0.2', 2, 'peer'],
    ['an empty header', '', 1, 'peer'],
    ['a leading comma', ',10.0.0.2', 2, 'peer'],
    ['a port', '203.0.113.7:4711', 1, 'peer'],
    ['a hostname', 'example.com', 1, 'peer'],
    ['a long run of spaces', `${' '.repeat(100_000)}203.0.113.7`, 1, 'peer'],
    ['a long run of commas', ','.repeat(100_000), 10, 'peer'],
  ])('%s', (_, header, hops, expected) => {
    expect(clientAddress('peer', header, hops)).toBe(expected)
  })
})

describe('callerKeysOf', () => {
  const context = {} as GatewayContext
  const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null })
  const withCredential = { headers: headers(bearer(apiKey)), remoteAddress: '127.0.0.1' }
  const reading = { seamEndpoints: ['/client_sessions/get'] as const }

  it('names the verified user first, then the credential, then the address, each kind apart', () => {
    const keysOf = callerKeysOf({ credentialHeldByServer: false, trustProxyHops: 0 })
    const verified = { ...context, caller: { userIdentifierKey: 'user_42', scopes: [], isAdmin: false } }
    expect(keysOf(withCredential, verified, reading)).toEqual(['user:user_42'])
    expect(keysOf(withCredential, context, reading)).toEqual([expect.stringMatching(/^credential:[\w-]{43}$/)])
    expect(keysOf({ headers: headers({}), remoteAddress: '127.0.0.1' }, context, reading)).toEqual([
      'address:127.0.0.1',
    ])
  })

  it('holds a digest of the credential, never the credential', () => {
    const [key] = callerKeysOf({ credentialHeldByServer: false, trustProxyHops: 0 })(withCredential, context, reading)
    expect(key).not.toContain(apiKey)
    expect(key).not.toContain('SECRET')
  })
})

describe('a burst beyond the per-minute limit', () => {
  it('lets RATE_LIMIT_BURST more through, then refuses', async () => {
    await start({ gateway: { rateLimitPerMinute: 1, rateLimitBurst: 2 } })
    expect(await admitted(bearer(apiKey), 3)).toBe(3)
    const { answer, upstreamCalls } = await send(bearer(apiKey))
    expectRateLimited(answer)
    expect(upstreamCalls).toBe(0)
  })
})

describe('Retry-After', () => {
  it('is in whole seconds, rounded up, and at least 1', () => {
    expect([59_001, 60_000, 1, 0, 1_000, 1_001].map(retryAfterSecondsFor)).toEqual([60, 60, 1, 1, 1, 2])
  })
})

describe('what is never limited', () => {
  it('serves /health, /ready and /metrics to a caller over its limit', async () => {
    await start({ gateway: { rateLimitPerMinute: 1, metrics: {} } })
    expect(await admitted({}, 2, '{ __typename }')).toBe(1)
    const origin = new URL(harness.gatewayUrl).origin
    for (const path of ['/health', '/ready', '/metrics', '/health', '/ready', '/metrics']) {
      const response = await fetch(`${origin}${path}`)
      await response.text()
      expect([path, response.status]).toEqual([path, 200])
    }
  })

  it('limits nothing without RATE_LIMIT_PER_MINUTE', async () => {
    await start()
    expect(await admitted(bearer(apiKey), 70, '{ __typename }')).toBe(70)
  })
})
