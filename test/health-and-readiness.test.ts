import { createServer } from 'node:net'

import { afterEach, describe, expect, it } from 'vitest'

import { FakeSeam } from '../src/fake-seam/fake-seam.js'
import { createGateway } from '../src/gateway.js'
import { readDocument } from './support/faults.js'
import { type Harness, startHarness, withApiKey, workspaceId } from './support/harness.js'
import { waitFor } from './support/wait-for.js'

let harness: Harness
const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

async function start(options?: Parameters<typeof startHarness>[0]): Promise<void> {
  const started = await startHarness(options)
  closers.push(() => started.close())
  harness = started
}

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
    await start({ gateway: { seamEndpoint: `http://127.0.0.1:${await closedPort()}` } })
    expect((await fetch(`${gatewayOrigin()}/health`)).status).toBe(200)

    await start()
    harness.fakeSeam.failNext({ status: 500 }, { status: 500 })
    expect((await fetch(`${gatewayOrigin()}/health`)).status).toBe(200)
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })
})

describe('/ready', () => {
  const ready = async () => {
    const response = await fetch(`${gatewayOrigin()}/ready`)
    return { status: response.status, body: await response.json() }
  }
  /** Asks /ready until it says `upstream`: the background probe answers in its own time. */
  const readyUntil = async (upstream: string) => {
    let last: unknown
    const deadline = performance.now() + 5_000
    while (performance.now() < deadline) {
      last = (await ready()).body
      if ((last as { upstream?: string }).upstream === upstream) return last
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    throw new Error(`/ready never said ${upstream}; last: ${JSON.stringify(last)}`)
  }

  it('answers 200 with "unknown" until its first probe of Seam’s /health has answered, then "reachable"', async () => {
    await start()

    expect(await ready()).toEqual({ status: 200, body: { status: 'ready', upstream: 'unknown' } })
    expect(await readyUntil('reachable')).toEqual({ status: 'ready', upstream: 'reachable' })
    expect(harness.fakeSeam.requests.map(({ method, path }) => `${method} ${path}`)).toEqual(['GET /health'])
  })

  it('says when Seam is unreachable, and stays 200: every replica shares the one Seam', async () => {
    await start({ gateway: { seamEndpoint: `http://127.0.0.1:${await closedPort()}` } })
    await readyUntil('unreachable')

    expect(await ready()).toEqual({ status: 200, body: { status: 'ready', upstream: 'unreachable' } })
  })

  it('reads an error answer from Seam’s /health as unreachable', async () => {
    await start()
    harness.fakeSeam.failNext({ status: 503, contentType: 'text/html', body: '<html>down</html>' })
    await readyUntil('unreachable')

    expect(healthChecksSeen()).toBe(1)
  })

  it('answers at once while Seam’s /health does not answer at all, and then says "unreachable"', async () => {
    // The probe gives up after the interval, long before SEAM_TIMEOUT_MS: /ready used to wait that long.
    await start({ gateway: { upstreamTimeoutMs: 5_000, readyCheckIntervalMs: 200 } })
    harness.fakeSeam.failRandomly(1, [{ hang: true }])
    const timedReady = async () => {
      const startedAt = performance.now()
      const answer = await ready()
      return { answer, durationMs: performance.now() - startedAt }
    }

    const first = await timedReady()
    expect(first.answer).toEqual({ status: 200, body: { status: 'ready', upstream: 'unknown' } })
    // A second probe is sent only once the first has given up.
    await waitFor(() => healthChecksSeen() >= 2, 'a second probe')
    const later = await timedReady()
    expect(later.answer).toEqual({ status: 200, body: { status: 'ready', upstream: 'unreachable' } })
    // Generous: a probe that waited for Seam would take SEAM_TIMEOUT_MS, 5 s.
    expect(first.durationMs).toBeLessThan(2_500)
    expect(later.durationMs).toBeLessThan(2_500)
  })

  it('probes Seam once per interval, however often /ready is asked, and never on the GraphQL path', async () => {
    await start({ gateway: { readyCheckIntervalMs: 60_000 } })
    await Promise.all([ready(), ready()])
    await readyUntil('reachable')
    for (let call = 0; call < 5; call += 1) await harness.graphql(readDocument, { headers: withApiKey })

    expect(healthChecksSeen()).toBe(1)
    expect(harness.fakeSeam.requests).toHaveLength(6)
  })

  it('probes again every interval: /ready follows Seam as it goes down and comes back', async () => {
    await start({ gateway: { readyCheckIntervalMs: 100 } })
    await readyUntil('reachable')
    harness.fakeSeam.failRandomly(1, [{ status: 503 }])
    await readyUntil('unreachable')
    harness.fakeSeam.failRandomly(0, [])
    await readyUntil('reachable')

    expect(healthChecksSeen()).toBeGreaterThanOrEqual(3)
  })

  it('abandons a probe in flight when the gateway closes, instead of waiting for Seam', async () => {
    // A gateway without the harness's server: the test closes it itself.
    const fakeSeam = new FakeSeam({ workspaceId })
    const seamEndpoint = await fakeSeam.listen()
    closers.push(() => fakeSeam.close())
    const gateway = createGateway({ seamEndpoint, upstreamTimeoutMs: 5_000, readyCheckIntervalMs: 60_000 })
    fakeSeam.failNext({ hang: true })
    const answer = await gateway.yoga.fetch('http://gateway.test/ready')
    expect(await answer.json()).toEqual({ status: 'ready', upstream: 'unknown' })
    await waitFor(() => fakeSeam.requests.length === 1, 'the probe to reach Seam')
    const startedAt = performance.now()
    await gateway.close()

    // Generous: waiting for the probe would take SEAM_TIMEOUT_MS, 5 s.
    expect(performance.now() - startedAt).toBeLessThan(2_500)
  })

  it('answers 503 once shutdown has begun, and tells keep-alive clients to go elsewhere', async () => {
    await start()
    harness.gateway.beginShutdown()
    const response = await fetch(`${gatewayOrigin()}/ready`)

    expect(response.status).toBe(503)
    expect(await response.json()).toEqual({ status: 'shutting_down' })
    expect(response.headers.get('connection')).toBe('close')
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })
})
