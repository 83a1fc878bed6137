/**
 * The environment, read once into one validated Config. A bad value stops start-up with a message that
 * names the variable.
 */
import { createPublicKey } from 'node:crypto'
import { isIPv4 } from 'node:net'

import {
  algorithmsForKey,
  authenticationDefaults,
  type AuthenticationOptions,
  type CallerKeySource,
  unacceptableAlgorithms,
} from './auth/authentication-options.js'
import { gatewayDefaults } from './defaults.js'
import type { OtlpHttpProtocol, OtlpTracingOptions } from './otlp-tracer-provider.js'
import { ManifestError, readManifest, type TrustedDocuments } from './persisted/manifest.js'
import type { MetricsOptions } from './plugins/use-metrics.js'
import type { OperationLimits } from './prepared/operation-limits.js'
import { printableSetting } from './printable-url.js'
import { credentialFromToken, credentialKind, type SeamCredential } from './seam/credentials.js'

export interface Config {
  port: number
  host: string
  seamEndpoint: string
  upstreamTimeoutMs: number
  /** Most upstream calls one request (all its operations) may have in flight at once. */
  maxConcurrentUpstreamCalls: number
  /** Most connections to Seam the process keeps open at once. */
  upstreamMaxConnections: number
  /** The largest upstream answer read; a larger one is cut off with UPSTREAM_ERROR. */
  upstreamMaxResponseBytes: number
  /** How often a read is sent again after a connection error, 502/503/504 or 429 (0 to 2). */
  upstreamRetries: number
  /** Backoff before the first retry, doubled for each later one, with jitter. */
  upstreamRetryDelayMs: number
  /** The longest wait between attempts; a longer `Retry-After` is passed to the client instead. */
  upstreamRetryMaxDelayMs: number
  /** How often /ready's background probe asks Seam's /health. */
  readyCheckIntervalMs: number
  /** After SIGTERM, how long requests in flight may take to finish before their connections are cut. */
  shutdownDrainMs: number
  /** How long an idle keep-alive connection stays open; above the load balancer's own idle timeout. */
  keepAliveTimeoutMs: number
  /** One JSON line per request on stdout. */
  requestLog: boolean
  /** Origins whose browser pages may call the gateway; empty: same-origin only. */
  corsOrigins: string[]
  /** Set when SEAM_API_KEY, or SEAM_PERSONAL_ACCESS_TOKEN with SEAM_WORKSPACE_ID, is. */
  serverCredential: SeamCredential | undefined
  /** Set when AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY is: callers are verified and held to the policy. */
  authentication: AuthenticationOptions | undefined
  /** Set when METRICS_ENABLED=true. */
  metrics: MetricsOptions | undefined
  /** Set when OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT is. */
  tracing: OtlpTracingOptions | undefined
  /** Introspection and field suggestions; off with NODE_ENV=production unless INTROSPECTION=true. */
  introspection: boolean
  /** GraphiQL for browsers; off with NODE_ENV=production unless GRAPHIQL=true. */
  graphiql: boolean
  operationLimits: OperationLimits
  upstreamCallBudget: number
  /** 0: batched requests are refused. */
  batchLimit: number
  maxRequestBodyBytes: number
  /** How many documents are kept parsed, validated and compiled. */
  documentCacheSize: number
  /** JSON POSTs of one operation served on the lean lane (with metrics and tracing too). */
  fastLane: boolean
  /** Operations per caller per minute; 0: no rate limit. */
  rateLimitPerMinute: number
  /** Operations beyond the per-minute limit a caller may run per 10 minutes. */
  rateLimitBurst: number
  /** Proxies in front of the gateway whose `X-Forwarded-For` entries are believed. */
  trustProxyHops: number
  /** The documents of the TRUSTED_DOCUMENTS manifest, by id. */
  trustedDocuments: TrustedDocuments | undefined
  /** With a manifest: refuse document texts (but `{ _service { sdl } }`). */
  trustedDocumentsOnly: boolean
  /** Automatic persisted queries, where texts are allowed. */
  apq: boolean
  /** How many APQ documents this process keeps. */
  apqCacheSize: number
  /** Where the replicas share their rate-limit counts and APQ store; may hold a password, so it is never printed. */
  redisUrl: string | undefined
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

type Environment = Readonly<Record<string, string | undefined>>

function read(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim()
  return value === undefined || value === '' ? undefined : value
}

function integer(env: Environment, name: string, fallback: number, min: number, max: number): number {
  const value = read(env, name)
  if (value === undefined) return fallback
  const number = Number(value)
  if (!/^\d+$/.test(value) || number < min || number > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${value}".`)
  }
  return number
}

function boolean(env: Environment, name: string, fallback: boolean): boolean {
  const value = read(env, name)
  if (value === undefined) return fallback
  if (value === 'true' || value === 'false') return value === 'true'
  throw new ConfigError(`${name} must be true or false, not "${value}".`)
}

function operationLimits(env: Environment): OperationLimits {
  const defaults = gatewayDefaults.operationLimits
  return {
    aliases: integer(env, 'MAX_ALIASES', defaults.aliases, 0, 1000),
    depth: integer(env, 'MAX_DEPTH', defaults.depth, 1, 100),
    tokens: integer(env, 'MAX_TOKENS', defaults.tokens, 1, 100_000),
    cost: integer(env, 'MAX_COST', defaults.cost, 1, 10_000_000),
    directives: integer(env, 'MAX_DIRECTIVES', defaults.directives, 0, 1000),
  }
}

function seamEndpoint(env: Environment): string {
  const value = read(env, 'SEAM_ENDPOINT') ?? gatewayDefaults.seamEndpoint
  let url: URL
  try {
    url = new URL(value)
  } catch {
    // Not repeated: a mistyped value may still hold a credential.
    throw new ConfigError('SEAM_ENDPOINT must be a URL such as https://connect.getseam.com (its value is not shown).')
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') {
    throw new ConfigError('SEAM_ENDPOINT must be an http(s) URL without credentials in it.')
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new ConfigError(`SEAM_ENDPOINT must be an origin without a path, such as ${url.origin}.`)
  }
  // Every upstream call carries a Seam credential: in clear text only to this machine (a local stand-in).
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new ConfigError(`SEAM_ENDPOINT must be https unless its host is loopback, not ${url.origin}.`)
  }
  return url.origin
}

/** localhost, 127.0.0.0/8 or [::1], as the URL parser writes them (it turns 127.1 into 127.0.0.1). */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || (isIPv4(hostname) && hostname.startsWith('127.'))
}

function corsOrigins(env: Environment): string[] {
  const value = read(env, 'CORS_ORIGINS')
  if (value === undefined) return []
  return value.split(',').map((entry) => {
    const origin = entry.trim()
    if (origin === '*') return origin
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      throw new ConfigError(
        `CORS_ORIGINS takes origins such as https://app.example.com, separated by commas; not "${origin}".`,
      )
    }
    return origin
  })
}

function serverCredential(env: Environment): SeamCredential | undefined {
  const apiKey = read(env, 'SEAM_API_KEY')
  const personalAccessToken = read(env, 'SEAM_PERSONAL_ACCESS_TOKEN')
  const workspaceId = read(env, 'SEAM_WORKSPACE_ID')
  if (apiKey !== undefined) {
    if (personalAccessToken !== undefined) {
      throw new ConfigError('Set SEAM_API_KEY or SEAM_PERSONAL_ACCESS_TOKEN, not both.')
    }
    if (workspaceId !== undefined) {
      throw new ConfigError('SEAM_WORKSPACE_ID goes with SEAM_PERSONAL_ACCESS_TOKEN; an API key has its workspace.')
    }
    if (credentialKind(apiKey) !== 'api_key') {
      throw new ConfigError('SEAM_API_KEY does not look like a Seam API key (they start with "seam_").')
    }
    return credentialFromToken(apiKey)
  }
  if (personalAccessToken !== undefined) {
    if (credentialKind(personalAccessToken) !== 'personal_access_token') {
      throw new ConfigError('SEAM_PERSONAL_ACCESS_TOKEN does not look like one (they start with "seam_at").')
    }
    if (workspaceId === undefined) {
      throw new ConfigError('SEAM_PERSONAL_ACCESS_TOKEN needs SEAM_WORKSPACE_ID.')
    }
    return credentialFromToken(personalAccessToken, workspaceId)
  }
  if (workspaceId !== undefined) {
    throw new ConfigError('SEAM_WORKSPACE_ID is set without SEAM_PERSONAL_ACCESS_TOKEN.')
  }
  return undefined
}

const authVariables = [
  'AUTH_JWKS_URL',
  'AUTH_JWT_PUBLIC_KEY',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'AUTH_ALGORITHMS',
  'AUTH_USER_CLAIM',
  'AUTH_ADMIN_SCOPE',
  'AUTH_CLOCK_TOLERANCE_S',
  'AUTH_FEDERATION_DIRECTIVES',
] as const

function callerKeySource(env: Environment): CallerKeySource | undefined {
  const jwksUrl = read(env, 'AUTH_JWKS_URL')
  // A PEM in one environment variable often has its line breaks written as \n.
  const publicKeyPem = read(env, 'AUTH_JWT_PUBLIC_KEY')?.replaceAll('\\n', '\n')
  if (jwksUrl !== undefined && publicKeyPem !== undefined) {
    throw new ConfigError('Set AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY, not both.')
  }
  if (jwksUrl !== undefined) {
    const url = URL.canParse(jwksUrl) ? new URL(jwksUrl) : undefined
    // The keys decide who is who: in clear text only from this machine.
    if (url === undefined || !(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname)))) {
      // Never the value as set: its userinfo or query may hold a secret (./printable-url.ts).
      throw new ConfigError(
        `AUTH_JWKS_URL must be an https URL (http only on a loopback host), not ${printableSetting(url)}.`,
      )
    }
    return { jwksUrl: url.href }
  }
  if (publicKeyPem !== undefined) {
    const refused = new ConfigError('AUTH_JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----).')
    // jose imports SPKI only; Node would also derive a public key from a private key or a PKCS #1 one.
    if (!publicKeyPem.startsWith('-----BEGIN PUBLIC KEY-----')) throw refused
    try {
      createPublicKey({ key: publicKeyPem, format: 'pem' })
    } catch {
      throw refused
    }
    return { publicKeyPem }
  }
  return undefined
}

function algorithms(env: Environment): string[] {
  const value = read(env, 'AUTH_ALGORITHMS')
  if (value === undefined) return [...authenticationDefaults.algorithms]
  const listed = value.split(',').map((entry) => entry.trim())
  const refused = unacceptableAlgorithms(listed)
  if (refused.length > 0) {
    throw new ConfigError(
      `AUTH_ALGORITHMS takes asymmetric JWS algorithms such as RS256, ES256, EdDSA; not "${refused.join(', ')}" ` +
        '(none and HMAC algorithms are never accepted).',
    )
  }
  return listed
}

/** Caller verification: only with a server-held credential, whose power it is there to fence in. */
function authentication(env: Environment, credential: SeamCredential | undefined): AuthenticationOptions | undefined {
  const set = authVariables.find((name) => read(env, name) !== undefined)
  if (set === undefined) return undefined
  if (credential === undefined) {
    throw new ConfigError(
      `${set} is set without a server-held credential (SEAM_API_KEY or SEAM_PERSONAL_ACCESS_TOKEN): ` +
        "without one, each caller's Authorization is their own Seam credential.",
    )
  }
  const keys = callerKeySource(env)
  if (keys === undefined) throw new ConfigError(`${set} needs AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY.`)
  const issuer = read(env, 'AUTH_ISSUER')
  const audience = read(env, 'AUTH_AUDIENCE')
  if (issuer === undefined) throw new ConfigError('AUTH_ISSUER is required with AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY.')
  if (audience === undefined) {
    throw new ConfigError('AUTH_AUDIENCE is required with AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY.')
  }
  const accepted = algorithms(env)
  if ('publicKeyPem' in keys) {
    // Otherwise every token would be refused, the gateway up and serving no one.
    const usable = algorithmsForKey(createPublicKey({ key: keys.publicKeyPem, format: 'pem' }))
    if (!accepted.some((algorithm) => usable.includes(algorithm))) {
      throw new ConfigError(
        `AUTH_JWT_PUBLIC_KEY holds a key that none of AUTH_ALGORITHMS (${accepted.join(', ')}) verifies` +
          (usable.length > 0
            ? `; it verifies ${usable.join(', ')}.`
            : '; use an RSA, EC (P-256, P-384, P-521) or Ed25519 key.'),
      )
    }
  }
  return {
    keys,
    issuer,
    audience,
    algorithms: accepted,
    userClaim: read(env, 'AUTH_USER_CLAIM') ?? authenticationDefaults.userClaim,
    adminScope: adminScope(env),
    clockToleranceSeconds: integer(
      env,
      'AUTH_CLOCK_TOLERANCE_S',
      authenticationDefaults.clockToleranceSeconds,
      0,
      3600,
    ),
    federationDirectives: boolean(env, 'AUTH_FEDERATION_DIRECTIVES', authenticationDefaults.federationDirectives),
  }
}

/** One scope token (RFC 6749: printable ASCII but no space, quote or backslash): it stands in `scope` and in the SDL. */
function adminScope(env: Environment): string {
  const value = read(env, 'AUTH_ADMIN_SCOPE') ?? authenticationDefaults.adminScope
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index)
    if (code < 0x21 || code > 0x7e || code === 0x22 || code === 0x5c) {
      throw new ConfigError(`AUTH_ADMIN_SCOPE must be one scope, without spaces or quotes, not "${value}".`)
    }
  }
  return value
}

function metrics(env: Environment): MetricsOptions | undefined {
  const token = read(env, 'METRICS_TOKEN')
  const maxOperationNames = integer(
    env,
    'METRICS_MAX_OPERATION_NAMES',
    gatewayDefaults.metricsMaxOperationNames,
    1,
    10_000,
  )
  if (!boolean(env, 'METRICS_ENABLED', false)) {
    if (token !== undefined) throw new ConfigError('METRICS_TOKEN is set but METRICS_ENABLED is not true.')
    if (read(env, 'METRICS_MAX_OPERATION_NAMES') !== undefined) {
      throw new ConfigError('METRICS_MAX_OPERATION_NAMES is set but METRICS_ENABLED is not true.')
    }
    return undefined
  }
  if (token !== undefined && token.length < 16) {
    throw new ConfigError('METRICS_TOKEN must be at least 16 characters long.')
  }
  return { token, maxOperationNames }
}

function httpUrl(name: string, value: string): string {
  const url = URL.canParse(value) ? new URL(value) : undefined
  if (url === undefined || !['http:', 'https:'].includes(url.protocol)) {
    // Collectors take API keys in the URL (`?api-key=…`, userinfo): the value is named by its printable part only.
    throw new ConfigError(`${name} must be an http(s) URL such as http://127.0.0.1:4318, not ${printableSetting(url)}.`)
  }
  return value
}

/** Scanned: `/\/+$/` takes quadratic time on a long run of slashes that something else follows. */
function withoutTrailingSlashes(url: string): string {
  let end = url.length
  while (url[end - 1] === '/') end--
  return url.slice(0, end)
}

/**
 * The encoding of spans, as the OpenTelemetry spec has it: the traces' own setting, else the general one.
 * Read only with tracing on: the general one is often set for a whole deployment, other services' exporters
 * included, and gRPC (which the gateway does not send) is a fine value for them.
 */
function otlpProtocol(env: Environment): OtlpHttpProtocol {
  const tracesProtocol = read(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL')
  const [name, value] =
    tracesProtocol !== undefined
      ? ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', tracesProtocol]
      : ['OTEL_EXPORTER_OTLP_PROTOCOL', read(env, 'OTEL_EXPORTER_OTLP_PROTOCOL')]
  if (value === undefined) return gatewayDefaults.otlpProtocol
  if (value === 'http/protobuf' || value === 'http/json') return value
  throw new ConfigError(
    `${name} must be http/protobuf or http/json (the gateway sends OTLP over HTTP), not "${value}".`,
  )
}

/** As the OpenTelemetry spec has it: the traces URL as given, or `/v1/traces` under the general one. */
function otlpTracesEndpoint(env: Environment): string | undefined {
  const tracesEndpoint = read(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')
  if (tracesEndpoint !== undefined) return httpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', tracesEndpoint)
  const endpoint = read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT')
  if (endpoint === undefined) return undefined
  // Under the URL's path, not after its text: a collector's key in the query (`?api-key=…`) stays the query.
  const url = new URL(httpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', endpoint))
  url.pathname = `${withoutTrailingSlashes(url.pathname)}/v1/traces`
  return url.href
}

function tracing(env: Environment): OtlpTracingOptions | undefined {
  const endpoint = otlpTracesEndpoint(env)
  if (endpoint === undefined) return undefined
  return { otlpTracesEndpoint: endpoint, serviceName: read(env, 'OTEL_SERVICE_NAME'), protocol: otlpProtocol(env) }
}

function trustedDocuments(env: Environment): Pick<Config, 'trustedDocuments' | 'trustedDocumentsOnly'> {
  const path = read(env, 'TRUSTED_DOCUMENTS')
  if (path === undefined) {
    if (read(env, 'TRUSTED_DOCUMENTS_ONLY') !== undefined) {
      throw new ConfigError('TRUSTED_DOCUMENTS_ONLY is set but TRUSTED_DOCUMENTS (the manifest) is not.')
    }
    return { trustedDocuments: undefined, trustedDocumentsOnly: gatewayDefaults.trustedDocumentsOnly }
  }
  let documents: TrustedDocuments
  try {
    documents = readManifest(path)
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error
    throw new ConfigError(`TRUSTED_DOCUMENTS names a manifest that cannot be used (${path}): ${error.message}`)
  }
  return {
    trustedDocuments: documents,
    trustedDocumentsOnly: boolean(env, 'TRUSTED_DOCUMENTS_ONLY', gatewayDefaults.trustedDocumentsOnly),
  }
}

/** Never repeated in a message: the URL may hold Redis's password. */
function redisUrl(env: Environment): string | undefined {
  const value = read(env, 'REDIS_URL')
  if (value === undefined) return undefined
  if (!URL.canParse(value) || !['redis:', 'rediss:'].includes(new URL(value).protocol)) {
    throw new ConfigError(
      'REDIS_URL must be a redis:// or rediss:// URL, such as redis://127.0.0.1:6379 (its value is not shown: it may hold a password).',
    )
  }
  return value
}

function rateLimits(env: Environment): Pick<Config, 'rateLimitPerMinute' | 'rateLimitBurst'> {
  const rateLimitPerMinute = integer(env, 'RATE_LIMIT_PER_MINUTE', gatewayDefaults.rateLimitPerMinute, 0, 1_000_000)
  const rateLimitBurst = integer(env, 'RATE_LIMIT_BURST', gatewayDefaults.rateLimitBurst, 0, 1_000_000)
  if (rateLimitBurst > 0 && rateLimitPerMinute === 0) {
    throw new ConfigError('RATE_LIMIT_BURST is set but RATE_LIMIT_PER_MINUTE is 0 (no rate limit).')
  }
  return { rateLimitPerMinute, rateLimitBurst }
}

export function loadConfig(env: Environment = process.env): Config {
  // Production hides the schema from strangers unless told otherwise; see docs/credentials-and-security.md.
  const production = read(env, 'NODE_ENV') === 'production'
  const credential = serverCredential(env)
  return {
    port: integer(env, 'PORT', gatewayDefaults.port, 0, 65535),
    host: read(env, 'HOST') ?? gatewayDefaults.host,
    seamEndpoint: seamEndpoint(env),
    upstreamTimeoutMs: integer(env, 'SEAM_TIMEOUT_MS', gatewayDefaults.upstreamTimeoutMs, 1, 600_000),
    maxConcurrentUpstreamCalls: integer(
      env,
      'SEAM_MAX_CONCURRENT_CALLS',
      gatewayDefaults.maxConcurrentUpstreamCalls,
      1,
      256,
    ),
    upstreamMaxConnections: integer(env, 'SEAM_MAX_CONNECTIONS', gatewayDefaults.upstreamMaxConnections, 1, 4096),
    upstreamMaxResponseBytes: integer(
      env,
      'SEAM_MAX_RESPONSE_BYTES',
      gatewayDefaults.upstreamMaxResponseBytes,
      1024,
      1024 ** 3,
    ),
    upstreamRetries: integer(env, 'SEAM_RETRIES', gatewayDefaults.upstreamRetries, 0, 2),
    upstreamRetryDelayMs: integer(env, 'SEAM_RETRY_DELAY_MS', gatewayDefaults.upstreamRetryDelayMs, 0, 60_000),
    upstreamRetryMaxDelayMs: integer(
      env,
      'SEAM_RETRY_MAX_DELAY_MS',
      gatewayDefaults.upstreamRetryMaxDelayMs,
      0,
      600_000,
    ),
    readyCheckIntervalMs: integer(env, 'READY_CHECK_INTERVAL_MS', gatewayDefaults.readyCheckIntervalMs, 100, 3_600_000),
    shutdownDrainMs: integer(env, 'SHUTDOWN_DRAIN_MS', gatewayDefaults.shutdownDrainMs, 0, 600_000),
    keepAliveTimeoutMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', gatewayDefaults.keepAliveTimeoutMs, 1_000, 3_600_000),
    requestLog: boolean(env, 'LOG_REQUESTS', gatewayDefaults.requestLog),
    corsOrigins: corsOrigins(env),
    serverCredential: credential,
    authentication: authentication(env, credential),
    metrics: metrics(env),
    tracing: tracing(env),
    introspection: boolean(env, 'INTROSPECTION', !production),
    graphiql: boolean(env, 'GRAPHIQL', !production),
    operationLimits: operationLimits(env),
    upstreamCallBudget: integer(env, 'SEAM_CALL_BUDGET', gatewayDefaults.upstreamCallBudget, 1, 1000),
    batchLimit: integer(env, 'BATCH_LIMIT', gatewayDefaults.batchLimit, 0, 100),
    maxRequestBodyBytes: integer(
      env,
      'MAX_REQUEST_BODY_BYTES',
      gatewayDefaults.maxRequestBodyBytes,
      1024,
      100 * 1024 * 1024,
    ),
    documentCacheSize: integer(env, 'DOCUMENT_CACHE_SIZE', gatewayDefaults.documentCacheSize, 1, 100_000),
    fastLane: boolean(env, 'FAST_LANE', gatewayDefaults.fastLane),
    ...rateLimits(env),
    trustProxyHops: integer(env, 'TRUST_PROXY_HOPS', gatewayDefaults.trustProxyHops, 0, 10),
    ...trustedDocuments(env),
    apq: boolean(env, 'APQ', gatewayDefaults.apq),
    apqCacheSize: integer(env, 'APQ_CACHE_SIZE', gatewayDefaults.apqCacheSize, 1, 100_000),
    redisUrl: redisUrl(env),
  }
}
