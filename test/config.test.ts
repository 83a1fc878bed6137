import { spawnSync } from 'node:child_process'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { describe, expect, expectTypeOf, it } from 'vitest'

import { type Config, ConfigError, loadConfig } from '../src/config.js'
import type { GatewayOptions } from '../src/gateway.js'

/** A manifest file holding `content` (as JSON unless a string). */
function manifest(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'manifest-')), 'manifest.json')
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}
const apollo = { format: 'apollo-persisted-query-manifest', version: 1, operations: [] }

describe('loadConfig', () => {
  it('names every setting as createGateway or listen takes it (main.ts hands Config on whole)', () => {
    // GatewayOptions' fields are optional: a Config field under another name would compile, and be ignored.
    type ListenSettings = 'port' | 'host' | 'shutdownDrainMs' | 'keepAliveTimeoutMs'
    expectTypeOf<Exclude<keyof Config, keyof GatewayOptions | ListenSettings>>().toEqualTypeOf<never>()
    expectTypeOf<Omit<Config, ListenSettings>>().toExtend<GatewayOptions>()
  })

  it('has defaults that need no environment', () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      host: '127.0.0.1',
      seamEndpoint: 'https://connect.getseam.com',
      upstreamTimeoutMs: 10_000,
      maxConcurrentUpstreamCalls: 8,
      upstreamMaxConnections: 128,
      upstreamMaxResponseBytes: 4 * 1024 * 1024,
      upstreamRetries: 2,
      upstreamRetryDelayMs: 100,
      upstreamRetryMaxDelayMs: 2_000,
      readyCheckIntervalMs: 5_000,
      shutdownDrainMs: 10_000,
      keepAliveTimeoutMs: 65_000,
      requestLog: true,
      corsOrigins: [],
      serverCredential: undefined,
      introspection: true,
      graphiql: true,
      operationLimits: { aliases: 15, depth: 8, tokens: 1000, cost: 5000, directives: 50 },
      upstreamCallBudget: 25,
      batchLimit: 0,
      maxRequestBodyBytes: 102_400,
      documentCacheSize: 1000,
      fastLane: true,
      rateLimitPerMinute: 0,
      rateLimitBurst: 0,
      trustProxyHops: 0,
      trustedDocuments: undefined,
      trustedDocumentsOnly: true,
      apq: true,
      apqCacheSize: 1000,
      redisUrl: undefined,
    })
  })

  it('turns introspection and GraphiQL off with NODE_ENV=production, unless asked for', () => {
    expect(loadConfig({ NODE_ENV: 'production' })).toMatchObject({ introspection: false, graphiql: false })
    expect(loadConfig({ NODE_ENV: 'production', INTROSPECTION: 'true', GRAPHIQL: 'true' })).toMatchObject({
      introspection: true,
      graphiql: true,
    })
    expect(loadConfig({ INTROSPECTION: 'false', GRAPHIQL: 'false' })).toMatchObject({
      introspection: false,
      graphiql: false,
    })
  })

  it('reads the limits', () => {
    expect(
      loadConfig({
        MAX_ALIASES: '3',
        MAX_DEPTH: '4',
        MAX_TOKENS: '500',
        MAX_COST: '100',
        MAX_DIRECTIVES: '5',
        SEAM_CALL_BUDGET: '10',
        BATCH_LIMIT: '5',
        MAX_REQUEST_BODY_BYTES: '2048',
        DOCUMENT_CACHE_SIZE: '50',
      }),
    ).toMatchObject({
      operationLimits: { aliases: 3, depth: 4, tokens: 500, cost: 100, directives: 5 },
      upstreamCallBudget: 10,
      batchLimit: 5,
      maxRequestBodyBytes: 2048,
      documentCacheSize: 50,
    })
  })

  it('reads SEAM_MAX_CONCURRENT_CALLS', () => {
    expect(loadConfig({ SEAM_MAX_CONCURRENT_CALLS: '3' }).maxConcurrentUpstreamCalls).toBe(3)
  })

  it('reads SEAM_MAX_CONNECTIONS', () => {
    expect(loadConfig({ SEAM_MAX_CONNECTIONS: '16' }).upstreamMaxConnections).toBe(16)
  })

  it('reads CORS_ORIGINS as a list of origins', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:3000' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:3000',
    ])
  })

  it('reads the upstream, readiness, shutdown, keep-alive, logging and lane settings', () => {
    expect(
      loadConfig({
        SEAM_MAX_RESPONSE_BYTES: '65536',
        SEAM_RETRIES: '0',
        SEAM_RETRY_DELAY_MS: '5',
        SEAM_RETRY_MAX_DELAY_MS: '50',
        READY_CHECK_INTERVAL_MS: '1000',
        SHUTDOWN_DRAIN_MS: '0',
        KEEP_ALIVE_TIMEOUT_MS: '620000',
        LOG_REQUESTS: 'false',
        FAST_LANE: 'false',
      }),
    ).toMatchObject({
      upstreamMaxResponseBytes: 65_536,
      upstreamRetries: 0,
      upstreamRetryDelayMs: 5,
      upstreamRetryMaxDelayMs: 50,
      readyCheckIntervalMs: 1_000,
      shutdownDrainMs: 0,
      keepAliveTimeoutMs: 620_000,
      requestLog: false,
      fastLane: false,
    })
  })

  it('reads the rate limits and Redis', () => {
    expect(
      loadConfig({
        RATE_LIMIT_PER_MINUTE: '600',
        RATE_LIMIT_BURST: '100',
        TRUST_PROXY_HOPS: '2',
        REDIS_URL: 'rediss://:password@redis.internal.example:6380/2',
      }),
    ).toMatchObject({
      rateLimitPerMinute: 600,
      rateLimitBurst: 100,
      trustProxyHops: 2,
      redisUrl: 'rediss://:password@redis.internal.example:6380/2',
    })
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).toBe('redis://127.0.0.1:6379')
  })

  it('reads the persisted-document settings and REDIS_URL', () => {
    expect(
      loadConfig({
        TRUSTED_DOCUMENTS: manifest({ abc: '{ __typename }' }),
        TRUSTED_DOCUMENTS_ONLY: 'false',
        APQ: 'false',
        APQ_CACHE_SIZE: '20',
        REDIS_URL: 'redis://:password@127.0.0.1:6380/2',
      }),
    ).toMatchObject({
      trustedDocuments: new Map([['abc', '{ __typename }']]),
      trustedDocumentsOnly: false,
      apq: false,
      apqCacheSize: 20,
      redisUrl: 'redis://:password@127.0.0.1:6380/2',
    })
    expect(loadConfig({ TRUSTED_DOCUMENTS: manifest({}) }).trustedDocumentsOnly).toBe(true)
  })

  it('does not repeat a SEAM_ENDPOINT that is no URL: a mistyped value may still hold a key', () => {
    expect(() => loadConfig({ SEAM_ENDPOINT: 'seam_SECRET_key@connect.getseam.com' })).toThrow(
      'SEAM_ENDPOINT must be a URL such as https://connect.getseam.com (its value is not shown).',
    )
  })

  it('takes SEAM_ENDPOINT over https anywhere, over http only on loopback', () => {
    for (const [given, origin] of [
      ['https://seam.internal.example:8443/', 'https://seam.internal.example:8443'],
      ['https://10.0.0.5', 'https://10.0.0.5'],
      ['http://127.0.0.1:4010', 'http://127.0.0.1:4010'],
      ['http://127.1.2.3', 'http://127.1.2.3'],
      ['http://localhost:4010', 'http://localhost:4010'],
      ['http://[::1]:4010', 'http://[::1]:4010'],
    ]) {
      expect(loadConfig({ SEAM_ENDPOINT: given }).seamEndpoint).toBe(origin)
    }
  })

  it('reads the server-held credentials', () => {
    expect(loadConfig({ SEAM_API_KEY: 'seam_key1_abc' }).serverCredential).toEqual({
      kind: 'api_key',
      authorization: 'Bearer seam_key1_abc',
    })
    expect(
      loadConfig({ SEAM_PERSONAL_ACCESS_TOKEN: 'seam_at1_abc', SEAM_WORKSPACE_ID: 'ws-1' }).serverCredential,
    ).toEqual({ kind: 'personal_access_token', authorization: 'Bearer seam_at1_abc', workspaceId: 'ws-1' })
  })

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ SEAM_TIMEOUT_MS: '0' }, 'SEAM_TIMEOUT_MS'],
    [{ SEAM_MAX_CONCURRENT_CALLS: '0' }, 'SEAM_MAX_CONCURRENT_CALLS'],
    [{ SEAM_MAX_CONCURRENT_CALLS: 'many' }, 'SEAM_MAX_CONCURRENT_CALLS'],
    [{ SEAM_MAX_CONNECTIONS: '0' }, 'SEAM_MAX_CONNECTIONS'],
    [{ SEAM_MAX_CONNECTIONS: '5000' }, 'SEAM_MAX_CONNECTIONS'],
    [{ SEAM_MAX_CONNECTIONS: 'unlimited' }, 'SEAM_MAX_CONNECTIONS'],
    [{ SEAM_ENDPOINT: 'connect.getseam.com' }, 'SEAM_ENDPOINT'],
    [{ SEAM_ENDPOINT: 'ftp://connect.getseam.com' }, 'SEAM_ENDPOINT'],
    [{ SEAM_ENDPOINT: 'https://connect.getseam.com/v1' }, 'SEAM_ENDPOINT'],
    // A credential goes with every call: in clear text only to this machine.
    [{ SEAM_ENDPOINT: 'http://connect.getseam.com' }, 'SEAM_ENDPOINT'],
    [{ SEAM_ENDPOINT: 'http://10.0.0.5:8080' }, 'SEAM_ENDPOINT'],
    [{ SEAM_ENDPOINT: 'http://localhost.example.com' }, 'SEAM_ENDPOINT'],
    [{ SEAM_ENDPOINT: 'http://127.0.0.1.nip.io' }, 'SEAM_ENDPOINT'],
    [{ SEAM_ENDPOINT: 'http://[::2]' }, 'SEAM_ENDPOINT'],
    [{ SEAM_API_KEY: 'not-a-key' }, 'SEAM_API_KEY'],
    [{ SEAM_API_KEY: 'seam_at1_pat' }, 'SEAM_API_KEY'],
    [{ SEAM_API_KEY: 'seam_key', SEAM_PERSONAL_ACCESS_TOKEN: 'seam_at1' }, 'SEAM_PERSONAL_ACCESS_TOKEN'],
    [{ SEAM_PERSONAL_ACCESS_TOKEN: 'seam_at1_abc' }, 'SEAM_WORKSPACE_ID'],
    [{ SEAM_WORKSPACE_ID: 'ws-1' }, 'SEAM_WORKSPACE_ID'],
    [{ CORS_ORIGINS: 'https://app.example.com/path' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'app.example.com' }, 'CORS_ORIGINS'],
    [{ INTROSPECTION: 'yes' }, 'INTROSPECTION'],
    [{ GRAPHIQL: '1' }, 'GRAPHIQL'],
    [{ MAX_ALIASES: '-1' }, 'MAX_ALIASES'],
    [{ MAX_DEPTH: '0' }, 'MAX_DEPTH'],
    [{ MAX_TOKENS: 'many' }, 'MAX_TOKENS'],
    [{ MAX_COST: '1.5' }, 'MAX_COST'],
    [{ MAX_DIRECTIVES: '1001' }, 'MAX_DIRECTIVES'],
    [{ SEAM_CALL_BUDGET: '0' }, 'SEAM_CALL_BUDGET'],
    [{ BATCH_LIMIT: '101' }, 'BATCH_LIMIT'],
    [{ MAX_REQUEST_BODY_BYTES: '100' }, 'MAX_REQUEST_BODY_BYTES'],
    [{ DOCUMENT_CACHE_SIZE: '0' }, 'DOCUMENT_CACHE_SIZE'],
    [{ DOCUMENT_CACHE_SIZE: 'lots' }, 'DOCUMENT_CACHE_SIZE'],
    [{ SEAM_MAX_RESPONSE_BYTES: '4MB' }, 'SEAM_MAX_RESPONSE_BYTES'],
    [{ SEAM_RETRIES: '3' }, 'SEAM_RETRIES'],
    [{ SHUTDOWN_DRAIN_MS: '-1' }, 'SHUTDOWN_DRAIN_MS'],
    [{ KEEP_ALIVE_TIMEOUT_MS: '999' }, 'KEEP_ALIVE_TIMEOUT_MS'],
    [{ KEEP_ALIVE_TIMEOUT_MS: '65s' }, 'KEEP_ALIVE_TIMEOUT_MS'],
    [{ KEEP_ALIVE_TIMEOUT_MS: '3600001' }, 'KEEP_ALIVE_TIMEOUT_MS'],
    [{ LOG_REQUESTS: 'yes please' }, 'LOG_REQUESTS'],
    [{ FAST_LANE: 'off' }, 'FAST_LANE'],
    [{ RATE_LIMIT_PER_MINUTE: '-1' }, 'RATE_LIMIT_PER_MINUTE'],
    [{ RATE_LIMIT_PER_MINUTE: '10/s' }, 'RATE_LIMIT_PER_MINUTE'],
    [{ RATE_LIMIT_PER_MINUTE: '1000001' }, 'RATE_LIMIT_PER_MINUTE'],
    [{ RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: 'some' }, 'RATE_LIMIT_BURST'],
    // A burst beyond no limit at all means nothing: said rather than ignored.
    [{ RATE_LIMIT_BURST: '10' }, 'RATE_LIMIT_BURST'],
    [{ TRUST_PROXY_HOPS: '11' }, 'TRUST_PROXY_HOPS'],
    [{ TRUST_PROXY_HOPS: 'all' }, 'TRUST_PROXY_HOPS'],
    [{ REDIS_URL: '127.0.0.1:6379' }, 'REDIS_URL'],
    [{ TRUSTED_DOCUMENTS: '/nonexistent/manifest.json' }, 'TRUSTED_DOCUMENTS'],
    [{ TRUSTED_DOCUMENTS: manifest('not json') }, 'TRUSTED_DOCUMENTS'],
    [{ TRUSTED_DOCUMENTS: manifest([]) }, 'TRUSTED_DOCUMENTS'],
    [{ TRUSTED_DOCUMENTS: manifest({ abc: 5 }) }, 'TRUSTED_DOCUMENTS'],
    [{ TRUSTED_DOCUMENTS: manifest({ format: 'relay', version: 1, operations: [] }) }, 'TRUSTED_DOCUMENTS'],
    [{ TRUSTED_DOCUMENTS: manifest({ ...apollo, version: 2 }) }, 'TRUSTED_DOCUMENTS'],
    [{ TRUSTED_DOCUMENTS: manifest({ ...apollo, operations: [{ id: 'a' }] }) }, 'TRUSTED_DOCUMENTS'],
    [{ TRUSTED_DOCUMENTS: manifest({ ...apollo, operations: [{ body: '{ __typename }' }] }) }, 'TRUSTED_DOCUMENTS'],
    [
      {
        TRUSTED_DOCUMENTS: manifest({
          ...apollo,
          operations: [
            { id: 'a', body: '{ __typename }' },
            { id: 'a', body: 'query B { __typename }' },
          ],
        }),
      },
      'TRUSTED_DOCUMENTS',
    ],
    [{ TRUSTED_DOCUMENTS_ONLY: 'true' }, 'TRUSTED_DOCUMENTS_ONLY'],
    [{ TRUSTED_DOCUMENTS: manifest({}), TRUSTED_DOCUMENTS_ONLY: 'yes' }, 'TRUSTED_DOCUMENTS_ONLY'],
    [{ APQ: 'on' }, 'APQ'],
    [{ APQ_CACHE_SIZE: '0' }, 'APQ_CACHE_SIZE'],
    [{ APQ_CACHE_SIZE: '100001' }, 'APQ_CACHE_SIZE'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
  ])('refuses %j with a message naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(variable)
  })

  it('never repeats a credential in its messages', () => {
    expect(() => loadConfig({ SEAM_API_KEY: 'SECRET-looking-value' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('SECRET') }),
    )
    // A URL that does not parse may still hold Redis's password.
    expect(() => loadConfig({ REDIS_URL: 'redis//:SECRET-password@redis.internal' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('SECRET') }),
    )
    expect(() => loadConfig({ REDIS_URL: 'http://:SECRET@127.0.0.1' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('SECRET') }),
    )
  })
})

describe('reading the configuration', () => {
  /** What loadConfig must not load: the schema and the server it configures are built later, or never. */
  const heavyModules = ['/src/gateway.', '/src/schema/', '/graphql-yoga/', '/@pothos/', '/undici/']

  // A resolve hook in a fresh process that refuses the heavy modules: an import of one fails, naming it.
  const refuseHeavyModules = `
    import { register } from 'node:module'
    register('data:text/javascript,' + encodeURIComponent(\`
      const heavy = ${JSON.stringify(heavyModules)}
      export async function resolve(specifier, context, next) {
        const resolved = await next(specifier, context)
        if (heavy.some((part) => resolved.url.includes(part))) throw new Error('loadConfig loaded ' + resolved.url)
        return resolved
      }\`))`

  it('loads neither the gateway, the schema, graphql-yoga nor the Seam client', () => {
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        `data:text/javascript,${encodeURIComponent(refuseHeavyModules)}`,
        '--input-type=module',
        '--eval',
        "const { loadConfig } = await import('./src/config.ts'); console.log(loadConfig({}).port)",
      ],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' },
    )

    expect(child.stderr).toBe('')
    expect(child.stdout.trim()).toBe('4000')
  })
})

describe('AUTH_* settings', () => {
  const held = { SEAM_API_KEY: 'seam_key1_abc' }
  const jwks = { ...held, AUTH_JWKS_URL: 'https://id.example.com/.well-known/jwks.json' }
  const complete = { ...jwks, AUTH_ISSUER: 'https://id.example.com/', AUTH_AUDIENCE: 'seam-gateway' }
  // A real P-256 public key: the setting is parsed at start-up.
  const pem = [
    '-----BEGIN PUBLIC KEY-----',
    'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9',
    'q9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==',
    '-----END PUBLIC KEY-----',
  ].join('\n')

  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const pkcs1PublicKeyPem = publicKey.export({ type: 'pkcs1', format: 'pem' }).toString()

  it('is off without them', () => {
    expect(loadConfig(held).authentication).toBeUndefined()
  })

  it('reads a JWKS URL with the defaults', () => {
    expect(loadConfig(complete).authentication).toEqual({
      keys: { jwksUrl: 'https://id.example.com/.well-known/jwks.json' },
      issuer: 'https://id.example.com/',
      audience: 'seam-gateway',
      algorithms: ['RS256', 'ES256', 'EdDSA', 'Ed25519'],
      userClaim: 'sub',
      adminScope: 'seam:admin',
      clockToleranceSeconds: 30,
      federationDirectives: false,
    })
  })

  it('reads a PEM public key, its line breaks written as \\n or not, and every other setting', () => {
    const settings = {
      ...held,
      AUTH_ISSUER: 'iss',
      AUTH_AUDIENCE: 'aud',
      AUTH_ALGORITHMS: 'ES256, PS256',
      AUTH_USER_CLAIM: 'uid',
      AUTH_ADMIN_SCOPE: 'gateway:admin',
      AUTH_CLOCK_TOLERANCE_S: '5',
      AUTH_FEDERATION_DIRECTIVES: 'true',
    }
    for (const written of [pem, pem.replaceAll('\n', '\\n')]) {
      expect(loadConfig({ ...settings, AUTH_JWT_PUBLIC_KEY: written }).authentication).toEqual({
        keys: { publicKeyPem: pem },
        issuer: 'iss',
        audience: 'aud',
        algorithms: ['ES256', 'PS256'],
        userClaim: 'uid',
        adminScope: 'gateway:admin',
        clockToleranceSeconds: 5,
        federationDirectives: true,
      })
    }
  })

  it.each([
    [{ AUTH_JWKS_URL: 'https://id.example.com/jwks' }, 'AUTH_JWKS_URL'],
    [{ AUTH_JWT_PUBLIC_KEY: pem }, 'AUTH_JWT_PUBLIC_KEY'],
    [{ AUTH_ISSUER: 'iss' }, 'AUTH_ISSUER'],
    [{ AUTH_AUDIENCE: 'aud' }, 'AUTH_AUDIENCE'],
    [{ AUTH_ALGORITHMS: 'RS256' }, 'AUTH_ALGORITHMS'],
    [{ AUTH_USER_CLAIM: 'uid' }, 'AUTH_USER_CLAIM'],
    [{ AUTH_ADMIN_SCOPE: 'admin' }, 'AUTH_ADMIN_SCOPE'],
    [{ AUTH_CLOCK_TOLERANCE_S: '5' }, 'AUTH_CLOCK_TOLERANCE_S'],
    [{ AUTH_FEDERATION_DIRECTIVES: 'false' }, 'AUTH_FEDERATION_DIRECTIVES'],
    [{ ...complete, SEAM_API_KEY: '' }, 'AUTH_JWKS_URL'],
  ])('refuses %j without a server-held credential, naming %s', (env, variable) => {
    // Without one there is nothing to fence in: each caller sends their own Seam credential.
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(`${variable} is set without a server-held credential`)
  })

  it('takes AUTH_JWKS_URL over http only on loopback', () => {
    const url = 'http://127.0.0.1:8080/jwks.json'
    expect(loadConfig({ ...complete, AUTH_JWKS_URL: url }).authentication?.keys).toEqual({ jwksUrl: url })
  })

  it.each([
    // Pairs and sources.
    [{ ...held, AUTH_ISSUER: 'iss', AUTH_AUDIENCE: 'aud' }, 'AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY'],
    [{ ...complete, AUTH_JWT_PUBLIC_KEY: pem }, 'AUTH_JWT_PUBLIC_KEY'],
    [{ ...jwks, AUTH_AUDIENCE: 'aud' }, 'AUTH_ISSUER'],
    [{ ...jwks, AUTH_ISSUER: 'iss' }, 'AUTH_AUDIENCE'],
    // Values.
    [{ ...complete, AUTH_ALGORITHMS: 'none' }, 'AUTH_ALGORITHMS'],
    [{ ...complete, AUTH_ALGORITHMS: 'HS256' }, 'AUTH_ALGORITHMS'],
    [{ ...complete, AUTH_ALGORITHMS: 'RS256,HS512' }, 'AUTH_ALGORITHMS'],
    [{ ...complete, AUTH_ALGORITHMS: 'rs256' }, 'AUTH_ALGORITHMS'],
    [{ ...complete, AUTH_JWKS_URL: 'id.example.com/jwks' }, 'AUTH_JWKS_URL'],
    [{ ...complete, AUTH_JWKS_URL: 'http://id.example.com/jwks' }, 'AUTH_JWKS_URL'],
    [{ ...complete, AUTH_JWKS_URL: undefined, AUTH_JWT_PUBLIC_KEY: 'not a key' }, 'AUTH_JWT_PUBLIC_KEY'],
    [{ ...complete, AUTH_CLOCK_TOLERANCE_S: '30s' }, 'AUTH_CLOCK_TOLERANCE_S'],
    [{ ...complete, AUTH_CLOCK_TOLERANCE_S: '3601' }, 'AUTH_CLOCK_TOLERANCE_S'],
    [{ ...complete, AUTH_FEDERATION_DIRECTIVES: 'yes' }, 'AUTH_FEDERATION_DIRECTIVES'],
    [{ ...complete, AUTH_ADMIN_SCOPE: 'seam admin' }, 'AUTH_ADMIN_SCOPE'],
    [{ ...complete, AUTH_ADMIN_SCOPE: 'seam"admin' }, 'AUTH_ADMIN_SCOPE'],
  ])('refuses %j with a message naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(variable)
  })

  it.each([
    [
      'over http to another host',
      'http://jwks-user:SECRET_password@id.example.com/jwks?token=SECRET_token#SECRET',
      '"http://id.example.com/jwks"',
    ],
    [
      'of another scheme',
      'ftp://jwks-user:SECRET_password@id.example.com/jwks?token=SECRET_token',
      '"ftp://id.example.com/jwks"',
    ],
    // No host: its opaque path could hold anything.
    ['without a host', 'mailto:jwks-user:SECRET_password@id.example.com?token=SECRET_token', '"mailto:"'],
    [
      'that is no URL',
      'https://jwks-user:SECRET_password@id.example.com:99999/jwks?token=SECRET_token',
      'a value that is no URL',
    ],
  ])('refuses an AUTH_JWKS_URL %s without repeating its userinfo or query', (_, url, shown) => {
    const refusal = (() => {
      try {
        loadConfig({ ...complete, AUTH_JWKS_URL: url })
      } catch (error) {
        return error
      }
    })()
    expect(refusal).toBeInstanceOf(ConfigError)
    const { message } = refusal as ConfigError
    expect(message).toContain(`AUTH_JWKS_URL must be an https URL (http only on a loopback host), not ${shown}`)
    expect(message).not.toMatch(/SECRET|jwks-user/)
  })

  const withPublicKey = (key: string, algorithms: string | undefined) => ({
    ...held,
    AUTH_ISSUER: 'iss',
    AUTH_AUDIENCE: 'aud',
    AUTH_JWT_PUBLIC_KEY: key,
    ...(algorithms !== undefined && { AUTH_ALGORITHMS: algorithms }),
  })

  // Node derives a public key from either, but jose verifies only with an SPKI PEM: every token would be
  // refused, the gateway up and serving no one.
  it.each([
    ['a private key', () => privateKeyPem],
    ['a PKCS #1 public key', () => pkcs1PublicKeyPem],
  ])('refuses %s as AUTH_JWT_PUBLIC_KEY at start-up', (_, key) => {
    const env = withPublicKey(key(), undefined)
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow('AUTH_JWT_PUBLIC_KEY must be a PEM public key')
  })

  const spkiOf = (type: 'rsa' | 'ec' | 'ed25519' | 'ed448', options: object) =>
    (generateKeyPairSync as (type: string, options: object) => { publicKey: KeyObject })(type, options)
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString()
      .trim()

  // A key that no accepted algorithm verifies would refuse every token, the gateway up and serving no one.
  it.each([
    ['a P-384 key with the default algorithms', spkiOf('ec', { namedCurve: 'P-384' }), undefined],
    ['an RSA key with only ES256', spkiOf('rsa', { modulusLength: 2048 }), 'ES256'],
    ['a P-256 key with only ES384', pem, 'ES384'],
    ['an Ed448 key, which jose does not verify', spkiOf('ed448', {}), undefined],
  ])('refuses %s at start-up, naming AUTH_ALGORITHMS', (_, key, algorithms) => {
    const env = withPublicKey(key, algorithms)
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(/AUTH_JWT_PUBLIC_KEY.*AUTH_ALGORITHMS/)
  })

  it.each([
    ['a P-384 key with ES384', spkiOf('ec', { namedCurve: 'P-384' }), 'ES384'],
    ['a P-521 key with ES512', spkiOf('ec', { namedCurve: 'P-521' }), 'ES512'],
    ['an RSA key with PS256', spkiOf('rsa', { modulusLength: 2048 }), 'PS256'],
    ['an Ed25519 key with the defaults', spkiOf('ed25519', {}), undefined],
  ])('takes %s', (_, key, algorithms) => {
    expect(loadConfig(withPublicKey(key, algorithms)).authentication?.keys).toEqual({ publicKeyPem: key })
  })
})
