/**
 * One attempt of an upstream call: the request sent once through undici's `dispatch`, and its whole
 * answer collected, or the error that ended it.
 *
 * undici's `request()` wraps each answer in a Readable stream (and its AsyncResource) to be consumed, and
 * takes an AbortSignal to end the request early. An upstream call needs neither: it reads every answer
 * whole, never more than the pool's `maxResponseSize`, and it is ended through the controller undici hands
 * this handler, when its deadline says so (./call-deadline.ts).
 */
import type { Dispatcher } from 'undici'

import type { CallDeadline } from './call-deadline.js'
import type { SeamError } from './errors.js'

export type ResponseHeaders = Record<string, string | string[] | undefined>

export class UpstreamAttempt implements Dispatcher.DispatchHandler {
  /** The answer's status and headers, once they have arrived (also when its body then fails). */
  status: number | undefined
  headers: ResponseHeaders | undefined
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
  #controller: Dispatcher.DispatchController | undefined
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

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller
    // Stopped while it waited for a connection: undici never writes a request aborted here.
    if (this.#stoppedBy !== undefined) controller.abort(this.#stoppedBy)
  }

  onResponseStart(_: Dispatcher.DispatchController, statusCode: number, headers: ResponseHeaders): void {
    // 1xx answers are informational: the answer follows.
    if (statusCode < 200) return
    this.status = statusCode
    this.headers = headers
    // undici may start a request over when a connection fails under it: only the last answer counts.
    this.#chunks.length = 0
  }

  onResponseData(_: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#chunks.push(chunk)
  }

  onResponseEnd(): void {
    const chunks = this.#chunks
    this.#text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')
    // Decoded: the chunks' memory goes now, not with the attempt.
    chunks.length = 0
    this.#resolve()
  }

  /** The answer's body as text, once it has `arrived`; given once. */
  takeText(): string {
    const text = this.#text!
    this.#text = undefined
    return text
  }

  onResponseError(_: Dispatcher.DispatchController, error: Error): void {
    this.#reject(error)
  }

  /**
   * Ends the attempt for its call's deadline or cancellation, at once: sent, undici aborts it and drops
   * its connection; still waiting for a connection, it is aborted when its turn comes, before it is written.
   */
  readonly #stop = (reason: SeamError) => {
    this.#stoppedBy = reason
    this.#reject(reason)
    this.#controller?.abort(reason)
  }
}
