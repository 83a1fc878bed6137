/**
 * A Redis that keeps its connections open but answers nothing (a hung server, a network partition, where
 * no RST ever comes): the gateway must not go on sending it commands and waiting out each one's timeout.
 * After one command finds it silent, the connection is dropped and retried in the background: the rate
 * limits fall back to this replica's own counts at once, /ready says so, and sharing resumes when it answers.
 */
import { afterEach, describe, expect, it } from 'vitest'

import { connectRedis } from '../src/redis.js'
import { type Harness, startHarness } from './support/harness.js'
import { RedisServer } from './support/redis-server.js'
import { waitFor } from './support/wait-for.js'

const closers: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

async function redisServer(): Promise<RedisServer> {
  const redis = await RedisServer.start()
  closers.push(() => redis.stop())
  // Registered after stop, so run before it: a frozen server is woken to be stopped.
  closers.push(() => redis.resume())
  return redis
}

async function redisStatusOf(harness: Harness): Promise<unknown> {
  const response = await fetch(new URL('/ready', harness.gatewayUrl))
  return ((await response.json()) as { redis?: unknown }).redis
}

/** Asks /ready, one request at a time, until it says `expected` of Redis. */
async function untilRedisIs(harness: Harness, expected: string): Promise<void> {
  const deadline = performance.now() + 5_000
  while ((await redisStatusOf(harness)) !== expected) {
    if (performance.now() > deadline) throw new Error(`/ready never said "redis": "${expected}"`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe('a Redis that stops answering without closing its connections', () => {
  it('is given up after one silent command: later commands fail at once instead of each waiting its timeout', async () => {
    const server = await redisServer()
    const redis = connectRedis(server.url, { onError: () => {}, commandTimeoutMs: 200 })
    closers.push(() => redis.disconnect())
    await waitFor(() => redis.status === 'ready', 'the connection to Redis')
    server.pause()

    await expect(redis.get('a')).rejects.toThrow()
    expect(redis.status).not.toBe('ready')
    // Refused before it is written, not "Command timed out": nothing is sent to a connection found silent.
    await expect(redis.get('b')).rejects.toThrow(/enableOfflineQueue/)

    server.resume()
    await waitFor(() => redis.status === 'ready', 'the connection to Redis again')
    expect(await redis.get('c')).toBeNull()
  })

  it('makes /ready say "unreachable" and the rate limit count here, until Redis answers again', async () => {
    const server = await redisServer()
    const harness = await startHarness({ gateway: { rateLimitPerMinute: 100, redisUrl: server.url, metrics: {} } })
    closers.push(() => harness.close())
    await untilRedisIs(harness, 'ok')
    server.pause()

    // Decided by the insurance limiter once the command has timed out.
    expect((await harness.graphql('{ __typename }')).status).toBe(200)
    expect(await redisStatusOf(harness)).toBe('unreachable')
    expect((await harness.graphql('{ __typename }')).status).toBe(200)
    const metrics = await (await fetch(new URL('/metrics', harness.gatewayUrl))).text()
    expect(metrics).toMatch(/^graphql_gateway_rate_limit_local_decisions_total 2$/m)

    server.resume()
    await untilRedisIs(harness, 'ok')
  })
})
