/**
 * Idle keep-alive connections stay open longer than a load balancer keeps its own (commonly 60 s):
 * otherwise it may send a request on a connection the gateway is just closing, and answer it with 502.
 * Node says how long in every answer's `keep-alive` header.
 */
import { afterEach, describe, expect, it } from 'vitest'

import { createGateway } from '../src/gateway.js'
import { listen, type ListenOptions, type RunningServer } from '../src/server.js'

let server: RunningServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function keepAliveOf(options?: ListenOptions) {
  // Nothing here reaches Seam: /health is the gateway's own.
  const gateway = createGateway({ seamEndpoint: 'http://127.0.0.1:9', upstreamTimeoutMs: 1_000, requestLog: false })
  server = await listen(gateway, 0, '127.0.0.1', options)
  const response = await fetch(new URL('/health', server.graphqlUrl))
  await response.text()
  const { keepAliveTimeout, headersTimeout, requestTimeout } = server.httpServer
  return { header: response.headers.get('keep-alive'), keepAliveTimeout, headersTimeout, requestTimeout }
}

describe('idle keep-alive connections', () => {
  it('stay open 65 s by default, and a request’s headers may take 1 s more', async () => {
    expect(await keepAliveOf()).toEqual({
      header: 'timeout=65',
      keepAliveTimeout: 65_000,
      headersTimeout: 66_000,
      requestTimeout: 300_000,
    })
  })

  it('stay open as long as told, beyond Node’s 5 min request timeout too (a load balancer that keeps 10 min)', async () => {
    expect(await keepAliveOf({ keepAliveTimeoutMs: 620_000 })).toEqual({
      header: 'timeout=620',
      keepAliveTimeout: 620_000,
      headersTimeout: 621_000,
      // Node refuses a headers timeout longer than the whole request's.
      requestTimeout: 621_000,
    })
  })
})
