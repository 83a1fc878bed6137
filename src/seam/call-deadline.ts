/**
 * One upstream call's deadline and its caller's presence, as one abort signal.
 *
 * The deadline covers the whole call, retries and the waits between them included. One timer per call,
 * cleared as soon as the call ends, instead of `AbortSignal.timeout` (whose timer lives until it
 * fires) combined with `AbortSignal.any` (which holds on to every signal it was given).
 */
import { setTimeout as sleep } from 'node:timers/promises'

import { type SeamError, SeamCancelledError, SeamTimeoutError } from './errors.js'

export class CallDeadline {
  readonly #controller = new AbortController()
  readonly #deadline: number
  readonly #timer: ReturnType<typeof setTimeout>
  readonly #callerSignal: AbortSignal | undefined
  #callerLeft = false

  constructor(
    readonly timeoutMs: number,
    /** Aborted when the client that asked goes away. */
    callerSignal: AbortSignal | undefined,
  ) {
    this.#deadline = performance.now() + timeoutMs
    this.#timer = setTimeout(() => this.#controller.abort(), timeoutMs)
    this.#callerSignal = callerSignal
    if (callerSignal?.aborted === true) this.#onCallerLeft()
    else callerSignal?.addEventListener('abort', this.#onCallerLeft, { once: true })
  }

  /** Aborts the call when the deadline has passed or the client has gone. */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  get aborted(): boolean {
    return this.#controller.signal.aborted
  }

  /** Whether a wait of `delayMs` still leaves time for another attempt. */
  allows(delayMs: number): boolean {
    return performance.now() + delayMs < this.#deadline
  }

  /** Why the call was aborted, as the error it ends with. */
  abortError(): SeamError {
    return this.#callerLeft ? new SeamCancelledError() : new SeamTimeoutError(this.timeoutMs)
  }

  /** Waits between attempts; ends early, with the abort's error, when the call is aborted. */
  async wait(delayMs: number): Promise<void> {
    try {
      await sleep(delayMs, undefined, { signal: this.signal })
    } catch {
      throw this.abortError()
    }
  }

  /** Ends the deadline: the timer and the listener on the caller's signal go with it. */
  dispose(): void {
    clearTimeout(this.#timer)
    this.#callerSignal?.removeEventListener('abort', this.#onCallerLeft)
  }

  readonly #onCallerLeft = () => {
    if (this.aborted) return
    this.#callerLeft = true
    this.#controller.abort()
  }
}
