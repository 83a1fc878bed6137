/**
 * The request body limit for requests that did not come through `limitRequestBody`
 * (../request-body-limit.ts): a gateway embedded as `gateway.yoga` in an application's own server.
 *
 * yoga's own limit (`maxRequestBodySize`) is turned off in ../gateway.ts: it pipes every body through a
 * TransformStream, which costs an AbortController and a DOMException per request (about 5 % of the
 * gateway's CPU in `npm run bench:profile`), even when the body was read and bounded already. This one
 * does what it does, but only for the requests that need it: a `content-length` over the limit is
 * refused at once, a body sent in chunks as soon as it grows past it.
 */
import { createGraphQLError, type FetchAPI, type Plugin } from 'graphql-yoga'

import { isBodyBounded } from '../request-body-limit.js'
import { gatewayError } from '../seam/errors.js'

const payloadTooLarge = (maxBytes: number) =>
  gatewayError(`The request body is larger than ${maxBytes} bytes.`, 'PAYLOAD_TOO_LARGE', {
    http: { status: 413 },
  })

/** The same request, whose body fails as soon as more than `maxBytes` of it have been read. */
function bounded(request: Request, body: ReadableStream<Uint8Array>, maxBytes: number, fetchAPI: FetchAPI): Request {
  // A native stream (undici's fetch) needs a native TransformStream, the ponyfill's needs the ponyfill's.
  const Transform = body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream
  let size = 0
  const limited = body.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength
        if (size > maxBytes) controller.error(payloadTooLarge(maxBytes))
        else controller.enqueue(chunk)
      },
    }),
  )
  return new fetchAPI.Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body: limited,
    duplex: 'half',
  } as RequestInit)
}

export function useRequestBodyLimit(maxBytes: number): Plugin {
  return {
    onRequestParse({ request, serverContext, requestParser, setRequestParser, fetchAPI }) {
      if (isBodyBounded((serverContext as { req?: unknown }).req)) return
      const length = request.headers.get('content-length')
      if (length !== null && !/^\d+$/.test(length)) {
        throw createGraphQLError('The content-length header is not a number.', {
          extensions: { http: { status: 400 }, code: 'BAD_REQUEST' },
        })
      }
      if (length !== null && Number(length) > maxBytes) throw payloadTooLarge(maxBytes)
      const body = request.body
      if (requestParser === undefined || body === null) return
      setRequestParser((parsed) => requestParser(bounded(parsed, body, maxBytes, fetchAPI)))
    },
  }
}
