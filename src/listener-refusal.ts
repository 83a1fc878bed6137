/**
 * The answer of a request the listener refuses before either lane sees it (a body over the limit, a
 * Host and target that make no URL): a JSON GraphQL error with its code, told to the request log and
 * the metrics just before it is sent, so that they can count it and set its `x-request-id`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** A request refused by the listener: what the request log and the metrics need of it. */
export interface RefusedRequest {
  request: IncomingMessage
  /** Its answer (413, 400), not sent yet: a header set on it goes out with it. */
  response: ServerResponse
  /** When the listener got the request, in `performance.now()` time. */
  startedAt: number
  errorCode: 'PAYLOAD_TOO_LARGE' | 'BAD_REQUEST'
}

export type OnRefused = (refused: RefusedRequest) => void

export function sendRefusal(
  refused: RefusedRequest & { status: number; message: string },
  onRefused: OnRefused | undefined,
): void {
  const { request, response, startedAt, errorCode, status, message } = refused
  response.statusCode = status
  response.setHeader('content-type', 'application/json; charset=utf-8')
  onRefused?.({ request, response, startedAt, errorCode })
  response.end(JSON.stringify({ errors: [{ message, extensions: { code: errorCode } }] }))
}
