/**
 * The answer of a request the listener refuses before either lane sees it (a body over the limit, a
 * Host and target that make no URL): a JSON GraphQL error with its code, told to the request log and
 * the metrics just before it is sent, so that they can count it and set its `x-request-id`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

import type { CorsHeaders } from './cors.js'

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

/** What the listener's checks (./request-body-limit.ts, ./request-target.ts) answer their refusals with. */
export interface RefusalOptions {
  /**
   * Told of each request refused, just before its answer is sent: neither lane, which logs and counts
   * the others, sees it.
   */
  onRefused?: OnRefused | undefined
  /**
   * The CORS policy both lanes answer by (./cors.ts). Without its headers, a page of an allowed origin
   * would see an opaque CORS failure in place of the refusal and its code.
   */
  cors?: CorsHeaders | undefined
}

export function sendRefusal(
  refused: RefusedRequest & { status: number; message: string },
  { onRefused, cors }: RefusalOptions,
): void {
  const { request, response, startedAt, errorCode, status, message } = refused
  response.statusCode = status
  response.setHeader('content-type', 'application/json; charset=utf-8')
  if (cors !== undefined) {
    for (const [name, value] of Object.entries(cors(request.headers.origin))) response.setHeader(name, value)
  }
  onRefused?.({ request, response, startedAt, errorCode })
  response.end(JSON.stringify({ errors: [{ message, extensions: { code: errorCode } }] }))
}
