/**
 * The REST client for the Seam Connect API, on one keep-alive undici Pool per gateway.
 *
 * Every call is a POST with a JSON body (Seam serves all endpoints that way), bounded by one overall
 * deadline that also ends when nobody needs the answer any more (./call-deadline.ts), and sent through
 * undici's `dispatch` (./upstream-attempt.ts). Reads are retried as ./retry.ts says; answers larger than
 * a maximum are cut off. Whatever goes wrong with Seam or the connection to
 * it becomes one of the typed errors in ./errors.ts; the caller never sees an upstream body or a header.
 * Anything else is a fault of the gateway (./network-failure.ts tells them apart): it is thrown as it
 * is, never retried, and yoga masks it.
 */
import { type Dispatcher, Pool, errors as undiciErrors } from 'undici'

import { gatewayDefaults } from '../defaults.js'
import { CallDeadline } from './call-deadline.js'
import { assertAccepted, type CallerCredential, type SeamCredential, upstreamHeaders } from './credentials.js'
import {
  type ErrorCode,
  isSeamError,
  type SeamApiErrorBody,
  SeamCallBudgetError,
  SeamCancelledError,
  SeamHttpError,
  SeamInvalidResponseError,
  SeamServerCredentialError,
  SeamTimeoutError,
  SeamUnavailableError,
  seamErrorCode,
} from './errors.js'
import { isNetworkFailure } from './network-failure.js'
import type { SeamEndpoint } from './openapi.js'
import { defaultRetryPolicy, isIdempotent, retryDelayMs, type RetryPolicy } from './retry.js'
import { UpstreamAttempt } from './upstream-attempt.js'

export interface SeamClientOptions {
  /** Origin of the Seam API, e.g. `https://connect.getseam.com`. */
  endpoint: string
  /** Overall time limit of one upstream call, from sending to the last byte of the answer, retries included. */
  timeoutMs: number
  /** The largest answer body read, in bytes; a larger one is cut off as an invalid answer. Default 4 MiB. */
  maxResponseBytes?: number
  /** How reads are retried; see ./retry.ts. */
  retry?: Partial<RetryPolicy>
  /** Most connections open to Seam at once, for the whole process; further calls wait for one. Default 128. */
  maxConnections?: number
}

export type JsonObject = Record<string, unknown>

/** A successful answer: its JSON body, and what an error about that body should cite. */
export interface SeamAnswer {
  /** Read once, through `takeBody`. */
  body: JsonObject
  status: number
  requestId: string | undefined
}

const bodyTaken: JsonObject = Object.freeze({})

/**
 * The answer's body, taken out of it: the promises that carried the answer here are old by now and would
 * keep the parsed JSON alive through young garbage collections (../prepared/let-go-of-answers.ts).
 */
export function takeBody(answer: SeamAnswer): JsonObject {
  const { body } = answer
  answer.body = bodyTaken
  return body
}

/**
 * Reads a successful answer: what the call resolves to. What it throws is the call's failure: the answer
 * breaking the contract (SeamInvalidResponseError) is recorded as the call's error in the log, the
 * metrics and the trace, not as a call that succeeded.
 */
export type AnswerReader<T> = (answer: SeamAnswer) => T

/** A Seam client bound to one request's credential; resolvers get this, never the credential. */
export interface SeamCaller {
  post<T>(endpoint: SeamEndpoint, body: JsonObject, read: AnswerReader<T>): Promise<T>
}

/** What one upstream call did, for logs, metrics and traces. Never a body, header or credential. */
export interface UpstreamCall {
  endpoint: SeamEndpoint
  /** The HTTP status of the last attempt, when Seam answered at all. */
  status: number | undefined
  /** When the call started (`performance.now()` time origin) and how long it took, in milliseconds. */
  startedAt: number
  durationMs: number
  /** How many times the request was sent: 1, or more when a read was retried. */
  attempts: number
  /** From `seam-request-id` or the error body. */
  requestId: string | undefined
  /**
   * `undefined` on success; otherwise the error the call ended with: a SeamError, or for a fault of the
   * gateway itself (never Seam's), the error as thrown.
   */
  error: Error | undefined
  /** The code a client sees for `error`, worked out once here for the log, the metrics and the trace. */
  errorCode: ErrorCode | undefined
}

/** What watches one upstream call from its start (tracing): headers to send with it, and its end. */
export interface UpstreamCallObserver {
  /** Sent with every attempt of the call, e.g. `traceparent`. */
  headers: Record<string, string>
  /** Called once, when the call has ended. */
  end(call: UpstreamCall): void
}

/** The calls that end together, those of one operation (./operation-calls.ts). */
export interface CallGroup {
  /** Once true, a call that would start is refused with SeamCancelledError, and nothing is sent. */
  readonly ended: boolean
  /** Told when each call starts and when it has ended and been recorded; it may cancel the call meanwhile. */
  add(call: CallDeadline): void
  delete(call: CallDeadline): void
}

/** Per-request hooks of a caller. */
export interface SeamCallerHooks {
  /** Called once per upstream call, when it has ended, in the async context of the resolver that made it. */
  onCall?: (call: UpstreamCall) => void
  /**
   * Called once per upstream call, before anything is sent, with the call's start (`performance.now()`).
   * Tracing starts the call's span here, so that Seam is told the span's context.
   */
  onCallStart?: (endpoint: SeamEndpoint, startedAt: number) => UpstreamCallObserver | undefined
  /**
   * How many calls this caller may make; past it, a call is refused with SeamCallBudgetError before
   * anything is sent. The gateway refuses an operation that would predictably need more before it runs
   * (../prepared/upstream-call-prediction.ts); this is the hard stop for what no prediction sees.
   */
  maxCalls?: number
  /**
   * Ends the caller's calls: those in flight are cancelled and those not started are refused, once the
   * client went away or the operation no longer needs their answers (../context.ts).
   */
  calls?: CallGroup
  /**
   * The credential is the gateway's own, not the caller's: Seam refusing it (401, 403) is then
   * SeamServerCredentialError, the operator's fault, instead of the caller's UNAUTHENTICATED or FORBIDDEN.
   */
  credentialHeldByServer?: boolean
}

/** The connections of the upstream pool: how many are open, busy and waiting. */
export interface UpstreamPoolStats {
  connected: number
  free: number
  running: number
  pending: number
  queued: number
}

export class SeamClient {
  readonly #pool: Pool
  readonly #timeoutMs: number
  readonly #maxResponseBytes: number
  readonly #retry: RetryPolicy
  readonly #headers = new WeakMap<SeamCredential, Map<SeamEndpoint, Readonly<Record<string, string>>>>()

  constructor({
    endpoint,
    timeoutMs,
    maxResponseBytes = gatewayDefaults.upstreamMaxResponseBytes,
    retry = {},
    maxConnections = gatewayDefaults.upstreamMaxConnections,
  }: SeamClientOptions) {
    // The call's deadline bounds the whole call. undici's own timers only bound idle time, and their 300 s
    // default would cut a longer deadline short: they get the time limit too. undici counts the body's bytes
    // as they arrive and drops the connection past the maximum, so nothing larger is ever buffered.
    this.#pool = new Pool(endpoint, {
      connections: maxConnections,
      keepAliveTimeout: 30_000,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      maxResponseSize: maxResponseBytes,
    })
    this.#timeoutMs = timeoutMs
    this.#maxResponseBytes = maxResponseBytes
    this.#retry = { ...defaultRetryPolicy, ...retry }
  }

  /** A caller for one request. The credential lives in the closure and dies with the request. */
  withCredential(credential: CallerCredential, hooks: SeamCallerHooks = {}): SeamCaller {
    const { maxCalls = Infinity } = hooks
    let calls = 0
    return {
      // Not an async function, which would wrap the call's promise in one more (two more turns of the
      // microtask queue per call); a refused credential or a spent budget is still a rejection, like every
      // other failure, never a synchronous throw.
      post: (endpoint, body, read) => {
        let headers: Readonly<Record<string, string>>
        try {
          // Before anything is sent: a caller that cannot read the answer must not have Seam apply a mutation.
          if (typeof read !== 'function') throw new TypeError('post needs a reader of the answer')
          if (hooks.calls?.ended === true) throw new SeamCancelledError()
          headers = this.#headersFor(endpoint, credential)
          calls += 1
          if (calls > maxCalls) throw new SeamCallBudgetError(maxCalls)
        } catch (error) {
          return Promise.reject(error as Error)
        }
        return this.#call(endpoint, body, read, headers, hooks)
      },
    }
  }

  /** Whether Seam's `/health` answers 2xx within `timeoutMs` (false once `signal` aborts). Never throws. */
  async isReachable(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = new CallDeadline(Math.min(timeoutMs, this.#timeoutMs))
    const cancel = () => deadline.cancel()
    if (signal?.aborted === true) cancel()
    else signal?.addEventListener('abort', cancel, { once: true })
    try {
      const attempt = new UpstreamAttempt(this.#pool, { method: 'GET', path: '/health' }, deadline)
      await attempt.arrived
      return attempt.status! >= 200 && attempt.status! < 300
    } catch {
      return false
    } finally {
      deadline.dispose()
      signal?.removeEventListener('abort', cancel)
    }
  }

  /**
   * The headers a credential sends to an endpoint: only the part of it that the endpoint accepts, which
   * depends on nothing else. Worked out on the credential's first call to the endpoint and kept as long
   * as the credential lives: a server-held credential is checked once per endpoint, not once per call.
   * Throws, as assertAccepted does, for a credential the endpoint does not accept.
   */
  #headersFor(endpoint: SeamEndpoint, credential: CallerCredential): Readonly<Record<string, string>> {
    const byEndpoint =
      credential instanceof Error || credential === undefined ? undefined : this.#headers.get(credential)
    const known = byEndpoint?.get(endpoint)
    if (known !== undefined) return known
    const headers = Object.freeze({
      ...upstreamHeaders(assertAccepted(endpoint, credential)),
      'content-type': 'application/json',
      accept: 'application/json',
    })
    if (byEndpoint !== undefined) byEndpoint.set(endpoint, headers)
    else if (credential !== undefined && !(credential instanceof Error)) {
      this.#headers.set(credential, new Map([[endpoint, headers]]))
    }
    return headers
  }

  get poolStats(): UpstreamPoolStats {
    const { connected, free, running, pending, queued } = this.#pool.stats
    return { connected, free, running, pending, queued }
  }

  async #call<T>(
    endpoint: SeamEndpoint,
    body: JsonObject,
    read: AnswerReader<T>,
    credentialHeaders: Readonly<Record<string, string>>,
    { onCall, onCallStart, calls, credentialHeldByServer = false }: SeamCallerHooks,
  ): Promise<T> {
    const startedAt = performance.now()
    const observer = onCallStart?.(endpoint, startedAt)
    const request: Dispatcher.DispatchOptions = {
      method: 'POST',
      path: endpoint,
      headers: observer === undefined ? credentialHeaders : { ...credentialHeaders, ...observer.headers },
      body: JSON.stringify(body),
    }
    // Only once nothing more can throw before the `finally` that disposes of it and lets the operation go.
    const deadline = new CallDeadline(this.#timeoutMs)
    calls?.add(deadline)
    const retried = isIdempotent(endpoint)
    let attempts = 0
    /** The answer the reader failed on: the call ends there, recorded with that answer's status and id. */
    let unread: SeamAnswer | undefined
    const report = (status: number | undefined, requestId: string | undefined, error: Error | undefined) => {
      const call = {
        endpoint,
        status,
        startedAt,
        durationMs: performance.now() - startedAt,
        attempts,
        requestId,
        error,
        errorCode: error === undefined ? undefined : seamErrorCode(error),
      }
      onCall?.(call)
      observer?.end(call)
    }
    try {
      for (;;) {
        attempts += 1
        // The attempt is awaited here rather than in an async method of its own: one promise less per call.
        const attempt = new UpstreamAttempt(this.#pool, request, deadline)
        try {
          let answer: SeamAnswer
          try {
            await attempt.arrived
            answer = parseAnswer(attempt.status!, attempt, attempt.takeText())
          } catch (error) {
            throw this.#attemptFailure(error, attempt, deadline)
          }
          // Read before the call is recorded: an answer that breaks the contract is a failed call.
          let value: T
          try {
            value = read(answer)
          } catch (error) {
            unread = answer
            throw error
          }
          report(answer.status, answer.requestId, undefined)
          return value
        } catch (error) {
          // A fault of the gateway would fail the same way again, and so would reading the same answer.
          if (!isSeamError(error) || unread !== undefined) throw error
          const delayMs = retried ? retryDelayMs(error, attempts - 1, this.#retry) : undefined
          if (delayMs === undefined || !deadline.allows(delayMs)) throw error
          await deadline.wait(delayMs)
        }
      }
    } catch (thrown) {
      const error =
        credentialHeldByServer && isRefusal(thrown)
          ? new SeamServerCredentialError(thrown.status, thrown.requestId)
          : (thrown as Error)
      // Seam's answer, when the reader failed on it (a SeamError of the answer says the same); otherwise the
      // error's own, when it has them.
      report(
        unread?.status ?? ('status' in error ? (error.status as number) : undefined),
        unread?.requestId ?? ('requestId' in error ? (error.requestId as string | undefined) : undefined),
        error,
      )
      throw error
    } finally {
      deadline.dispose()
      calls?.delete(deadline)
    }
  }

  /**
   * What an attempt failed with, as a call sees it. An attempt sends the request once and reads the whole
   * answer (whatever the status: an answer left unread would hold its connection); it fails with a
   * SeamError, or an error that is neither Seam's answer nor a network failure, as it is.
   */
  #attemptFailure(error: unknown, attempt: UpstreamAttempt, deadline: CallDeadline): unknown {
    // Seam's answer, or the end of the call: its deadline or its cancellation.
    if (isSeamError(error)) return error
    // undici's own error, for an attempt the call's end cut short.
    if (deadline.endedBy !== undefined) return deadline.endedBy
    const { status } = attempt
    if (error instanceof undiciErrors.ResponseExceededMaxSizeError && status !== undefined) {
      const requestId = attempt.header('seam-request-id')
      return new SeamInvalidResponseError(`larger than ${this.#maxResponseBytes} bytes`, status, requestId)
    }
    if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
      return new SeamTimeoutError(this.#timeoutMs)
    }
    if (isNetworkFailure(error)) return new SeamUnavailableError()
    return error
  }

  close(): Promise<void> {
    return this.#pool.close()
  }
}

/** Seam refused the credential: not authenticated (401) or not allowed (403). */
const isRefusal = (error: unknown): error is SeamHttpError =>
  error instanceof SeamHttpError && (error.status === 401 || error.status === 403)

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

/**
 * The HTTP dates RFC 9110 has recipients read: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850's
 * (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime's (`Sun Nov  6 08:49:37 1994`, in GMT though it does not
 * say so). Checked before Date.parse, which reads far more than dates (`1.5` is 5 January 2001).
 */
const imfOrRfc850Date = /^[A-Z][a-z]{2,8}, \d{2}[ -][A-Z][a-z]{2}[ -]\d{2}(?:\d{2})? \d{2}:\d{2}:\d{2} GMT$/
const asctimeDate = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/

/** Seconds from a `Retry-After` header: delay-seconds or an HTTP date; anything else is no Retry-After. */
function retryAfterSeconds(header: string | undefined): number | undefined {
  const value = header?.trim()
  if (value === undefined) return undefined
  if (/^\d+$/.test(value)) return Number(value)
  const date = imfOrRfc850Date.test(value)
    ? Date.parse(value)
    : asctimeDate.test(value)
      ? Date.parse(`${value} GMT`)
      : Number.NaN
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000))
}

function parseAnswer(status: number, attempt: UpstreamAttempt, text: string): SeamAnswer {
  const headerRequestId = attempt.header('seam-request-id')
  const body = parseJsonObject(text)
  if (status >= 200 && status < 300) {
    if (body === undefined) throw new SeamInvalidResponseError('not a JSON object', status, headerRequestId)
    return { body, status, requestId: headerRequestId }
  }
  const apiError = seamErrorBody(body)
  const requestId = headerRequestId ?? apiError?.request_id
  throw new SeamHttpError(status, requestId, apiError, retryAfterSeconds(attempt.header('retry-after')))
}
