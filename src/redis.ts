/**
 * The Redis connection (REDIS_URL) that a gateway's replicas share their rate-limit counters and APQ
 * store through; one per gateway, used by both.
 *
 * Nothing a request does may wait on Redis: while the connection is down a command fails at once (no
 * offline queue, no retry of a command), and its user falls back to what this replica holds itself. The
 * connection is retried in the background, so sharing resumes when Redis is back.
 */
import { Redis } from 'ioredis'

export type { Redis } from 'ioredis'

export interface RedisConnectionOptions {
  /**
   * Told of the first connection error of each outage: ioredis raises one at every reconnection attempt
   * (unheard, they would be printed raw), which would be a log line every 2 s for as long as Redis is down.
   */
  onError: (error: Error) => void
  /**
   * A command that has not answered by then fails, and the caller falls back; a connection that has
   * answered nothing by then is dropped and made again. Default 500 ms.
   */
  commandTimeoutMs?: number
}

export function connectRedis(url: string, { onError, commandTimeoutMs = 500 }: RedisConnectionOptions): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // A connection that answers nothing for that long is dropped, which fails its commands, and retried in
    // the background: a hung Redis, or one behind a network partition that sends no RST, would otherwise
    // stay "ready" for minutes, and every command wait out its own timeout before its user fell back.
    socketTimeout: commandTimeoutMs,
    // For a connection that does answer, slowly: each command is still given up in the end.
    commandTimeout: 2 * commandTimeoutMs,
    // Reconnects every 0.1 s growing to 2 s: Redis is found again soon after it returns.
    retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
  })
  let told = false
  redis.on('error', (error: Error) => {
    if (told) return
    told = true
    onError(error)
  })
  redis.on('ready', () => {
    told = false
  })
  return redis
}
