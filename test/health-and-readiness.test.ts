import { createServer } from 'node:net'

import { afterEach, describe, expect, it } from 'vitest'

import { readDocument } from './support/faults.js'
import { type Harness, startHarness, withApiKey } from './support/harness.js'

let harness: Harness
afterEach(() => harness.close())

const gatewayOrigin = () => new URL(harness.gatewayUrl).origin
const healthChecksSeen = () => harness.fakeSeam.requests.filter((request) => request.path === '/health').length

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

describe('/health', () => {
  it('answers 200 whatever Seam does, and asks Seam nothing', async () => {
    harness = await startHarness({ gateway: { seamEndpoint: `http://127.0.0.1:${await closedPort()}` } })
    expect((await fetch(`${gatewayOrigin()}/health`)).status).toBe(200)

    await harness.close()
    harness = await startHarness()
    harness.fakeSeam.failNext({ status: 500 }, { status: 500 })
    expect((await fetch(`${gatewayOrigin()}/health`)).status).toBe(200)
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })
})

describe('/ready', () => {
  it('answers 200 and that Seam is reachable, after one probe of Seam’s /health', async () => {
    harness = await startHarness()
    const response = await fetch(`${gatewayOrigin()}/ready`)

    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ready', upstream: 'reachable' })
    expect(harness.fakeSeam.requests.map(({ method, path }) => `${method} ${path}`)).toEqual(['GET /health'])
  })

  it('says when Seam is unreachable, and stays 200: every replica shares the one Seam', async () => {
    harness = await startHarness({ gateway: { seamEndpoint: `http://127.0.0.1:${await closedPort()}` } })
    const response = await fetch(`${gatewayOrigin()}/ready`)

    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ready', upstream: 'unreachable' })
  })

  it('reads an error answer from Seam’s /health as unreachable', async () => {
    harness = await startHarness()
    harness.fakeSeam.failNext({ status: 503, contentType: 'text/html', body: '<html>down</html>' })
    const response = await fetch(`${gatewayOrigin()}/ready`)

    expect(await response.json()).toEqual({ status: 'ready', upstream: 'unreachable' })
    expect(healthChecksSeen()).toBe(1)
  })

  it('probes Seam at most once per interval, and never on the GraphQL path', async () => {
    harness = await startHarness({ gateway: { readyCheckIntervalMs: 60_000 } })
    await Promise.all([fetch(`${gatewayOrigin()}/ready`), fetch(`${gatewayOrigin()}/ready`)])
    await fetch(`${gatewayOrigin()}/ready`)
    for (let call = 0; call < 5; call += 1) await harness.graphql(readDocument, { headers: withApiKey })

    expect(healthChecksSeen()).toBe(1)
    expect(harness.fakeSeam.requests).toHaveLength(6)
  })

  it('probes again once the interval has passed', async () => {
    harness = await startHarness({ gateway: { readyCheckIntervalMs: 100 } })
    await fetch(`${gatewayOrigin()}/ready`)
    await new Promise((resolve) => setTimeout(resolve, 150))
    harness.fakeSeam.failNext({ status: 503 })
    const response = await fetch(`${gatewayOrigin()}/ready`)

    expect(await response.json()).toEqual({ status: 'ready', upstream: 'unreachable' })
    expect(healthChecksSeen()).toBe(2)
  })

  it('answers 503 once shutdown has begun, and tells keep-alive clients to go elsewhere', async () => {
    harness = await startHarness()
    harness.gateway.beginShutdown()
    const response = await fetch(`${gatewayOrigin()}/ready`)

    expect(response.status).toBe(503)
    expect(await response.json()).toEqual({ status: 'shutting_down' })
    expect(response.headers.get('connection')).toBe('close')
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })
})
