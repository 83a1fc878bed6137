/**
 * The package's public entry, for teams that mount the gateway in a server of their own:
 * `createGateway(options)` gives a `requestListener` for `node:http` (yoga behind the request body
 * limit) and the yoga instance itself (with its WHATWG `fetch(request)`); `loadConfig()` reads the
 * environment into options it takes as they are; `schema` is the executable schema it serves.
 */
export { type Config, ConfigError, loadConfig } from './config.js'
export type { GatewayContext } from './context.js'
export {
  createGateway,
  type Gateway,
  type GatewayDependencies,
  type GatewayOptions,
  type TracingOptions,
} from './gateway.js'
export type { OtlpTracingOptions } from './otlp-tracer-provider.js'
export type { MetricsOptions } from './plugins/use-metrics.js'
export { schema } from './schema/index.js'
export { SeamClient, type SeamClientOptions, type UpstreamCall } from './seam/client.js'
export { credentialFromToken, type SeamCredential } from './seam/credentials.js'
export type { ErrorCode } from './seam/errors.js'
