/**
 * The upstream calls of one GraphQL operation, ended together once nobody needs their answers: when the
 * operation's result is ready, or when its client goes away.
 *
 * graphql-js answers as soon as a non-null field fails, while the operation's other calls may still be
 * in flight or queued behind the request's concurrency limit; `request.signal` does not abort after a
 * normal answer. Without an end, those calls would still go to Seam after the answer, unseen by the
 * request log, the metrics and the trace, which were written already. Ended, a call that has not
 * started is refused by the Seam client and never sent, and one in flight is cancelled through its
 * deadline (./call-deadline.ts) and recorded as cancelled.
 *
 * The calls in flight are held here and cancelled one by one: no AbortSignal for the calls to listen to,
 * and no listener on the request's signal until the operation makes its first call.
 */
import type { CallDeadline } from './call-deadline.js'

/**
 * What is read of a signal that aborts when the request's client goes away: yoga's `request.signal`,
 * or the lean lane's ClientPresence (../client-presence.ts). Its listeners are called once.
 */
export interface ClientSignal {
  readonly aborted: boolean
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void
  removeEventListener(type: 'abort', listener: () => void): void
}

export class OperationCalls {
  readonly #requestSignal: ClientSignal
  readonly #inFlight = new Set<CallDeadline>()
  #listening = false
  #ended = false
  #drained: { promise: Promise<void>; resolve: () => void } | undefined

  constructor(
    /** The HTTP request's signal: aborted when its client goes away. */
    requestSignal: ClientSignal,
  ) {
    this.#requestSignal = requestSignal
  }

  /** Whether a call that would start now is refused (SeamCancelledError) before anything is sent. */
  get ended(): boolean {
    return this.#ended || this.#requestSignal.aborted
  }

  /** A call starts: it is cancelled if the operation ends, or its client goes away, before it does. */
  add(call: CallDeadline): void {
    this.#inFlight.add(call)
    if (this.#listening) return
    this.#listening = true
    this.#requestSignal.addEventListener('abort', this.#cancelAll, { once: true })
  }

  /** A call has ended and been recorded. */
  delete(call: CallDeadline): void {
    this.#inFlight.delete(call)
    if (this.#inFlight.size === 0) this.#drained?.resolve()
  }

  /**
   * Ends the operation's calls: those not started never will be, those in flight are cancelled. Resolves
   * once these have ended and been recorded, so whatever reads the record next sees them; undefined
   * when nothing was in flight.
   */
  end(): Promise<void> | undefined {
    this.#ended = true
    if (this.#listening) this.#requestSignal.removeEventListener('abort', this.#cancelAll)
    this.#listening = false
    if (this.#inFlight.size === 0) return undefined
    if (this.#drained === undefined) {
      let resolve!: () => void
      const promise = new Promise<void>((resolved) => (resolve = resolved))
      this.#drained = { promise, resolve }
      this.#cancelAll()
    }
    return this.#drained.promise
  }

  // A cancelled call leaves the set later, once recorded: never while this loop runs.
  readonly #cancelAll = () => {
    for (const call of this.#inFlight) call.cancel()
  }
}
