/**
 * Puts a gateway on a node:http server, and takes both down again.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import type { Gateway } from './gateway.js'

export interface RunningServer {
  /** Where GraphQL answers, e.g. http://127.0.0.1:4000/graphql */
  graphqlUrl: string
  close(): Promise<void>
}

export async function listen(gateway: Gateway, port: number, host: string): Promise<RunningServer> {
  const server = createServer(gateway.requestListener)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    graphqlUrl: `http://${hostForUrl}:${address.port}${gateway.yoga.graphqlEndpoint}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
      })
      await gateway.close()
    },
  }
}
