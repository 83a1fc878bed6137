/**
 * Rate limits shared through Redis, with real parts throughout: a real `redis-server`
 * (test/support/redis-server.ts) and two gateway processes, `node dist/main.js` as `npm start` runs it
 * (built once, test/support/build-once.ts), each configured only through the environment, as two
 * replicas behind a load balancer would be. Redis is then stopped under traffic and started again.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { FakeSeam } from '../src/fake-seam/fake-seam.js'
import { type GatewayProcess, startGatewayProcess } from './support/gateway-process.js'
import { parseSamples } from './support/prometheus.js'
import { RedisServer } from './support/redis-server.js'
import { waitFor } from './support/wait-for.js'

const perMinute = 4
const burst = 2
/** What one caller may run before it is refused: the per-minute limit and the burst beyond it. */
const allowance = perMinute + burst
const redisPassword = 'SECRET-redis-password'

interface Replica extends GatewayProcess {
  origin: string
}

async function startReplica(env: Record<string, string>): Promise<Replica> {
  const started = startGatewayProcess('main', { PORT: '0', LOG_REQUESTS: 'false', ...env })
  return { ...started, origin: new URL(await started.graphqlUrl).origin }
}

/** One operation that calls no upstream: what the limit counts is operations, whatever they do. */
async function operation(replica: Replica, token: string): Promise<{ status: number; code: string | undefined }> {
  const response = await fetch(`${replica.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ __typename }' }),
  })
  const body = (await response.json()) as { data?: unknown; errors?: { extensions: { code: string } }[] }
  return { status: response.status, code: body.errors?.[0]?.extensions.code }
}

/** How many of `count` operations of one caller, sent to the replicas in turn, were let through. */
async function admittedAcross(replicas: Replica[], token: string, count: number): Promise<number> {
  let through = 0
  for (let index = 0; index < count; index++) {
    const answer = await operation(replicas[index % replicas.length]!, token)
    if (answer.code === undefined) through++
    else expect(answer).toEqual({ status: 429, code: 'RATE_LIMITED' })
  }
  return through
}

async function readyOf(replica: Replica): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${replica.origin}/ready`)
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

async function waitForRedis(replica: Replica, redis: 'ok' | 'unreachable'): Promise<void> {
  let last: Record<string, unknown> = {}
  const deadline = performance.now() + 10_000
  while (performance.now() < deadline) {
    const ready = await readyOf(replica)
    // Never unready because of Redis.
    expect(ready.status).toBe(200)
    last = ready.body
    if (last['redis'] === redis) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`/ready never said redis ${redis}; last: ${JSON.stringify(last)}`)
}

async function localDecisions(replica: Replica): Promise<number> {
  const text = await (await fetch(`${replica.origin}/metrics`)).text()
  const sample = parseSamples(text).find(({ name }) => name === 'graphql_gateway_rate_limit_local_decisions_total')
  return sample?.value ?? Number.NaN
}

const occurrences = (text: string, part: string) => text.split(part).length - 1
const fellBack = 'Redis (REDIS_URL) does not answer'
const resumed = 'Redis (REDIS_URL) answers again'

describe.sequential('two gateway processes sharing one Redis', () => {
  let redis: RedisServer
  let fakeSeam: FakeSeam
  let replicas: Replica[] = []

  beforeAll(async () => {
    redis = await RedisServer.start()
    fakeSeam = new FakeSeam({ workspaceId: '11111111-2222-4333-8444-555555555555' })
    const seamEndpoint = await fakeSeam.listen()
    const env = {
      SEAM_ENDPOINT: seamEndpoint,
      RATE_LIMIT_PER_MINUTE: String(perMinute),
      RATE_LIMIT_BURST: String(burst),
      METRICS_ENABLED: 'true',
    }
    const withPassword = new URL(redis.url)
    // This Redis asks for none: ioredis sends it anyway, and it must never show.
    withPassword.password = redisPassword
    replicas = await Promise.all([
      startReplica({ ...env, REDIS_URL: redis.url }),
      startReplica({ ...env, REDIS_URL: withPassword.href }),
    ])
  }, 60_000)

  afterAll(async () => {
    for (const replica of replicas) {
      replica.child.kill('SIGTERM')
      expect(await replica.exited).toBe(0)
    }
    await redis.stop()
    await fakeSeam.close()
  })

  it('says on /ready that Redis is connected', async () => {
    for (const replica of replicas) await waitForRedis(replica, 'ok')
    expect((await readyOf(replicas[0]!)).body).toMatchObject({ status: 'ready', redis: 'ok' })
  })

  it('enforces one limit together: a caller gets its operations once, not once per replica', async () => {
    expect(await admittedAcross(replicas, 'seam_caller_shared', allowance + 4)).toBe(allowance)
    // Each replica refuses it now, whichever it asks.
    for (const replica of replicas) {
      expect(await operation(replica, 'seam_caller_shared')).toEqual({ status: 429, code: 'RATE_LIMITED' })
    }
    // Another caller has its own count.
    expect(await admittedAcross(replicas, 'seam_caller_other', allowance)).toBe(allowance)
  })

  it('keeps answering while Redis is stopped under traffic, each replica counting alone, and shares again once it is back', async () => {
    const answered: { status: number; code: string | undefined }[] = []
    let running = true
    // Traffic on both replicas all along: every request gets an answer, none waits for Redis.
    const traffic = replicas.map(async (replica, index) => {
      for (let sent = 0; running; sent++) answered.push(await operation(replica, `seam_traffic_${index}_${sent}`))
    })
    await waitFor(() => answered.length >= 10, 'traffic before the outage')

    await redis.stop()
    for (const replica of replicas) await waitForRedis(replica, 'unreachable')
    const duringOutage = answered.length
    await waitFor(() => answered.length >= duringOutage + 10, 'traffic during the outage')
    // Each replica counts alone: a caller gets its operations on each.
    for (const replica of replicas) {
      expect(await admittedAcross([replica], 'seam_caller_outage', allowance + 2)).toBe(allowance)
    }
    for (const replica of replicas) expect(await localDecisions(replica)).toBeGreaterThan(allowance)

    await redis.start()
    for (const replica of replicas) await waitForRedis(replica, 'ok')
    const afterOutage = answered.length
    await waitFor(() => answered.length >= afterOutage + 10, 'traffic after the outage')
    running = false
    await Promise.all(traffic)
    // Sharing again: one count for both.
    expect(await admittedAcross(replicas, 'seam_caller_after', allowance + 4)).toBe(allowance)

    expect(answered.every((answer) => answer.status === 200 && answer.code === undefined)).toBe(true)
    for (const replica of replicas) {
      // One line when the replica began counting alone, one when it shared again: not one per request.
      expect([occurrences(replica.output(), fellBack), occurrences(replica.output(), resumed)]).toEqual([1, 1])
    }
  })

  it('never prints the password of REDIS_URL', () => {
    const outputs = replicas.map((replica) => replica.output()).join('\n')
    // Lines about Redis were printed (the connection's error, when ioredis reports one before Redis is
    // back, and the rate limit's fallback, always): none names its password.
    expect(outputs).toContain('Redis (REDIS_URL) does not answer')
    expect(outputs).not.toContain(redisPassword)
  })
})
