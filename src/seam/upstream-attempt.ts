/**
 * One attempt of an upstream call: the request sent once through undici's `dispatch`, and its whole
 * answer collected, or the error that ended it.
 *
 * undici's `request()` wraps each answer in a Readable stream (and its AsyncResource) to be consumed, and
 * takes an AbortSignal to end the request early. An upstream call needs neither: it reads every answer
 * whole, never more than the pool's `maxResponseSize`, and it is ended through the abort function undici
 * hands this handler, when its deadline says so (./call-deadline.ts).
 *
 * The handler has the methods undici's own `request()` implements (`onConnect`, `onHeaders`, `onData`,
 * `onComplete`, `onError`), which undici 7's types mark deprecated, rather than the newer `onRequestStart`
 * family. undici runs a handler of the newer kind through an adapter that makes an object of every header
 * of every answer (`parseHeaders`) and a controller for each attempt, where a call reads two headers.
 * Measured with `bench/seam-call-cost.ts`, one read: ~5 µs a call less (100.4 against 95.6 µs, 9 rounds).
 * The methods are undici 7's core interface, the one its dispatchers call.
 */
import type { Dispatcher } from 'undici'

import type { CallDeadline } from './call-deadline.js'
import type { SeamError } from './errors.js'

export class UpstreamAttempt implements Dispatcher.DispatchHandler {
  /** The answer's status, once its headers have arrived (also when its body then fails). */
  status: number | undefined
  /**
   * Resolves once the whole answer has arrived (then `takeText()` has its body), or rejects with undici's
   * error or the reason the call ended early. Not resolved with the text itself: this promise is old by
   * the time the answer arrives and would keep the text alive until the next full garbage collection
   * (../prepared/let-go-of-answers.ts).
   */
  readonly arrived: Promise<void>
  #text: string | undefined
  #resolve!: () => void
  #reject!: (error: Error) => void
  /** The answer's headers as undici read them: name, value, name, value… */
  #rawHeaders: Buffer[] = []
  #abort: ((reason: Error) => void) | undefined
  #stoppedBy: SeamError | undefined
  readonly #chunks: Buffer[] = []

  constructor(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, deadline: CallDeadline) {
    this.arrived = new Promise((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    deadline.onEnd(this.#stop)
    if (this.#stoppedBy === undefined) dispatcher.dispatch(options, this)
  }

  onConnect(abort: (reason: Error) => void): void {
    this.#abort = abort
    // Stopped while it waited for a connection: undici never writes a request aborted here.
    if (this.#stoppedBy !== undefined) abort(this.#stoppedBy)
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    // 1xx answers are informational: the answer follows.
    if (statusCode < 200) return true
    this.status = statusCode
    this.#rawHeaders = rawHeaders
    // undici may start a request over when a connection fails under it: only the last answer counts.
    this.#chunks.length = 0
    return true
  }

  onData(chunk: Buffer): boolean {
    this.#chunks.push(chunk)
    return true
  }

  onComplete(): void {
    const chunks = this.#chunks
    this.#text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')
    // Decoded: the chunks' memory goes now, not with the attempt.
    chunks.length = 0
    this.#resolve()
  }

  onError(error: Error): void {
    this.#reject(error)
  }

  /** The answer's body as text, once it has `arrived`; given once. */
  takeText(): string {
    const text = this.#text!
    this.#text = undefined
    return text
  }

  /**
   * The first value of the answer's header `name` (lower case), once its headers have arrived. Only a name
   * of the same length is decoded to be compared.
   */
  header(name: string): string | undefined {
    const rawHeaders = this.#rawHeaders
    for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
      const key = rawHeaders[index]!
      if (key.length === name.length && key.toString('latin1').toLowerCase() === name) {
        return rawHeaders[index + 1]!.toString('latin1')
      }
    }
    return undefined
  }

  /**
   * Ends the attempt for its call's deadline or cancellation, at once: sent, undici aborts it and drops
   * its connection; still waiting for a connection, it is aborted when its turn comes, before it is written.
   */
  readonly #stop = (reason: SeamError) => {
    this.#stoppedBy = reason
    this.#reject(reason)
    this.#abort?.(reason)
  }
}
