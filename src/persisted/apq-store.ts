/**
 * Where automatic persisted queries are kept: query text by the sha256 hex of it. Always in this
 * process, in a bounded LRU; with REDIS_URL, in Redis too, so that a hash registered with one replica
 * runs on every other.
 *
 * Redis never makes a request wait or fail: a command is sent only while the connection is ready (a
 * broken one fails at once anyway, ../redis.ts), and an error or a timeout is a miss, answered from the
 * local store. What is registered while Redis is away stays local; clients register it again where it
 * is missing (they re-send the text on PERSISTED_QUERY_NOT_FOUND).
 *
 * Redis holds no more documents than this process does (the store's capacity): a client that registers
 * one new text after another must not fill the Redis every replica shares, rate limits included. Each
 * registration is one script, run atomically, that keeps the hashes in the order they were last registered
 * and deletes the oldest documents beyond the capacity.
 */
import { LruCache } from '../prepared/lru-cache.js'
import type { Redis } from '../redis.js'

/** Redis keys are this, then the hash: one Redis may serve other applications too. */
export const apqKeyPrefix = 'seam-gateway:apq:'
/** How long Redis keeps a document after its last registration. */
export const apqTtlSeconds = 24 * 60 * 60
/** The hashes kept in Redis, scored by the order they were last registered in. */
const apqIndexKey = 'seam-gateway:apq-index'

// KEYS: the index, the document's key. ARGV: the hash, the text, the TTL, the capacity, the key prefix.
const registerScript = `
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('ZADD', KEYS[1], (tonumber(newest[2]) or 0) + 1, ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
if excess > 0 then
  for _, hash in ipairs(redis.call('ZRANGE', KEYS[1], 0, excess - 1)) do redis.call('DEL', ARGV[5] .. hash) end
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1)
end
`

export class ApqStore {
  readonly #local: LruCache<string, string>
  readonly #redis: Redis | undefined
  readonly #capacity: number

  constructor(capacity: number, redis: Redis | undefined) {
    this.#local = new LruCache(capacity)
    this.#capacity = capacity
    this.#redis = redis
  }

  /** The text registered under `hash`, or undefined; never rejects. */
  get(hash: string): string | undefined | Promise<string | undefined> {
    const local = this.#local.get(hash)
    const redis = this.#redis
    if (local !== undefined || redis === undefined || redis.status !== 'ready') return local
    return redis.get(apqKeyPrefix + hash).then(
      (shared) => {
        if (shared === null) return undefined
        this.#local.set(hash, shared)
        return shared
      },
      () => undefined,
    )
  }

  /** Registers `query` under `hash` (its sha256), here at once and in Redis without waiting for it. */
  set(hash: string, query: string): void {
    this.#local.set(hash, query)
    const redis = this.#redis
    if (redis === undefined || redis.status !== 'ready') return
    redis
      .eval(
        registerScript,
        2,
        apqIndexKey,
        apqKeyPrefix + hash,
        hash,
        query,
        apqTtlSeconds,
        this.#capacity,
        apqKeyPrefix,
      )
      .catch(() => {})
  }
}
