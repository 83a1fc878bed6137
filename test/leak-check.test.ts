/**
 * The leak check: over every upstream fault and every error path, with NODE_ENV=production and with it
 * unset, no response body, log line (the request log included), metric or span holds a credential, a
 * client session token, an upstream stack, HTML, URL or internals. The gateway runs with the settings
 * `npm start` reads for that NODE_ENV, metrics and tracing on.
 */
import { createHash } from 'node:crypto'
import { createServer } from 'node:net'

import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadConfig } from '../src/config.js'
import { credentialFromToken } from '../src/seam/credentials.js'
import {
  attemptsFor,
  createDocument,
  entitiesDocument,
  faultCases,
  faultSuiteGateway,
  listDocument,
  mutationDocument,
  operations,
  readDocument,
} from './support/faults.js'
import {
  apiKey,
  clientSession,
  consoleSessionToken,
  type Harness,
  personalAccessToken,
  startHarness,
  withApiKey,
  workspaceId,
} from './support/harness.js'
import { audience, claims, IdentityProvider, issuer, sign } from './support/identity-provider.js'
import { RedisServer } from './support/redis-server.js'
import { waitFor } from './support/wait-for.js'

const credentials = [apiKey, personalAccessToken, consoleSessionToken, clientSession().token]

function expectNothingLeaked(texts: string[], seamEndpoint: string) {
  for (const text of texts) {
    for (const credential of credentials) expect(text).not.toContain(credential)
    expect(text).not.toContain('SECRET_')
    expect(text).not.toMatch(/<html/i)
    expect(text).not.toContain(new URL(seamEndpoint).host)
    expect(text).not.toContain('/srv/')
    expect(text).not.toMatch(/\bat \S+ \(\S+:\d+:\d+\)/)
  }
}

/** Every span the gateway made, as text: names, attributes, events and statuses. */
const spans = new InMemorySpanExporter()
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] })
const spansText = () =>
  spans
    .getFinishedSpans()
    .map(({ name, attributes, events, status }) => JSON.stringify({ name, attributes, events, status }))

/** The settings `npm start` would use under this NODE_ENV (metrics and a rate limit on), pointed at the fake and traced. */
function settingsFor(nodeEnv: string | undefined) {
  const {
    seamEndpoint: _endpoint,
    serverCredential: _credential,
    ...settings
  } = loadConfig({
    METRICS_ENABLED: 'true',
    // On, so that every request below passes the rate limit's path; far above what they spend.
    RATE_LIMIT_PER_MINUTE: '100000',
    ...(nodeEnv !== undefined && { NODE_ENV: nodeEnv }),
  })
  return { ...settings, ...faultSuiteGateway, tracing: { tracerProvider } }
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

describe.each([{ nodeEnv: 'production' }, { nodeEnv: undefined }])('with NODE_ENV=$nodeEnv', ({ nodeEnv }) => {
  let harness: Harness
  const saved = process.env['NODE_ENV']
  const setNodeEnv = (value: string | undefined) => {
    if (value === undefined) delete process.env['NODE_ENV']
    else process.env['NODE_ENV'] = value
  }
  beforeAll(async () => {
    setNodeEnv(nodeEnv)
    harness = await startHarness({ gateway: settingsFor(nodeEnv) })
  })
  afterAll(async () => {
    spans.reset()
    await harness.close()
    setNodeEnv(saved)
  })

  it(`serves the schema as NODE_ENV=${nodeEnv} says: introspection, suggestions and GraphiQL`, async () => {
    const production = nodeEnv === 'production'
    const introspection = await harness.graphql('{ __schema { queryType { name } } }')
    const misspelled = await harness.graphql('{ clientSesion(userIdentifierKey: "user_42") { token } }')
    const page = await fetch(harness.gatewayUrl, { headers: { accept: 'text/html' } })

    expect(introspection.body.data?.['__schema']?.queryType.name).toBe(production ? undefined : 'Query')
    expect(misspelled.text.includes('Did you mean')).toBe(!production)
    expect((page.headers.get('content-type') ?? '').includes('text/html')).toBe(!production)
    await page.body?.cancel()
  })

  /** Sends a request and returns everything it produced: the answer and the log lines it caused. */
  async function exchange(document: string, headers: Record<string, string>) {
    const logged = harness.logs.length
    const requestsBefore = harness.fakeSeam.requests.length
    const answer = await harness.graphql(document, { headers })
    return {
      answer,
      texts: [answer.text, ...harness.logs.slice(logged)],
      upstreamRequests: harness.fakeSeam.requests.length - requestsBefore,
    }
  }

  describe.each(operations)('a $kind ($name)', ({ kind, document }) => {
    it.each(faultCases)('meeting $name', async (faultCase) => {
      const attempts = attemptsFor(faultCase, kind)
      harness.fakeSeam.failNext(...Array.from({ length: attempts }, () => faultCase.fault))
      const { answer, texts, upstreamRequests } = await exchange(document, withApiKey)

      expect(answer.body.errors?.[0]?.extensions['code']).toBe(faultCase.code)
      expect(upstreamRequests).toBe(attempts)
      // The request log line is among them.
      expect(texts.some((text) => text.includes('"msg":"request"'))).toBe(true)
      expectNothingLeaked(texts, harness.seamEndpoint)
    })
  })

  it.each([
    ['no credential', readDocument, {}, 'UNAUTHENTICATED'],
    [
      'a client session token on the mutation',
      mutationDocument,
      { authorization: `Bearer ${clientSession().token}` },
      'UNAUTHENTICATED',
    ],
    [
      'a personal access token without seam-workspace',
      mutationDocument,
      { authorization: `Bearer ${personalAccessToken}` },
      'UNAUTHENTICATED',
    ],
    ['a document that does not parse', '{ clientSession(', withApiKey, 'GRAPHQL_PARSE_FAILED'],
    ['a document that does not validate', '{ clientSession { password } }', withApiKey, 'GRAPHQL_VALIDATION_FAILED'],
  ])('refusing %s, before any upstream call', async (_, document, headers, code) => {
    const { answer, texts, upstreamRequests } = await exchange(document, headers)

    expect(answer.body.errors?.[0]?.extensions['code']).toBe(code)
    expect(upstreamRequests).toBe(0)
    expectNothingLeaked(texts, harness.seamEndpoint)
  })

  it.each([
    ['an API key', withApiKey],
    ['a console session token', { authorization: `Bearer ${consoleSessionToken}`, 'seam-workspace': workspaceId }],
  ])(
    'answering a read that asks for the token, with %s: the token is in the answer, never in a log',
    async (_, headers) => {
      const { answer, texts } = await exchange(
        '{ clientSession(userIdentifierKey: "user_42") { clientSessionId token } }',
        headers,
      )

      expect(answer.body.data?.['clientSession'].token).toBe(clientSession().token)
      expectNothingLeaked(texts.slice(1), harness.seamEndpoint)
    },
  )

  it.each([
    ['the list', listDocument],
    ['createClientSession, whose answer holds the new token', createDocument],
    ['_entities', entitiesDocument],
  ])('answering %s: every token is in the answer, none in a log line', async (_, document) => {
    const { answer, texts } = await exchange(document, withApiKey)

    expect(answer.body.errors).toBeUndefined()
    const tokens = [...answer.text.matchAll(/"token":"([^"]+)"/g)].map((match) => match[1]!)
    expect(tokens.length).toBeGreaterThan(0)
    for (const token of tokens) {
      for (const text of texts.slice(1)) expect(text).not.toContain(token)
      for (const span of spansText()) expect(span).not.toContain(token)
    }
    expectNothingLeaked(texts.slice(1), harness.seamEndpoint)
  })

  /** `exchange` for a request of these GraphQL parameters, sent to `target` (by default, this file's gateway). */
  async function exchangeParameters(parameters: object, target: Harness = harness) {
    const logged = target.logs.length
    const requestsBefore = target.fakeSeam.requests.length
    const response = await fetch(target.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...withApiKey },
      body: JSON.stringify(parameters),
    })
    const text = await response.text()
    return {
      code: (JSON.parse(text) as { errors?: { extensions: { code: string } }[] }).errors?.[0]?.extensions.code,
      texts: [text, ...target.logs.slice(logged)],
      upstreamRequests: target.fakeSeam.requests.length - requestsBefore,
    }
  }
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
  const persistedQuery = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } })
  const tokenRead = '{ clientSession(userIdentifierKey: "user_42") { token } }'

  it.each([
    ['an unregistered APQ hash', { extensions: persistedQuery(sha256(tokenRead)) }, 'PERSISTED_QUERY_NOT_FOUND'],
    [
      'an APQ hash that is not the text’s',
      { query: tokenRead, extensions: persistedQuery(sha256(apiKey)) },
      'PERSISTED_QUERY_HASH_MISMATCH',
    ],
    ['a documentId without a manifest', { documentId: apiKey }, 'PERSISTED_QUERY_NOT_SUPPORTED'],
    ['a persistedQuery without its hash', { extensions: { persistedQuery: { version: apiKey } } }, 'BAD_REQUEST'],
  ])('refusing %s, before any upstream call', async (_, parameters, code) => {
    const { code: answered, texts, upstreamRequests } = await exchangeParameters(parameters)

    expect([answered, upstreamRequests]).toEqual([code, 0])
    expectNothingLeaked(texts, harness.seamEndpoint)
  })

  it('answering an APQ registration and its hash alone: the token is in the answers, never in a log', async () => {
    const registered = await exchangeParameters({ query: tokenRead, extensions: persistedQuery(sha256(tokenRead)) })
    const byHash = await exchangeParameters({ extensions: persistedQuery(sha256(tokenRead)) })

    for (const { code, texts } of [registered, byHash]) {
      expect(code).toBeUndefined()
      expect(texts[0]).toContain(clientSession().token)
      expectNothingLeaked(texts.slice(1), harness.seamEndpoint)
    }
  })

  it('refusing what trusted documents do not list, with Redis unreachable behind a password', async () => {
    const port = await closedPort()
    const trusted = await startHarness({
      gateway: {
        ...settingsFor(nodeEnv),
        trustedDocuments: new Map([['read', tokenRead]]),
        redisUrl: `redis://:SECRET_redis@127.0.0.1:${port}`,
      },
    })
    try {
      const refusals = [
        await exchangeParameters({ documentId: apiKey }, trusted),
        await exchangeParameters({ query: tokenRead }, trusted),
        await exchangeParameters({ query: tokenRead, extensions: persistedQuery(sha256(tokenRead)) }, trusted),
      ]
      expect(refusals.map(({ code, upstreamRequests }) => [code, upstreamRequests])).toEqual([
        ['PERSISTED_QUERY_NOT_IN_LIST', 0],
        ['PERSISTED_QUERY_ID_REQUIRED', 0],
        ['PERSISTED_QUERY_NOT_IN_LIST', 0],
      ])
      const run = await exchangeParameters({ documentId: 'read' }, trusted)
      expect(run.texts[0]).toContain(clientSession().token)
      // The answers do not even say where Redis is.
      expectNothingLeaked(
        refusals.map(({ texts }) => texts[0]!),
        `http://127.0.0.1:${port}`,
      )
      // The operator's log says where Redis is when it cannot be reached, never its password.
      await waitFor(() => trusted.logs.some((line) => line.includes('Redis (REDIS_URL) is unreachable')), 'the log')
      expectNothingLeaked(trusted.logs, trusted.seamEndpoint)
    } finally {
      await trusted.close()
    }
  })

  it('meeting a refused connection', async () => {
    const port = await closedPort()
    const unreachable = await startHarness({
      gateway: { ...settingsFor(nodeEnv), seamEndpoint: `http://127.0.0.1:${port}` },
    })
    try {
      const answer = await unreachable.graphql(readDocument, { headers: withApiKey })
      expect(answer.body.errors?.[0]?.extensions['code']).toBe('UPSTREAM_UNAVAILABLE')
      expectNothingLeaked([answer.text, ...unreachable.logs], `http://127.0.0.1:${port}`)
      expect([answer.text, ...unreachable.logs].join('\n')).not.toContain('ECONNREFUSED')
    } finally {
      await unreachable.close()
    }
  })

  it('refusing callers over a rate limit shared through Redis, and while Redis is down', async () => {
    const redisServer = await RedisServer.start()
    const redisUrl = new URL(redisServer.url)
    // This Redis asks for no password and takes any; the URL's must never show.
    redisUrl.password = 'SECRET_redis_password'
    const limited = await startHarness({
      gateway: { ...settingsFor(nodeEnv), rateLimitPerMinute: 1, redisUrl: redisUrl.href },
    })
    const redis = new Redis(redisServer.url)
    try {
      const callers = [
        withApiKey,
        { authorization: `Bearer ${personalAccessToken}`, 'seam-workspace': workspaceId },
        { authorization: `Bearer ${consoleSessionToken}`, 'seam-workspace': workspaceId },
        { authorization: `Bearer ${clientSession().token}` },
        {},
      ]
      const exchangeAll = async () => {
        const texts: string[] = []
        for (const headers of callers) {
          for (let index = 0; index < 2; index++) {
            const logged = limited.logs.length
            const answer = await limited.graphql(readDocument, { headers })
            texts.push(answer.text, ...limited.logs.slice(logged))
            if (index === 1) expect(answer.body.errors?.[0]?.extensions['code']).toBe('RATE_LIMITED')
          }
        }
        return texts
      }
      let redisStatus: unknown
      const readRedisStatus = async () => {
        const ready = (await (await fetch(new URL('/ready', limited.gatewayUrl))).json()) as { redis?: string }
        redisStatus = ready.redis
      }
      while (redisStatus !== 'ok') await readRedisStatus()
      const shared = await exchangeAll()
      // What Redis holds: one key per caller, none of them a credential.
      const keys = await redis.keys('*')
      expect(keys).toHaveLength(callers.length)
      expectNothingLeaked(keys, limited.seamEndpoint)

      await redisServer.stop()
      await waitFor(() => limited.logs.some((line) => line.includes('Redis (REDIS_URL) is unreachable')), 'the outage')
      const alone = await exchangeAll()
      const ready = await fetch(new URL('/ready', limited.gatewayUrl))
      const metrics = await fetch(new URL('/metrics', limited.gatewayUrl))
      const texts = [...shared, ...alone, ...limited.logs, await ready.text(), await metrics.text()]
      expect(texts.join('\n')).toContain('"redis":"unreachable"')
      expect(texts.join('\n')).toContain('Redis (REDIS_URL) does not answer')
      expectNothingLeaked(texts, limited.seamEndpoint)
    } finally {
      redis.disconnect()
      await limited.close()
      await redisServer.stop()
    }
  })

  // Last: what the metrics and the spans of every request above hold.
  it('leaves nothing in the metrics or the spans', async () => {
    const metrics = await fetch(new URL('/metrics', harness.gatewayUrl))
    expect(metrics.status).toBe(200)
    const exported = [await metrics.text(), ...spansText()]
    expect(exported.join('\n')).toContain('/client_sessions/get')
    expectNothingLeaked(exported, harness.seamEndpoint)
  })

  // The app's tokens, with a server-held credential: no JWT, nor its signature, in an answer's errors,
  // a log line, a metric or a span, whether it was served, forbidden or refused.
  describe('with callers verified by their JWT', () => {
    let provider: IdentityProvider
    let verified: Harness
    const tokens: string[] = []
    beforeAll(async () => {
      provider = await IdentityProvider.start()
      verified = await startHarness({
        gateway: {
          ...settingsFor(nodeEnv),
          serverCredential: credentialFromToken(apiKey),
          authentication: { keys: { jwksUrl: provider.jwksUrl }, issuer, audience },
        },
      })
    })
    afterAll(async () => {
      await verified.close()
      await provider.down()
    })

    /** Not the token, its payload, nor any 16 characters of its signature. */
    const expectNoToken = (texts: string[]) => {
      for (const token of tokens) {
        const [, payload = '', signature = ''] = token.split('.')
        const pieces = [payload]
        for (let start = 0; start + 16 <= signature.length; start += 4) pieces.push(signature.slice(start, start + 16))
        for (const text of texts) expect(pieces.filter((piece) => text.includes(piece))).toEqual([])
      }
    }

    it.each([
      ['served', () => sign(provider.keys.rsa, claims('user_42')), readDocument, undefined],
      ['forbidden', () => sign(provider.keys.ec, claims('user_42')), listDocument, 'FORBIDDEN'],
      ['expired', () => sign(provider.keys.rsa, claims('user_42', { exp: 1 })), readDocument, 'UNAUTHENTICATED'],
      [
        'of another audience',
        () => sign(provider.keys.ec, claims('user_42', { aud: 'x' })),
        readDocument,
        'UNAUTHENTICATED',
      ],
    ])('a token %s', async (_, token, document, code) => {
      const jwt = await token()
      tokens.push(jwt)
      const logged = verified.logs.length
      const answer = await verified.graphql(document, { headers: { authorization: `Bearer ${jwt}` } })
      expect(answer.body.errors?.[0]?.extensions['code']).toBe(code)
      const texts = [answer.text.replace(/"token":"[^"]+"/g, ''), ...verified.logs.slice(logged)]
      expectNoToken(texts)
      expectNothingLeaked(texts, verified.seamEndpoint)
    })

    it('a token met while the JWKS is failing (logged for the operator), its URL holding secrets', async () => {
      await provider.down()
      const jwt = await sign(provider.keys.rsa, claims('user_42', { jti: 'while-down' }))
      tokens.push(jwt)
      // Some identity providers and proxies take a secret in the URL: the log names the endpoint without it.
      const jwksUrl = new URL(provider.jwksUrl)
      jwksUrl.username = 'SECRET_user'
      jwksUrl.password = 'SECRET_password'
      jwksUrl.search = '?key=SECRET_key'
      const stale = await startHarness({
        gateway: {
          ...settingsFor(nodeEnv),
          serverCredential: credentialFromToken(apiKey),
          authentication: { keys: { jwksUrl: jwksUrl.href }, issuer, audience },
        },
      })
      try {
        const answer = await stale.graphql(readDocument, { headers: { authorization: `Bearer ${jwt}` } })
        expect(answer.body.errors?.[0]?.extensions['code']).toBe('UNAUTHENTICATED')
        expect(stale.logs.join('\n')).toContain(`The JWKS at ${provider.jwksUrl} could not be fetched`)
        expectNoToken([answer.text, ...stale.logs])
        expectNothingLeaked([answer.text, ...stale.logs], stale.seamEndpoint)
      } finally {
        await stale.close()
      }
    })

    it('leaves no token in the metrics or the spans', async () => {
      const metrics = await fetch(new URL('/metrics', verified.gatewayUrl))
      const exported = [await metrics.text(), ...spansText()]
      expect(exported.join('\n')).toContain('FORBIDDEN')
      expectNoToken(exported)
    })
  })
})
