/**
 * At most `maxConcurrentCalls` upstream calls of one HTTP request in flight at once; the others wait
 * their turn. One federated query can name dozens of client sessions, and without a cap each would open
 * its own connection to Seam at the same moment, which Seam's rate limits answer with 429s.
 *
 * The cap is per HTTP request, not per operation: yoga gives each operation of a batched request its own
 * context, and a batch of ten operations must not get ten times the cap.
 */
import pLimit, { type LimitFunction } from 'p-limit'

export type ConcurrencyLimit = <T>(call: () => Promise<T>) => Promise<T>

export class RequestConcurrencyLimits {
  readonly #limits = new WeakMap<Request, LimitFunction>()

  constructor(readonly maxConcurrentCalls: number) {}

  /**
   * The limit that all the operations of `request` share. Made on the first call, not with the request:
   * building a limiter was 0.7 % of the gateway's busy time under load, and requests refused before
   * they run never call.
   */
  of(request: Request): ConcurrencyLimit {
    let limit = this.#limits.get(request)
    if (limit === undefined) {
      limit = pLimit(this.maxConcurrentCalls)
      this.#limits.set(request, limit)
    }
    return limit
  }
}
