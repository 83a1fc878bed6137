/**
 * createGateway(options): the yoga instance that serves the schema, and the Seam client it calls.
 */
import type { RequestListener } from 'node:http'

import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention'
import type { TracerProvider } from '@opentelemetry/api'
import { createYoga, type GraphiQLOptions, type YogaLogger, type YogaServerInstance } from 'graphql-yoga'

import { createContextFactory, type GatewayContext } from './context.js'
import { gatewayDefaults } from './defaults.js'
import type * as ObservabilityModule from './observability.js'
import type { OtlpTracingOptions } from './otlp-tracer-provider.js'
import { useEndUpstreamCalls } from './plugins/use-end-upstream-calls.js'
import { useErrorCodes } from './plugins/use-error-codes.js'
import type { MetricsOptions } from './plugins/use-metrics.js'
import { useReadiness } from './plugins/use-readiness.js'
import { useRequestBodyLimit } from './plugins/use-request-body-limit.js'
import { useRequestLog } from './plugins/use-request-log.js'
import { useHiddenSchema } from './plugins/use-hidden-schema.js'
import { type OperationLimits, useOperationLimits } from './plugins/use-operation-limits.js'
import { useUpstreamCallBudget } from './plugins/use-upstream-call-budget.js'
import { useVaryOrigin } from './plugins/use-vary-origin.js'
import { limitRequestBody } from './request-body-limit.js'
import { schema } from './schema/index.js'
import { SeamClient } from './seam/client.js'
import type { SeamCredential } from './seam/credentials.js'

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
  /** One JSON line per request: true for stdout (the default), false for none, or a function that takes each line. */
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
}

export type TracingOptions = { tracerProvider: TracerProvider } | OtlpTracingOptions

export interface Gateway {
  yoga: YogaServerInstance<Record<string, never>, GatewayContext>
  /** yoga behind the request body limit: what a node:http server serves. */
  requestListener: RequestListener
  /** From now on /ready answers 503 and keep-alive clients are told to go elsewhere. */
  beginShutdown(): void
  /**
   * Stops /ready's probe, closes the upstream connection pool, and flushes the spans of a tracer provider
   * the gateway made.
   */
  close(): Promise<void>
}

/**
 * yoga's default CORS reflects any Origin and allows credentials; this one allows only what is
 * configured. Decided per request: given a list, yoga would answer an origin not on it (such as the
 * `null` of a sandboxed page) with `Access-Control-Allow-Origin: null` and credentials.
 */
function corsFor(origins: readonly string[]) {
  if (origins.length === 0) return false
  const anyOrigin = origins.includes('*')
  const allowed = {
    methods: ['GET', 'POST'],
    allowedHeaders: [
      'authorization',
      'seam-workspace',
      'seam-publishable-key',
      'content-type',
      'accept',
      'x-graphql-yoga-csrf',
    ],
    // Not a header every page may read: without this, a front end could not quote it in a bug report.
    exposedHeaders: ['x-request-id'],
  }
  if (anyOrigin) {
    const toAnyOrigin = { ...allowed, origin: '*', credentials: false }
    return () => toAnyOrigin
  }
  return (request: Request) => {
    const origin = request.headers.get('origin')
    return origin !== null && origins.includes(origin) ? { ...allowed, origin, credentials: true } : false
  }
}

/** Parts a host application or a test may supply instead of the defaults. */
export interface GatewayDependencies {
  seamClient?: SeamClient
  /**
   * The metrics and tracing plugins (./observability.ts), needed when `metrics` or `tracing` is set. The
   * package's `createGateway` supplies them; `npm start` loads them only when it needs them.
   */
  observability?: Observability
}

export type Observability = typeof ObservabilityModule

function observabilityFor(options: GatewayOptions, { observability }: GatewayDependencies): Observability | undefined {
  if (observability === undefined && (options.metrics !== undefined || options.tracing !== undefined)) {
    throw new Error('metrics and tracing need dependencies.observability (the module ./observability.js)')
  }
  return observability
}

export function createGateway(options: GatewayOptions, dependencies: GatewayDependencies = {}): Gateway {
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
  const requestLog = options.requestLog ?? gatewayDefaults.requestLog
  const log =
    requestLog === false ? undefined : useRequestLog(typeof requestLog === 'function' ? { write: requestLog } : {})
  const metrics = options.metrics !== undefined ? observability?.useMetrics(options.metrics) : undefined
  const maxRequestBodyBytes = options.maxRequestBodyBytes ?? gatewayDefaults.maxRequestBodyBytes
  const corsOrigins = options.corsOrigins ?? []
  const probeIntervalMs = options.readyCheckIntervalMs ?? gatewayDefaults.readyCheckIntervalMs
  const readiness = useReadiness({
    isShuttingDown: () => shuttingDown,
    // Bounded by the interval too: /ready's answer is then never more than two intervals old.
    probeUpstream: (signal) => seamClient.isReachable(Math.min(probeIntervalMs, options.upstreamTimeoutMs), signal),
    probeIntervalMs,
  })
  const yoga = createYoga<Record<string, never>, GatewayContext>({
    schema,
    context: createContextFactory(seamClient, {
      serverCredential: options.serverCredential,
      maxConcurrentCalls: options.maxConcurrentUpstreamCalls ?? gatewayDefaults.maxConcurrentUpstreamCalls,
      upstreamCallBudget,
      // yoga's logger is the one the options set, or yoga's default: the console.
      logger: { error: (message) => yoga.logger.error(message) },
      traceUpstreamCall,
    }),
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
    cors: corsFor(corsOrigins),
    batching: batchLimit > 0 && { limit: batchLimit },
    // useRequestBodyLimit enforces the limit instead, and only on requests that requestListener has not.
    maxRequestBodySize: false,
    // Upstream failures get their codes in useErrorCodes; anything else unexpected stays masked.
    // CSRF prevention refuses the requests a browser sends cross-site without a preflight (forms, plain
    // GETs) unless they carry a header only a script can set.
    // Metrics and the request log come after useErrorCodes: they count and log the codes it gives.
    plugins: [
      readiness.plugin,
      useCSRFPrevention(),
      ...(corsOrigins.length > 0 ? [useVaryOrigin()] : []),
      ...useOperationLimits({ ...gatewayDefaults.operationLimits, ...options.operationLimits }),
      useUpstreamCallBudget(upstreamCallBudget),
      useEndUpstreamCalls(),
      ...(introspection ? [] : useHiddenSchema()),
      useErrorCodes(),
      metrics !== undefined && metrics.plugin,
      ...(tracerProvider !== undefined && observability !== undefined
        ? [observability.useTracing({ tracerProvider })]
        : []),
      log !== undefined && log.plugin,
      useRequestBodyLimit(maxRequestBodyBytes),
    ],
  })
  // yoga never sees what the listener refuses: it is logged and counted here, as yoga would have done.
  const requestListener = limitRequestBody(yoga, maxRequestBodyBytes, {
    onRefused: (refused) => {
      log?.logRefused(refused)
      metrics?.countRefused(refused)
    },
  })
  return {
    yoga,
    requestListener,
    beginShutdown: () => {
      shuttingDown = true
    },
    close: async () => {
      readiness.stop()
      await seamClient.close()
      await ownTracerProvider?.shutdown()
    },
  }
}
