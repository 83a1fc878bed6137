/**
 * Whether the client of a lean-lane request is still there, read the way the context reads yoga's
 * `request.signal`: `aborted` once its connection closed before the answer was written, and an `abort`
 * listener called then. Built on the connection's `close` event instead of an AbortController per
 * request, which cost 2.7 % of the gateway's busy time under load (`npm run bench:profile`); nearly
 * every request is answered before anyone needs to hear of an abort. The connection's, not the
 * response's: a pipelined response still waiting for its turn never emits `close` when the client goes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

import type { ClientSignal } from './seam/operation-calls.js'

export class ClientPresence implements ClientSignal {
  readonly #request: IncomingMessage
  readonly #response: ServerResponse
  #listeners: Map<() => void, () => void> | undefined

  constructor(request: IncomingMessage, response: ServerResponse) {
    this.#request = request
    this.#response = response
  }

  /** The request's socket, not the response's: a pipelined response has none until its turn. */
  get aborted(): boolean {
    return this.#request.socket.destroyed && !this.#response.writableFinished
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    const onClose = () => {
      this.#listeners?.delete(listener)
      if (!this.#response.writableFinished) listener()
    }
    ;(this.#listeners ??= new Map()).set(listener, onClose)
    this.#request.socket.once('close', onClose)
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const onClose = this.#listeners?.get(listener)
    if (onClose === undefined) return
    this.#listeners!.delete(listener)
    this.#request.socket.off('close', onClose)
  }
}
