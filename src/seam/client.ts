/**
 * The REST client for the Seam Connect API, on one keep-alive undici Pool per gateway.
 *
 * Every call is a POST with a JSON body (Seam serves all endpoints that way), bounded by one overall
 * time budget. Whatever goes wrong becomes one of the typed errors in ./errors.ts; the caller never
 * sees an undici error, an upstream body or a header.
 */
import { Pool, errors as undiciErrors } from 'undici'

import { assertAccepted, type CallerCredential, type SeamCredential, upstreamHeaders } from './credentials.js'
import {
  type SeamApiErrorBody,
  SeamCallBudgetError,
  type SeamError,
  SeamHttpError,
  SeamInvalidResponseError,
  SeamTimeoutError,
  SeamUnavailableError,
} from './errors.js'
import type { SeamEndpoint } from './openapi.js'

export interface SeamClientOptions {
  /** Origin of the Seam API, e.g. `https://connect.getseam.com`. */
  endpoint: string
  /** Overall time budget of one upstream call, from sending to the last byte of the answer. */
  timeoutMs: number
}

export type JsonObject = Record<string, unknown>

/** A successful answer: its JSON body, and what an error about that body should cite. */
export interface SeamAnswer {
  body: JsonObject
  status: number
  requestId: string | undefined
}

/** A Seam client bound to one request's credential; resolvers get this, never the credential. */
export interface SeamCaller {
  post(endpoint: SeamEndpoint, body: JsonObject): Promise<SeamAnswer>
}

/** What one upstream call did, for logs, metrics and traces. Never a body, header or credential. */
export interface UpstreamCall {
  endpoint: SeamEndpoint
  /** The HTTP status, when Seam answered at all. */
  status: number | undefined
  /** When the call started (`performance.now()` time origin) and how long it took, in milliseconds. */
  startedAt: number
  durationMs: number
  /** From `seam-request-id` or the error body. */
  requestId: string | undefined
  /** `undefined` on success; otherwise the typed error the call ended with. */
  error: SeamError | undefined
}

/** Per-request hooks of a caller. */
export interface SeamCallerHooks {
  /** Called once per upstream call, when it has ended, in the async context of the resolver that made it. */
  onCall?: (call: UpstreamCall) => void
  /**
   * How many calls this caller may make; past it, a call is refused with SeamCallBudgetError before
   * anything is sent. The gateway refuses an operation that would predictably need more before it runs
   * (../plugins/use-upstream-call-budget.ts); this is the hard stop for what no prediction sees.
   */
  maxCalls?: number
}

export class SeamClient {
  readonly #pool: Pool
  readonly #timeoutMs: number

  constructor({ endpoint, timeoutMs }: SeamClientOptions) {
    // The abort signal bounds the whole call. undici's own timers only bound idle time, and their 300 s
    // default would cut a larger budget short: they get the budget too.
    this.#pool = new Pool(endpoint, { keepAliveTimeout: 30_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
    this.#timeoutMs = timeoutMs
  }

  /** A caller for one request. The credential lives in the closure and dies with the request. */
  withCredential(credential: CallerCredential, hooks: SeamCallerHooks = {}): SeamCaller {
    const { onCall, maxCalls = Infinity } = hooks
    let calls = 0
    const admit = (endpoint: SeamEndpoint): SeamCredential => {
      const accepted = assertAccepted(endpoint, credential)
      calls += 1
      if (calls > maxCalls) throw new SeamCallBudgetError(maxCalls)
      return accepted
    }
    if (onCall === undefined) {
      return { post: async (endpoint, body) => this.#post(endpoint, body, admit(endpoint)) }
    }
    return {
      post: async (endpoint, body) => {
        const accepted = admit(endpoint)
        const startedAt = performance.now()
        try {
          const answer = await this.#post(endpoint, body, accepted)
          const { status, requestId } = answer
          onCall({
            endpoint,
            status,
            startedAt,
            durationMs: performance.now() - startedAt,
            requestId,
            error: undefined,
          })
          return answer
        } catch (error) {
          const seamError = error as SeamError
          onCall({
            endpoint,
            status: 'status' in seamError ? (seamError.status as number) : undefined,
            startedAt,
            durationMs: performance.now() - startedAt,
            requestId: 'requestId' in seamError ? (seamError.requestId as string | undefined) : undefined,
            error: seamError,
          })
          throw error
        }
      },
    }
  }

  async #post(endpoint: SeamEndpoint, body: JsonObject, credential: SeamCredential): Promise<SeamAnswer> {
    const signal = AbortSignal.timeout(this.#timeoutMs)
    try {
      const response = await this.#pool.request({
        method: 'POST',
        path: endpoint,
        headers: {
          ...upstreamHeaders(credential),
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify(body),
        signal,
      })
      const text = await response.body.text()
      return parseAnswer(response.statusCode, response.headers, text)
    } catch (error) {
      if (error instanceof SeamHttpError || error instanceof SeamInvalidResponseError) throw error
      if (signal.aborted) throw new SeamTimeoutError(this.#timeoutMs)
      if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
        throw new SeamTimeoutError(this.#timeoutMs)
      }
      throw new SeamUnavailableError()
    }
  }

  close(): Promise<void> {
    return this.#pool.close()
  }
}

type ResponseHeaders = Record<string, string | string[] | undefined>

function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

function parseJsonObject(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined
  } catch {
    return undefined
  }
}

function seamErrorBody(body: JsonObject | undefined): SeamApiErrorBody | undefined {
  const error = body?.['error']
  if (typeof error !== 'object' || error === null) return undefined
  const { type, message, request_id, validation_errors } = error as Record<string, unknown>
  if (typeof type !== 'string' || typeof message !== 'string') return undefined
  return {
    type,
    message,
    ...(typeof request_id === 'string' && { request_id }),
    ...(typeof validation_errors === 'object' &&
      validation_errors !== null && { validation_errors: validation_errors as Record<string, unknown> }),
  }
}

/** Seconds from a `Retry-After` header: either delay-seconds or an HTTP date. */
function retryAfterSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim())
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000))
}

function parseAnswer(status: number, headers: ResponseHeaders, text: string): SeamAnswer {
  const headerRequestId = headerValue(headers, 'seam-request-id')
  const body = parseJsonObject(text)
  if (status >= 200 && status < 300) {
    if (body === undefined) throw new SeamInvalidResponseError('not a JSON object', status, headerRequestId)
    return { body, status, requestId: headerRequestId }
  }
  const apiError = seamErrorBody(body)
  const requestId = headerRequestId ?? apiError?.request_id
  throw new SeamHttpError(status, requestId, apiError, retryAfterSeconds(headerValue(headers, 'retry-after')))
}
