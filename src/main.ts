#!/usr/bin/env node
/**
 * `npm start`: reads the configuration, serves the gateway, and stops cleanly on SIGINT or SIGTERM.
 */
// First: V8's settings hold before anything else is loaded.
import './v8-heap-flags.js'

import { createGateway } from './gateway.js'
import { openCredentialWarning } from './open-credential-warning.js'
import { closeOnSignals, listenOrExit, loadConfigOrExit, dependenciesFor, orExit } from './process-lifecycle.js'

const config = loadConfigOrExit()
const dependencies = await dependenciesFor(config)
const server = await listenOrExit(
  orExit(() => createGateway(config, dependencies)),
  config,
)

const mode =
  config.serverCredential === undefined
    ? "each caller's Authorization"
    : `a server-held credential, ${config.authentication === undefined ? 'callers unverified' : 'callers verified'}`
console.log(`Seam GraphQL gateway at ${server.graphqlUrl} (upstream ${config.seamEndpoint}, using ${mode})`)
const warning = openCredentialWarning(config)
if (warning !== undefined) console.warn(warning)

closeOnSignals(() => server.close())
