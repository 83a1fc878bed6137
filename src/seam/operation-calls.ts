/**
 * The upstream calls of one GraphQL operation, ended together once nobody needs their answers: when the
 * operation's result is ready, or when its client goes away.
 *
 * graphql-js answers as soon as a non-null field fails, while the operation's other calls may still be
 * in flight or queued behind the request's concurrency limit; `request.signal` does not abort after a
 * normal answer. Without an end, those calls would still go to Seam after the answer, unseen by the
 * request log, the metrics and the trace, which were written already. Ended, a call that has not
 * started is never sent, and one in flight is aborted through its deadline (./call-deadline.ts) and
 * recorded as cancelled.
 */
import { setMaxListeners } from 'node:events'

import { SeamCancelledError } from './errors.js'

export class OperationCalls {
  readonly #controller = new AbortController()
  readonly #requestSignal: AbortSignal
  readonly #inFlight = new Set<Promise<unknown>>()
  #ended = false

  constructor(
    /** The HTTP request's signal: aborted when its client goes away. */
    requestSignal: AbortSignal,
  ) {
    this.#requestSignal = requestSignal
    // Each call in flight listens to it, up to SEAM_MAX_CONCURRENT_CALLS (256) of them: past Node's
    // default of 10, every operation would print a listener-leak warning.
    setMaxListeners(0, this.#controller.signal)
    if (requestSignal.aborted) this.#controller.abort()
    else requestSignal.addEventListener('abort', this.#abort, { once: true })
  }

  /** Aborted when the operation's calls have ended; each call's deadline listens to it. */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  /** Starts `call`, unless the operation's calls have ended: then it is refused and nothing is sent. */
  run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#ended || this.signal.aborted) return Promise.reject(new SeamCancelledError())
    const promise = call()
    this.#inFlight.add(promise)
    const settled = () => this.#inFlight.delete(promise)
    promise.then(settled, settled)
    return promise
  }

  /**
   * Ends the operation's calls: those not started never will be, those in flight are aborted. Resolves
   * once these have ended and been recorded, so whatever reads the record next sees them; undefined
   * when nothing was in flight.
   */
  end(): Promise<void> | undefined {
    this.#ended = true
    this.#requestSignal.removeEventListener('abort', this.#abort)
    // Aborting costs more than the rest of this class together (it makes a DOMException with a stack):
    // only when there is a call to abort.
    if (this.#inFlight.size === 0) return undefined
    this.#abort()
    return Promise.allSettled(this.#inFlight).then(() => undefined)
  }

  readonly #abort = () => {
    this.#controller.abort()
  }
}
