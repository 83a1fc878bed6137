#!/usr/bin/env node
/**
 * `npm start`: reads the configuration, serves the gateway, and stops cleanly on SIGINT or SIGTERM.
 */
// First: V8's settings hold before anything else is loaded.
import './v8-heap-flags.js'

import { createGateway } from './gateway.js'
import { closeOnSignals, listenOrExit, loadConfigOrExit, observabilityFor } from './process-lifecycle.js'

const config = loadConfigOrExit()
const server = await listenOrExit(createGateway(config, await observabilityFor(config)), config)

const mode = config.serverCredential === undefined ? "each caller's Authorization" : 'a server-held credential'
console.log(`Seam GraphQL gateway at ${server.graphqlUrl} (upstream ${config.seamEndpoint}, using ${mode})`)

closeOnSignals(() => server.close())
