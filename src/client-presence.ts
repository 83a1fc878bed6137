/**
 * Whether the client of a lean-lane request is still there, read the way the context reads yoga's
 * `request.signal`: `aborted` once its connection closed before the answer was written, and an `abort`
 * listener called then. Built on the connection's `close` event instead of an AbortController per
 * request, which cost 2.7 % of the gateway's busy time under load (`npm run bench:profile`); nearly
 * every request is answered before anyone needs to hear of an abort. The connection's, not the
 * response's: a pipelined response still waiting for its turn never emits `close` when the client goes.
 *
 * A keep-alive connection carries many requests: it gets one `close` listener, the first time one of its
 * requests listens, and each request then only joins or leaves its set. A listener of the connection's
 * own per request (`once`, then `off`) cost about 1 % of busy time, profiled: each `once` wraps the
 * listener, and each `off` searches the connection's list of listeners.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

import type { ClientSignal } from './seam/operation-calls.js'

export class ClientPresence implements ClientSignal {
  /** The presences listening on each connection, which has one `close` listener while this holds it. */
  static readonly #listening = new WeakMap<Socket, Set<ClientPresence>>()

  /**
   * A connection closed: each request still listening, and not answered yet, hears of it once. The
   * emitter calls a listener with itself as `this`: one function serves every connection, no closure each.
   */
  static #connectionClosed(this: Socket): void {
    const presences = ClientPresence.#listening.get(this)
    ClientPresence.#listening.delete(this)
    for (const presence of presences ?? []) presence.#clientWent()
  }

  readonly #request: IncomingMessage
  readonly #response: ServerResponse
  /** Usually one: the operation's calls listen once each request. */
  #listeners: (() => void)[] | undefined

  constructor(request: IncomingMessage, response: ServerResponse) {
    this.#request = request
    this.#response = response
  }

  /** The request's socket, not the response's: a pipelined response has none until its turn. */
  get aborted(): boolean {
    return this.#request.socket.destroyed && !this.#response.writableFinished
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.#listeners !== undefined) {
      this.#listeners.push(listener)
      return
    }
    this.#listeners = [listener]
    const socket = this.#request.socket
    const presences = ClientPresence.#listening.get(socket)
    if (presences !== undefined) {
      presences.add(this)
      return
    }
    ClientPresence.#listening.set(socket, new Set([this]))
    socket.once('close', ClientPresence.#connectionClosed)
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const listeners = this.#listeners
    if (listeners === undefined) return
    const at = listeners.indexOf(listener)
    if (at === -1) return
    listeners.splice(at, 1)
    if (listeners.length > 0) return
    this.#listeners = undefined
    // The connection keeps its listener (and an empty set) for the next request it carries.
    ClientPresence.#listening.get(this.#request.socket)?.delete(this)
  }

  #clientWent(): void {
    const listeners = this.#listeners
    this.#listeners = undefined
    if (listeners === undefined || this.#response.writableFinished) return
    for (const listener of listeners) listener()
  }
}
