#!/usr/bin/env node
/**
 * `npm start`: reads the configuration, serves the gateway, and stops cleanly on SIGINT or SIGTERM.
 */
import { createGateway } from './gateway.js'
import { closeOnSignals, listenOrExit, loadConfigOrExit } from './process-lifecycle.js'

const config = loadConfigOrExit()
// prom-client and OpenTelemetry are a quarter of start-up: loaded only when asked for.
const observability =
  config.metrics !== undefined || config.tracing !== undefined ? await import('./observability.js') : undefined
const server = await listenOrExit(
  createGateway(config, { ...(observability !== undefined && { observability }) }),
  config,
)

const mode = config.serverCredential === undefined ? "each caller's Authorization" : 'a server-held credential'
console.log(`Seam GraphQL gateway at ${server.graphqlUrl} (upstream ${config.seamEndpoint}, using ${mode})`)

closeOnSignals(() => server.close())
