/**
 * What the gateway does when not told otherwise: the default of every setting, under the name `Config`
 * gives it. One module below both ./config.ts (the environment) and ./gateway.ts (an embedder's options),
 * and the Seam client and the server read it too. It imports nothing: reading the configuration must
 * not build the schema or load the server it configures.
 */
import type { OperationLimits } from './prepared/operation-limits.js'

export const gatewayDefaults = {
  port: 4000,
  host: '127.0.0.1',
  seamEndpoint: 'https://connect.getseam.com',
  upstreamTimeoutMs: 10_000,
  maxConcurrentUpstreamCalls: 8,
  /**
   * The gateway serves about a thousand requests a second per core (see bench/RESULTS.md); at a Seam
   * latency of 100 ms that needs about a hundred connections. 128 leaves room for that, while a burst of
   * fan-out (or a slow Seam) queues for a connection instead of opening hundreds of sockets and TLS
   * handshakes at once.
   */
  upstreamMaxConnections: 128,
  upstreamMaxResponseBytes: 4 * 1024 * 1024,
  upstreamRetries: 2,
  upstreamRetryDelayMs: 100,
  upstreamRetryMaxDelayMs: 2_000,
  readyCheckIntervalMs: 5_000,
  shutdownDrainMs: 10_000,
  /** Longer than a load balancer keeps its idle connections to the gateway (commonly 60 s). */
  keepAliveTimeoutMs: 65_000,
  requestLog: true,
  operationLimits: { aliases: 15, depth: 8, tokens: 1000, cost: 5000, directives: 50 } satisfies OperationLimits,
  upstreamCallBudget: 25,
  batchLimit: 0,
  maxRequestBodyBytes: 100 * 1024,
  documentCacheSize: 1000,
  /** An operation is compiled on its second run (./prepared/interpreted-execution.ts says why). */
  interpretedRuns: 1,
  fastLane: true,
  /** 0: no rate limit, and nothing done for one per request. */
  rateLimitPerMinute: 0,
  rateLimitBurst: 0,
  trustProxyHops: 0,
  /** With a manifest, only its documents run (and `{ _service { sdl } }`). */
  trustedDocumentsOnly: true,
  apq: true,
  apqCacheSize: 1000,
  /**
   * A front end has tens of operations, rarely a hundred, and the trusted documents' have series of their
   * own besides. Each name makes about 80 series (mostly histogram buckets): 100 names are about 8,000
   * series, 0.4 MB of heap and 0.8 MB a scrape (measured), which one Prometheus target carries easily.
   */
  metricsMaxOperationNames: 100,
  /** OpenTelemetry's default for OTLP exporters (./otlp-tracer-provider.ts says why it is also the cheaper one). */
  otlpProtocol: 'http/protobuf' as const,
}
