/**
 * Refuses request bodies over a size with 413 and PAYLOAD_TOO_LARGE, before yoga reads any of it.
 *
 * Written by hand at the node:http level because neither yoga nor node:http has a body limit, and
 * because how the refusal is sent matters: a body announced too large by `content-length` is refused
 * at once, one sent in chunks as soon as it grows past the limit. Either way the connection is not cut
 * while the client is still sending (that would reset it, and the client could lose the answer before
 * reading it): the rest of the body is read and dropped, up to a bound, and the connection stays usable.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'

import { type RefusalOptions, sendRefusal } from './listener-refusal.js'

/** How much more a refused client may send, and for how long, before its connection is closed anyway. */
const drainMaxBytes = 16 * 1024 * 1024
const drainMaxMs = 10_000

/**
 * An empty body, as whatwg-node (yoga's adapter) takes it. It uses the body it finds on the request only
 * when that has own keys, which an empty Buffer has not (a Buffer's keys are its indexes), and otherwise
 * reads the request's stream, which has ended here: such a request would never be answered.
 */
const emptyBody = (): Buffer => Object.assign(Buffer.alloc(0), { empty: true })

/**
 * Marks the requests whose body this listener has read within the limit: yoga need not bound them again.
 * A property under a symbol only this module holds, not a WeakSet: a WeakSet entry per request cost
 * ~1 µs (its add and the collector's work on it) where the property costs a few nanoseconds.
 */
const bodyBounded = Symbol('bodyBounded')

/** What the listener hands on: node:http's request with its body already read (whatwg-node uses it). */
type RequestWithBody = IncomingMessage & { body?: Buffer; [bodyBounded]?: true }

/** Whether `request` (node:http's) came through `limitRequestBody`, its body read and within the limit. */
export const isBodyBounded = (request: unknown): boolean =>
  typeof request === 'object' && request !== null && (request as { [bodyBounded]?: true })[bodyBounded] === true

function refuse(
  request: IncomingMessage,
  response: ServerResponse,
  maxBytes: number,
  startedAt: number,
  options: RefusalOptions,
): void {
  const message = `The request body is larger than ${maxBytes} bytes.`
  sendRefusal({ request, response, startedAt, errorCode: 'PAYLOAD_TOO_LARGE', status: 413, message }, options)
  let drained = 0
  const giveUp = () => request.socket.destroy()
  const timer = setTimeout(giveUp, drainMaxMs)
  request.on('data', (chunk: Buffer) => {
    drained += chunk.length
    if (drained > drainMaxBytes) giveUp()
  })
  request.once('close', () => clearTimeout(timer))
}

export function limitRequestBody(
  listener: RequestListener,
  maxBytes: number,
  options: RefusalOptions = {},
): RequestListener {
  return (request: RequestWithBody, response) => {
    const startedAt = performance.now()
    if (Number(request.headers['content-length'] ?? 0) > maxBytes) {
      refuse(request, response, maxBytes, startedAt, options)
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= maxBytes) {
        chunks.push(chunk)
        return
      }
      request.off('data', onData)
      request.off('end', onEnd)
      refuse(request, response, maxBytes, startedAt, options)
    }
    const onEnd = () => {
      // A body that came in one chunk (nearly all of them) is that chunk: no copy.
      request.body = size === 0 ? emptyBody() : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
      request[bodyBounded] = true
      void listener(request, response)
    }
    request.on('data', onData)
    request.once('end', onEnd)
  }
}
