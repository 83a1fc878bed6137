/**
 * The APQ store's share in Redis is bounded as its local one is: a client that registers document after
 * document (each a new text, so a new hash) must not fill the Redis every replica shares, and the rate
 * limits with it. A real redis-server on a loopback port.
 */
import { createHash } from 'node:crypto'

import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { apqKeyPrefix, ApqStore } from '../src/persisted/apq-store.js'
import { connectRedis } from '../src/redis.js'
import { RedisServer } from './support/redis-server.js'
import { waitFor } from './support/wait-for.js'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const document = (index: number) => `query Registered${index} { __typename }`

describe('the APQ store in Redis', () => {
  let redisServer: RedisServer
  let redis: Redis
  let inspector: Redis

  beforeAll(async () => {
    redisServer = await RedisServer.start()
    redis = connectRedis(redisServer.url, { onError: () => {} })
    inspector = new Redis(redisServer.url)
    await waitFor(() => redis.status === 'ready' && inspector.status === 'ready', 'Redis')
  })

  afterAll(async () => {
    redis.disconnect()
    inspector.disconnect()
    await redisServer.stop()
  })

  it('keeps no more documents than the store’s capacity, forgetting the oldest registered first', async () => {
    const capacity = 3
    const store = new ApqStore(capacity, redis)
    const registered = Array.from({ length: 20 }, (_, index) => document(index))
    for (const query of registered) store.set(sha256(query), query)
    // The writes are not awaited by `set`; a command sent after them is answered after them.
    await inspector.ping()
    await redis.ping()

    const documentKeys = (await inspector.keys(`${apqKeyPrefix}*`)).filter((key) =>
      /^[\da-f]{64}$/.test(key.slice(apqKeyPrefix.length)),
    )
    expect(documentKeys.sort()).toEqual(
      registered
        .slice(-capacity)
        .map((query) => apqKeyPrefix + sha256(query))
        .sort(),
    )
    // Nothing else the store keeps grows with the registrations either.
    expect(await inspector.dbsize()).toBeLessThanOrEqual(capacity + 2)

    // Another replica's store still finds what is kept, and only that.
    const other = new ApqStore(capacity, redis)
    expect(await other.get(sha256(registered.at(-1)!))).toBe(registered.at(-1))
    expect(await other.get(sha256(registered[0]!))).toBeUndefined()
  })
})
