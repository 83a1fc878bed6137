/**
 * Puts a gateway on a node:http server, and takes both down again: closing stops accepting at once,
 * lets the requests in flight finish for up to the drain time, then cuts what is left.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import type { Gateway } from './gateway.js'

export interface RunningServer {
  /** Where GraphQL answers, e.g. http://127.0.0.1:4000/graphql */
  graphqlUrl: string
  /** Stops accepting, waits for the requests in flight (up to the drain time), then closes the gateway. */
  close(): Promise<void>
}

export interface ListenOptions {
  /** How long requests in flight may take to finish once closing has begun. Default 10 s. */
  drainMs?: number
}

/** How long requests in flight may take to finish once closing has begun, unless told otherwise. */
export const defaultDrainMs = 10_000

export async function listen(
  gateway: Gateway,
  port: number,
  host: string,
  { drainMs = defaultDrainMs }: ListenOptions = {},
): Promise<RunningServer> {
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
      gateway.beginShutdown()
      const drained = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      // Past the drain time, the connections left are cut; their requests' upstream calls abort with them.
      const deadline = setTimeout(() => server.closeAllConnections(), drainMs)
      await drained
      clearTimeout(deadline)
      await gateway.close()
    },
  }
}
