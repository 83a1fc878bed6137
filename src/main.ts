/**
 * `npm start`: reads the configuration, serves the gateway, and stops cleanly on SIGINT or SIGTERM.
 */
import { ConfigError, loadConfig } from './config.js'
import { createGateway } from './gateway.js'
import { listen } from './server.js'

let config
try {
  config = loadConfig()
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(`Configuration error: ${error.message}`)
  process.exit(1)
}

const gateway = createGateway(config)
const server = await listen(gateway, config.port, config.host).catch((error: NodeJS.ErrnoException) => {
  console.error(`Cannot listen on ${config.host}:${config.port}: ${error.code ?? error.message}`)
  process.exit(1)
})

const mode = config.serverCredential === undefined ? "each caller's Authorization" : 'a server-held credential'
console.log(`Seam GraphQL gateway at ${server.graphqlUrl} (upstream ${config.seamEndpoint}, using ${mode})`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0))
  })
}
