/**
 * One upstream call's end, whichever comes first: its deadline, `timeoutMs` after it was sent (retries
 * and the waits between them included), or its cancellation, when nobody needs its answer any more (its
 * operation's result is ready, or its client went away: ./operation-calls.ts). Either ends the step the
 * call is taking at that moment: the attempt in flight, through undici's own abort (./upstream-attempt.ts),
 * or the wait before the next attempt.
 *
 * One timer per call, and no AbortController. Node keeps the timers of one duration in one list, so
 * setting and clearing one costs a few hundred nanoseconds; an AbortController with its signal, a listener
 * on the operation's signal and undici's own listener on the call's cost microseconds per call. A timer
 * per call rather than one coarse tick for the whole process: the deadline stays exact to the millisecond
 * and an idle gateway runs no timer at all.
 */
import { type SeamError, SeamCancelledError, SeamTimeoutError } from './errors.js'

export class CallDeadline {
  readonly #endsAt: number
  readonly #timer: ReturnType<typeof setTimeout>
  #endedBy: SeamError | undefined
  #stopStep: ((reason: SeamError) => void) | undefined

  constructor(readonly timeoutMs: number) {
    this.#endsAt = performance.now() + timeoutMs
    this.#timer = setTimeout(CallDeadline.#expire, timeoutMs, this)
  }

  /** Why the call ended before its answer (SeamTimeoutError or SeamCancelledError); undefined until it does. */
  get endedBy(): SeamError | undefined {
    return this.#endedBy
  }

  /** Whether a wait of `delayMs` still leaves time for another attempt. */
  allows(delayMs: number): boolean {
    return performance.now() + delayMs < this.#endsAt
  }

  /**
   * How to stop the step the call is taking now, should the call end before it is done: `stop` replaces
   * the previous step's, and runs at once when the call has ended already.
   */
  onEnd(stop: (reason: SeamError) => void): void {
    if (this.#endedBy === undefined) this.#stopStep = stop
    else stop(this.#endedBy)
  }

  /** Nobody needs the answer any more: the call ends with SeamCancelledError. */
  cancel(): void {
    this.#end(new SeamCancelledError())
  }

  /** Waits between attempts; ends early, with the reason, when the call does. */
  wait(delayMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, delayMs)
      this.onEnd((reason) => {
        clearTimeout(timer)
        reject(reason)
      })
    })
  }

  /** The call is over: its timer goes. */
  dispose(): void {
    clearTimeout(this.#timer)
    this.#stopStep = undefined
  }

  #end(reason: SeamError): void {
    if (this.#endedBy !== undefined) return
    this.#endedBy = reason
    const stop = this.#stopStep
    this.#stopStep = undefined
    stop?.(reason)
  }

  // Static, with the deadline as the timer's argument: no closure per call.
  static #expire(deadline: CallDeadline): void {
    deadline.#end(new SeamTimeoutError(deadline.timeoutMs))
  }
}
