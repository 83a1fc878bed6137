/**
 * At most `maxConcurrentCalls` upstream calls of one request in flight at once; the others wait their
 * turn. One federated query can name dozens of client sessions, and without a cap each would open its
 * own connection to Seam at the same moment, which Seam's rate limits answer with 429s.
 */
import pLimit from 'p-limit'

import type { SeamCaller } from './client.js'

/** SEAM_MAX_CONCURRENT_CALLS when unset. */
export const defaultMaxConcurrentCalls = 8

export function withConcurrencyLimit(caller: SeamCaller, maxConcurrentCalls: number): SeamCaller {
  // Made on the first call, not with the request: building a limiter was 0.7 % of the gateway's busy
  // time under load, and requests refused before they run never call.
  let limit: ReturnType<typeof pLimit> | undefined
  return { post: (endpoint, body) => (limit ??= pLimit(maxConcurrentCalls))(() => caller.post(endpoint, body)) }
}
