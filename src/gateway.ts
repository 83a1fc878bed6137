/**
 * createGateway(options): the yoga instance that serves the schema, and the Seam client it calls.
 */
import type { RequestListener } from 'node:http'

import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention'
import type { TracerProvider } from '@opentelemetry/api'
import type { GraphQLError } from 'graphql'
import { createYoga, type GraphiQLOptions, maskError, type YogaLogger, type YogaServerInstance } from 'graphql-yoga'

import { admissionOf } from './admission.js'
import type * as AccessControlModule from './access-control.js'
import { authenticationGate } from './auth/authentication-gate.js'
import { authenticationDefaults, type AuthenticationOptions } from './auth/authentication-options.js'
import { createContextFactory, type GatewayContext } from './context.js'
import { corsPolicy } from './cors.js'
import { gatewayDefaults } from './defaults.js'
import { combinedLaneTelemetry } from './lane-telemetry.js'
import { withLeanLane } from './lean-lane.js'
import type * as ObservabilityModule from './observability.js'
import type { OtlpTracingOptions } from './otlp-tracer-provider.js'
import { ApqStore } from './persisted/apq-store.js'
import type { TrustedDocuments } from './persisted/manifest.js'
import { PersistedDocuments, prepareTrustedDocuments } from './persisted/persisted-documents.js'
import { useAuthenticationGate } from './plugins/use-authentication-gate.js'
import { useCors } from './plugins/use-cors.js'
import { useErrorCodes } from './plugins/use-error-codes.js'
import type { MetricsOptions } from './plugins/use-metrics.js'
import { usePersistedDocuments } from './plugins/use-persisted-documents.js'
import { usePreparedOperations } from './plugins/use-prepared-operations.js'
import { useReadiness } from './plugins/use-readiness.js'
import { useRequestBodyLimit } from './plugins/use-request-body-limit.js'
import { useRequestLog } from './plugins/use-request-log.js'
import type { OperationLimits } from './prepared/operation-limits.js'
import { PreparedOperations } from './prepared/prepared-operations.js'
import type { RefusedRequest } from './listener-refusal.js'
import { limitRequestBody } from './request-body-limit.js'
import { requestLogThatNeverThrows } from './request-log-sink.js'
import { refuseUnparsableTargets } from './request-target.js'
import { schema as defaultSchema, schemaDeclaringPolicy } from './schema/index.js'
import { SeamClient } from './seam/client.js'
import type { SeamCredential } from './seam/credentials.js'
import { writeLineToStdout } from './stdout-lines.js'

export interface GatewayOptions {
  /** Origin of the Seam API. */
  seamEndpoint: string
  /** Overall time limit of one upstream call, retries included, in milliseconds. */
  upstreamTimeoutMs: number
  /** The largest upstream answer read, in bytes; a larger one is UPSTREAM_ERROR. Default 4 MiB. */
  upstreamMaxResponseBytes?: number
  /** How often a read is sent again after a connection error, 502/503/504 or 429. Default 2. */
  upstreamRetries?: number
  /** Backoff before the first retry, doubled for each later one, with jitter. Default 100 ms. */
  upstreamRetryDelayMs?: number
  /** The longest wait between attempts; a longer `Retry-After` is passed to the client. Default 2 s. */
  upstreamRetryMaxDelayMs?: number
  /** How often /ready's background probe asks Seam's /health (from the first /ready on). Default 5 s. */
  readyCheckIntervalMs?: number
  /**
   * One JSON line per request: true for stdout (the default), false for none, or a function that takes each line.
   * Should the function throw, the answer is unchanged and the line lost; `logger.error` tells of it.
   */
  requestLog?: boolean | ((line: string) => void)
  /**
   * Most upstream calls one request may have in flight at once, all the operations of a batch together
   * (a federated query can name many client sessions); the others wait their turn. Default 8.
   */
  maxConcurrentUpstreamCalls?: number
  /** Most connections to Seam the process keeps open at once; further calls wait for one. Default 128. */
  upstreamMaxConnections?: number
  /**
   * A credential held by the server and used for every upstream call; the callers' Authorization is
   * then ignored. Without it, each request forwards its own.
   */
  serverCredential?: SeamCredential | undefined
  /**
   * Verify callers' `Authorization: Bearer <JWT>` and hold them to the caller policy (README, "Front
   * ends with a server-held key"). Only with a `serverCredential`: the token is the app's, never sent to
   * Seam. Default off.
   */
  authentication?: AuthenticationOptions | undefined
  /**
   * Serve GraphiQL to browsers on the GraphQL endpoint, optionally with a default query and headers.
   * Default true.
   */
  graphiql?: boolean | GraphiQLOptions
  /**
   * Origins whose browser pages may call the gateway (CORS). Default none: only same-origin pages.
   * `*` allows any origin, and then without credentials.
   */
  corsOrigins?: readonly string[]
  /** Where yoga's own log lines go. Default: the console. */
  logger?: YogaLogger
  /**
   * Prometheus metrics, served at `/metrics` unless told otherwise. Default off: they reveal traffic.
   * Give a `token` to make scrapes send it as a bearer token.
   */
  metrics?: MetricsOptions | undefined
  /**
   * OpenTelemetry spans: one per GraphQL operation, continuing the caller's `traceparent`, with a child
   * per upstream call whose context Seam receives as `traceparent`. Default off. Give your own
   * `tracerProvider` (the gateway leaves its lifecycle to you), or an `otlpTracesEndpoint` for the
   * gateway to export to (it flushes and stops that exporter on `close()`).
   */
  tracing?: TracingOptions | undefined
  /**
   * Answer introspection (`__schema`, `__type`) and suggest field names in validation errors ("Did you
   * mean …"). Default true; `loadConfig` turns both off with `NODE_ENV=production` unless `INTROSPECTION=true`.
   * `__typename` and every other field (`_service` too) are served either way.
   */
  introspection?: boolean
  /**
   * Limits that refuse a document before it runs, with OPERATION_LIMIT_EXCEEDED. Defaults: aliases 15,
   * depth 8, tokens 1000, cost 5000, directives 50.
   */
  operationLimits?: Partial<OperationLimits>
  /** Most upstream calls one operation may make; beyond, UPSTREAM_CALL_BUDGET_EXCEEDED. Default 25. */
  upstreamCallBudget?: number
  /** Most operations in one batched request (a JSON array). Default 0: batching is off. */
  batchLimit?: number
  /** Largest request body, in bytes; a larger one gets 413 and PAYLOAD_TOO_LARGE. Default 102400 (100 KiB). */
  maxRequestBodyBytes?: number
  /**
   * How many documents are kept parsed, validated and compiled: the least recently used is forgotten first,
   * except that documents run again by another request keep four fifths of the room. Default 1000.
   */
  documentCacheSize?: number
  /**
   * How many times graphql-js runs an operation before graphql-jit compiles it; the answers are the same.
   * Default 1: a document is compiled on its second run, so one sent only once (a client that writes its
   * values into the text) is not compiled at all. 0: every document is compiled on its first run.
   * Trusted documents are compiled at start-up either way.
   */
  interpretedRuns?: number
  /**
   * Serve JSON POSTs of one operation on the lean lane, straight on node:http, rather than through yoga's
   * fetch adapter and plugin chain; the answers, the metrics and the spans are the same. Default true.
   */
  fastLane?: boolean
  /**
   * Operations each caller may run per 60-second window; past it, RATE_LIMITED with HTTP 429 and
   * `Retry-After`. The caller is the verified user, else the Seam credential a request carries, else its
   * client address. Default 0: no rate limit.
   */
  rateLimitPerMinute?: number
  /** Operations beyond `rateLimitPerMinute` a caller may run per 10-minute window. Default 0. */
  rateLimitBurst?: number
  /**
   * How many proxies in front of the gateway append the address of their peer to `X-Forwarded-For`: the
   * client address the rate limit goes by is the entry this many from the right. Default 0: the TCP peer.
   */
  trustProxyHops?: number
  /**
   * Trusted documents by id, from a manifest (`readManifest` reads Apollo's or GraphQL Codegen's). They are
   * prepared when the gateway is created; one that cannot run throws a ConfigError naming it.
   */
  trustedDocuments?: TrustedDocuments | undefined
  /**
   * With `trustedDocuments`, refuse document texts (PERSISTED_QUERY_ID_REQUIRED), except
   * `{ _service { sdl } }`; APQ is then off. Default true.
   */
  trustedDocumentsOnly?: boolean
  /** Automatic persisted queries (Apollo's APQ) where texts are allowed. Default true. */
  apq?: boolean
  /** How many APQ documents this process keeps, the least recently used forgotten first. Default 1000. */
  apqCacheSize?: number
  /**
   * A Redis (`redis://…` or `rediss://…`) where every replica that names it shares its rate-limit counts
   * and its APQ store. While it does not answer, each replica counts alone and keeps its own store;
   * nothing waits for it. Default: none.
   */
  redisUrl?: string | undefined
}

export type TracingOptions = { tracerProvider: TracerProvider } | OtlpTracingOptions

export interface Gateway {
  yoga: YogaServerInstance<Record<string, never>, GatewayContext>
  /** The lean lane and yoga behind the check of the request target and the body limit: what a node:http server serves. */
  requestListener: RequestListener
  /** From now on /ready answers 503 and keep-alive clients are told to go elsewhere. */
  beginShutdown(): void
  /**
   * Stops /ready's probe, closes the upstream connection pool and the Redis connection, and flushes the
   * spans of a tracer provider the gateway made.
   */
  close(): Promise<void>
}

/** Parts a host application or a test may supply instead of the defaults. */
export interface GatewayDependencies {
  seamClient?: SeamClient
  /**
   * The metrics and tracing plugins (./observability.ts), needed when `metrics` or `tracing` is set. The
   * package's `createGateway` supplies them; `npm start` loads them only when it needs them.
   */
  observability?: Observability
  /**
   * Authentication, rate limits and the Redis connection (./access-control.ts), needed when
   * `authentication`, `rateLimitPerMinute` or `redisUrl` is set. The package's `createGateway` supplies
   * them; `npm start` loads them only when it needs them.
   */
  accessControl?: AccessControl
}

export type Observability = typeof ObservabilityModule

export type AccessControl = typeof AccessControlModule

/**
 * Which of the modules loaded on demand these options need: ./observability.ts for metrics and tracing,
 * ./access-control.ts for authentication, rate limits and Redis. `npm start` loads those it needs
 * (../process-lifecycle.ts); createGateway refuses to run without them.
 */
export function optionalModulesFor(options: GatewayOptions): { observability: boolean; accessControl: boolean } {
  return {
    observability: options.metrics !== undefined || options.tracing !== undefined,
    accessControl:
      options.authentication !== undefined ||
      (options.rateLimitPerMinute ?? gatewayDefaults.rateLimitPerMinute) > 0 ||
      options.redisUrl !== undefined,
  }
}

function accessControlFor(options: GatewayOptions, { accessControl }: GatewayDependencies): AccessControl | undefined {
  if (accessControl === undefined && optionalModulesFor(options).accessControl) {
    throw new Error(
      'authentication, rate limits and Redis need dependencies.accessControl (the module ./access-control.js)',
    )
  }
  return accessControl
}

function observabilityFor(options: GatewayOptions, { observability }: GatewayDependencies): Observability | undefined {
  if (observability === undefined && optionalModulesFor(options).observability) {
    throw new Error('metrics and tracing need dependencies.observability (the module ./observability.js)')
  }
  return observability
}

export function createGateway(options: GatewayOptions, dependencies: GatewayDependencies = {}): Gateway {
  const { authentication } = options
  if (authentication !== undefined && options.serverCredential === undefined) {
    // Without one, the caller's Authorization is their Seam credential, not a token to verify.
    throw new Error('authentication needs a serverCredential')
  }
  // Present whenever authentication, a rate limit or Redis is asked for (it throws otherwise): the `!`s below.
  const accessControl = accessControlFor(options, dependencies)
  // Before anything is opened: a bad setting throws here. It logs through yoga's logger, made below.
  const callers =
    authentication !== undefined
      ? accessControl!.authentication(authentication, { warn: (message) => yoga.logger.warn(message) })
      : undefined
  // The SDL declares the caller policy for routers only when asked: @apollo/gateway refuses it.
  const schema =
    authentication?.federationDirectives === true
      ? schemaDeclaringPolicy(authentication.adminScope ?? authenticationDefaults.adminScope)
      : defaultSchema
  const seamClient =
    dependencies.seamClient ??
    new SeamClient({
      endpoint: options.seamEndpoint,
      timeoutMs: options.upstreamTimeoutMs,
      maxResponseBytes: options.upstreamMaxResponseBytes ?? gatewayDefaults.upstreamMaxResponseBytes,
      maxConnections: options.upstreamMaxConnections ?? gatewayDefaults.upstreamMaxConnections,
      retry: {
        ...(options.upstreamRetries !== undefined && { retries: options.upstreamRetries }),
        ...(options.upstreamRetryDelayMs !== undefined && { baseDelayMs: options.upstreamRetryDelayMs }),
        ...(options.upstreamRetryMaxDelayMs !== undefined && { maxDelayMs: options.upstreamRetryMaxDelayMs }),
      },
    })
  const { tracing } = options
  const observability = observabilityFor(options, dependencies)
  const ownTracerProvider =
    tracing !== undefined && 'otlpTracesEndpoint' in tracing
      ? observability?.createOtlpTracerProvider(tracing)
      : undefined
  const tracerProvider =
    tracing !== undefined && 'tracerProvider' in tracing ? tracing.tracerProvider : ownTracerProvider
  const traceUpstreamCall =
    tracerProvider !== undefined ? observability?.traceUpstreamCalls({ tracerProvider }) : undefined
  const introspection = options.introspection ?? true
  const upstreamCallBudget = options.upstreamCallBudget ?? gatewayDefaults.upstreamCallBudget
  const batchLimit = options.batchLimit ?? gatewayDefaults.batchLimit
  let shuttingDown = false
  const isShuttingDown = () => shuttingDown
  const requestLog = options.requestLog ?? gatewayDefaults.requestLog
  const writeRequestLog =
    requestLog === false
      ? undefined
      : requestLog === true
        ? writeLineToStdout
        : requestLogThatNeverThrows(requestLog, (error) =>
            yoga.logger.error("The request log's function threw: its lines are lost while it keeps throwing.", error),
          )
  const log = writeRequestLog === undefined ? undefined : useRequestLog({ write: writeRequestLog })
  const cors = corsPolicy(options.corsOrigins ?? [])
  const maxRequestBodyBytes = options.maxRequestBodyBytes ?? gatewayDefaults.maxRequestBodyBytes
  const probeIntervalMs = options.readyCheckIntervalMs ?? gatewayDefaults.readyCheckIntervalMs
  // Trusted documents are compiled below, before yoga and its logger are made: what graphql-jit refuses
  // then is told once yoga is there (and never, should creating the gateway fail before that).
  const compilationWarnings: string[] = []
  let warnOfCompilation: (message: string) => void = (message) => compilationWarnings.push(message)
  const preparedOperations = new PreparedOperations({
    schema,
    limits: { ...gatewayDefaults.operationLimits, ...options.operationLimits },
    introspection,
    upstreamCallBudget,
    cacheSize: options.documentCacheSize ?? gatewayDefaults.documentCacheSize,
    interpretedRuns: options.interpretedRuns ?? gatewayDefaults.interpretedRuns,
    warn: (message) => warnOfCompilation(message),
  })
  // Before Redis is connected, so that nothing is left open: a trusted document that cannot run stops the
  // gateway here.
  const trustedDocuments =
    options.trustedDocuments === undefined
      ? undefined
      : prepareTrustedDocuments(preparedOperations, options.trustedDocuments)
  const metrics =
    options.metrics === undefined
      ? undefined
      : observability?.useMetrics(options.metrics, {
          // yoga's logger, as for Redis below.
          warn: (message) => yoga.logger.warn(message),
          // The front end's own operations keep series of their own, whatever names other clients send.
          documentsNamedFirst: [...(options.trustedDocuments?.values() ?? [])].map(
            (text) => preparedOperations.prepare(text).document,
          ),
        })
  // One connection for the rate limits and the APQ store. yoga's logger is the one the options set, or
  // yoga's default: the console. Only the first error of an outage is told; the message is ioredis's,
  // which never holds the URL's password. The APQ store falls back to this process's own without a word.
  const onError = (error: Error) => yoga.logger.warn(`Redis (REDIS_URL) is unreachable: ${error.message}`)
  const redis = options.redisUrl === undefined ? undefined : accessControl!.connectRedis(options.redisUrl, { onError })
  const readiness = useReadiness({
    isShuttingDown,
    // Bounded by the interval too: /ready's answer is then never more than two intervals old.
    probeUpstream: (signal) => seamClient.isReachable(Math.min(probeIntervalMs, options.upstreamTimeoutMs), signal),
    probeIntervalMs,
    redisStatus: redis && (() => (redis.status === 'ready' ? 'ok' : 'unreachable')),
  })
  const persisted = new PersistedDocuments({
    operations: preparedOperations,
    trustedDocuments,
    trustedDocumentsOnly: options.trustedDocumentsOnly ?? gatewayDefaults.trustedDocumentsOnly,
    apq:
      (options.apq ?? gatewayDefaults.apq)
        ? new ApqStore(options.apqCacheSize ?? gatewayDefaults.apqCacheSize, redis)
        : undefined,
  })
  // One factory for both lanes.
  const createContext = createContextFactory(seamClient, {
    serverCredential: options.serverCredential,
    maxConcurrentCalls: options.maxConcurrentUpstreamCalls ?? gatewayDefaults.maxConcurrentUpstreamCalls,
    upstreamCallBudget,
    // yoga's logger is the one the options set, or yoga's default: the console.
    logger: { error: (message) => yoga.logger.error(message) },
    traceUpstreamCall,
    callersVerified: authentication !== undefined,
  })
  const rateLimitPerMinute = options.rateLimitPerMinute ?? gatewayDefaults.rateLimitPerMinute
  const rateLimit =
    rateLimitPerMinute === 0
      ? undefined
      : accessControl!.rateLimitAdmission({
          perMinute: rateLimitPerMinute,
          burst: options.rateLimitBurst ?? gatewayDefaults.rateLimitBurst,
          redis,
          callerKeys: accessControl!.callerKeysOf({
            credentialHeldByServer: options.serverCredential !== undefined,
            trustProxyHops: options.trustProxyHops ?? gatewayDefaults.trustProxyHops,
          }),
          logger: { warn: (message) => yoga.logger.warn(message), info: (message) => yoga.logger.info(message) },
          countLocalDecision: metrics?.countLocalRateLimitDecision,
        })
  // A caller without a valid token is refused before its document is looked at, on both lanes.
  const gate = callers && authenticationGate(callers, preparedOperations)
  // Who may run an operation now, after its document has been found fit: the same steps on both lanes,
  // the rate limit after the caller is recorded (verified by the gate already), so that it counts the
  // verified user.
  const admission = admissionOf([callers?.admission, rateLimit])
  const yoga = createYoga<Record<string, never>, GatewayContext>({
    schema,
    context: createContext,
    graphiql: options.graphiql ?? true,
    // yoga's own page loads GraphiQL from a public CDN and stays on "Loading…" without internet; this one
    // inlines it from the installed package. Loaded on first use: it is 9 MB of script.
    renderGraphiQL: async (graphiqlOptions) =>
      (await import('@graphql-yoga/render-graphiql')).renderGraphiQL({
        title: 'Seam GraphQL gateway',
        // Without it, introspection leaves out deprecated input fields and the docs never show them.
        inputValueDeprecation: true,
        ...graphiqlOptions,
      }),
    ...(options.logger !== undefined && { logging: options.logger }),
    // useCors instead: the one policy both lanes follow.
    cors: false,
    batching: batchLimit > 0 && { limit: batchLimit },
    // useRequestBodyLimit enforces the limit instead, and only on requests that requestListener has not.
    maxRequestBodySize: false,
    // The prepared operations cache parsing and validation, and more.
    parserAndValidationCache: false,
    // Documents, limits, the upstream-call budget and the codes of what execution raises: the prepared
    // operations, which the lean lane runs too. Anything else unexpected stays masked.
    // CSRF prevention refuses the requests a browser sends cross-site without a preflight (forms, plain
    // GETs) unless they carry a header only a script can set.
    // Metrics and the request log come after useErrorCodes: they count and log the codes it gives.
    plugins: [
      // First, as yoga's own CORS would be: a preflight to any path is answered here.
      cors !== undefined && useCors(cors),
      readiness.plugin,
      useCSRFPrevention(),
      gate !== undefined && useAuthenticationGate(gate),
      usePersistedDocuments(persisted),
      usePreparedOperations(preparedOperations, admission),
      useErrorCodes(),
      metrics !== undefined && metrics.plugin,
      ...(tracerProvider !== undefined && observability !== undefined
        ? [observability.useTracing({ tracerProvider })]
        : []),
      log !== undefined && log.plugin,
      useRequestBodyLimit(maxRequestBodyBytes),
    ],
  })
  warnOfCompilation = (message) => yoga.logger.warn(message)
  for (const message of compilationWarnings.splice(0)) warnOfCompilation(message)
  const fastLane = options.fastLane ?? true
  const listener = fastLane
    ? withLeanLane(yoga, {
        endpoint: yoga.graphqlEndpoint,
        operations: preparedOperations,
        persisted,
        gate,
        createContext,
        admission,
        // yoga's own masking, logged through yoga's logger as yoga logs what it masks.
        maskError: (error) => {
          const masked = maskError(error, 'Unexpected error.') as GraphQLError
          if (masked !== error) yoga.logger.error(error)
          return masked
        },
        cors,
        requestLog: writeRequestLog,
        isShuttingDown,
        // What yoga's metrics and tracing plugins record of a request, recorded alike for the lane's.
        telemetry: combinedLaneTelemetry([
          metrics?.lane(schema),
          tracerProvider !== undefined ? observability?.traceLaneOperations({ tracerProvider }) : undefined,
        ]),
      })
    : yoga
  // Neither lane sees what the listener refuses: it is logged and counted here, as yoga would have done.
  const onRefused = (refused: RefusedRequest) => {
    log?.logRefused(refused)
    metrics?.countRefused(refused)
  }
  // With the lanes' CORS headers, so that a page of an allowed origin can read what was refused.
  const refusalOptions = { onRefused, cors }
  const requestListener = refuseUnparsableTargets(
    limitRequestBody(listener, maxRequestBodyBytes, refusalOptions),
    refusalOptions,
  )
  return {
    yoga,
    requestListener,
    beginShutdown: () => {
      shuttingDown = true
    },
    close: async () => {
      readiness.stop()
      redis?.disconnect()
      await seamClient.close()
      await ownTracerProvider?.shutdown()
    },
  }
}
