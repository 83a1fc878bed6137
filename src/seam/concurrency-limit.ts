/**
 * At most `maxConcurrentCalls` upstream calls of one HTTP request in flight at once; the others wait
 * their turn. One federated query can name dozens of client sessions, and without a cap each would open
 * its own connection to Seam at the same moment, which Seam's rate limits answer with 429s.
 *
 * The cap is per HTTP request, not per operation: yoga gives each operation of a batched request its own
 * context, and a batch of ten operations must not get ten times the cap.
 *
 * Written here rather than taken from p-limit: nearly every request makes one call, and that call should
 * cost a counter, not a limiter. p-limit built its queue and closures on the first call of every request
 * and sent every call through a promise of its own; here a call that finds a free slot starts at once,
 * and only a call that must wait makes a promise.
 */

import { startedCall } from './started-call.js'

export class ConcurrencyLimit {
  #inFlight = 0
  /** Calls waiting for a slot, first come first served; made when the first one has to wait. */
  #waiting: (() => void)[] | undefined

  constructor(readonly maxConcurrentCalls: number) {}

  /** Runs `call` as soon as a slot is free; the slot is free again when its promise settles. */
  run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#inFlight < this.maxConcurrentCalls) {
      this.#inFlight += 1
      return this.#holdingSlot(call)
    }
    // The slot is handed over by the call that frees it (see #release): never counted free in between,
    // so a call that arrives meanwhile cannot take it as well.
    return new Promise<void>((resolve) => (this.#waiting ??= []).push(resolve)).then(() => this.#holdingSlot(call))
  }

  #holdingSlot<T>(call: () => Promise<T>): Promise<T> {
    const promise = startedCall(call)
    promise.then(this.#release, this.#release)
    return promise
  }

  readonly #release = () => {
    const next = this.#waiting?.shift()
    if (next === undefined) this.#inFlight -= 1
    else next()
  }
}

/**
 * The limits of one gateway, one per HTTP request, kept on the request itself, under a symbol of this
 * gateway's own: a lookup is a property read, where a WeakMap keyed by requests makes a hash and an
 * entry for the garbage collector of every request. A host that hands two gateways one Request (a fetch
 * router trying one, then the other) gets a limit from each. A request that cannot take a property
 * (frozen or sealed by its host) has its limit in a WeakMap instead.
 */
export class RequestConcurrencyLimits {
  readonly #slot = Symbol('upstream concurrency limit')
  #ofUnextensible: WeakMap<object, ConcurrencyLimit> | undefined

  constructor(readonly maxConcurrentCalls: number) {}

  /**
   * The limit that all the operations of `request` (yoga's Request, or the lean lane's stand-in for it)
   * share. Made on the first call, not with the request: requests refused before they run never call.
   */
  of(request: object): ConcurrencyLimit {
    const holder = request as Record<symbol, ConcurrencyLimit | undefined>
    const held = holder[this.#slot] ?? this.#ofUnextensible?.get(request)
    if (held !== undefined) return held
    const limit = new ConcurrencyLimit(this.maxConcurrentCalls)
    if (Object.isExtensible(request)) holder[this.#slot] = limit
    else (this.#ofUnextensible ??= new WeakMap()).set(request, limit)
    return limit
  }
}
