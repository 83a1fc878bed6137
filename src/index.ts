/**
 * The package's public entry, for teams that mount the gateway in a server of their own:
 * `createGateway(options)` gives a `requestListener` for `node:http` (yoga behind the request body
 * limit) and the yoga instance itself (with its WHATWG `fetch(request)`); `loadConfig()` reads the
 * environment into options it takes as they are; `schema` is the executable schema it serves.
 */
import {
  createGateway as createGatewayWith,
  type Gateway,
  type GatewayDependencies,
  type GatewayOptions,
} from './gateway.js'
import * as accessControl from './access-control.js'
import * as observability from './observability.js'

export type { AuthenticationOptions, CallerKeySource } from './auth/authentication-options.js'
export { type Config, ConfigError, loadConfig } from './config.js'
export type { GatewayContext, VerifiedCaller } from './context.js'
export { type Gateway, type GatewayDependencies, type GatewayOptions, type TracingOptions } from './gateway.js'
/**
 * A gateway for these options; metrics, tracing, authentication, rate limits and Redis are available
 * (./main.ts loads them only when they are on).
 */
export function createGateway(options: GatewayOptions, dependencies: GatewayDependencies = {}): Gateway {
  return createGatewayWith(options, { observability, accessControl, ...dependencies })
}

export type { OtlpTracingOptions } from './otlp-tracer-provider.js'
export { readManifest, type TrustedDocuments } from './persisted/manifest.js'
export type { MetricsOptions } from './plugins/use-metrics.js'
export { schema } from './schema/index.js'
export { SeamClient, type SeamClientOptions, type UpstreamCall } from './seam/client.js'
export { credentialFromToken, type SeamCredential } from './seam/credentials.js'
export type { ErrorCode } from './seam/errors.js'
