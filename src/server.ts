/**
 * Puts a gateway on a node:http server, and takes both down again: closing stops accepting at once,
 * lets the requests in flight finish for up to the drain time, then cuts what is left.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import { gatewayDefaults } from './defaults.js'
import type { Gateway } from './gateway.js'

export interface RunningServer {
  /** Where GraphQL answers, e.g. http://127.0.0.1:4000/graphql */
  graphqlUrl: string
  /** The node:http server itself, e.g. to read its timeouts. */
  httpServer: Server
  /** Stops accepting, waits for the requests in flight (up to the drain time), then closes the gateway. */
  close(): Promise<void>
}

export interface ListenOptions {
  /** How long requests in flight may take to finish once closing has begun. Default 10 s. */
  drainMs?: number
  /**
   * How long an idle keep-alive connection stays open. Default 65 s: longer than a load balancer keeps
   * its idle connections to the gateway (commonly 60 s), so that it never sends a request on one the
   * gateway is closing (a 502). Headers may take 1 s more.
   */
  keepAliveTimeoutMs?: number
}

/** Node's own limit on the time to receive a whole request. */
const nodeRequestTimeoutMs = 300_000

function createHttpServer(gateway: Gateway, keepAliveTimeoutMs: number): Server {
  // Above the keep-alive timeout, as advised for Node behind a load balancer: a request on a connection
  // reused just before it would close must not be cut for the time its headers take. Node wants the
  // whole request's limit at least as long.
  const headersTimeout = keepAliveTimeoutMs + 1_000
  return createServer(
    {
      keepAliveTimeout: keepAliveTimeoutMs,
      headersTimeout,
      requestTimeout: Math.max(nodeRequestTimeoutMs, headersTimeout),
    },
    gateway.requestListener,
  )
}

export async function listen(
  gateway: Gateway,
  port: number,
  host: string,
  {
    drainMs = gatewayDefaults.shutdownDrainMs,
    keepAliveTimeoutMs = gatewayDefaults.keepAliveTimeoutMs,
  }: ListenOptions = {},
): Promise<RunningServer> {
  const server = createHttpServer(gateway, keepAliveTimeoutMs)
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
    httpServer: server,
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
