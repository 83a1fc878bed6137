/**
 * Which upstream calls are sent again after a failure, and after how long.
 *
 * Only reads are retried: a mutation that may have reached Seam is never sent twice, whatever came
 * back, because Seam may have applied it. Reads are retried on what usually passes (a broken
 * connection, 502/503/504, 429) and never on what would fail the same way again (4xx, 500, a body
 * that is not the contract's, the deadline passed).
 *
 * Hand-written rather than undici's RetryAgent: that one retries by HTTP method (every endpoint of
 * Seam is a POST, reads included), throws its own errors for a POST that got a 503, and keeps its
 * own timers beside the call's one deadline. Twenty lines here say exactly which endpoints are
 * safe to send twice.
 */
import { gatewayDefaults } from '../defaults.js'
import { type SeamError, SeamHttpError, SeamUnavailableError } from './errors.js'

export interface RetryPolicy {
  /** How many times a read is sent again, at most. */
  retries: number
  /** Backoff before the first retry; it doubles for each later one, with jitter. */
  baseDelayMs: number
  /** The longest wait between attempts; a `Retry-After` beyond it is not waited for. */
  maxDelayMs: number
}

export const defaultRetryPolicy: RetryPolicy = {
  retries: gatewayDefaults.upstreamRetries,
  baseDelayMs: gatewayDefaults.upstreamRetryDelayMs,
  maxDelayMs: gatewayDefaults.upstreamRetryMaxDelayMs,
}

/**
 * The endpoints that only read, and so may be sent twice. Typed as strings so that an endpoint added
 * to the contract is a mutation, never retried, until it is listed here.
 */
const idempotentEndpoints: ReadonlySet<string> = new Set(['/client_sessions/get', '/client_sessions/list'])

export const isIdempotent = (endpoint: string): boolean => idempotentEndpoints.has(endpoint)

const retriedStatuses: ReadonlySet<number> = new Set([429, 502, 503, 504])

/**
 * How long to wait before sending a read again after `error` on attempt `attempt` (0 for the first),
 * or undefined when it is not worth sending again. A `Retry-After` is honoured as sent; one longer
 * than the cap means "not now", and the error goes to the client with `retryAfterSeconds`.
 */
export function retryDelayMs(
  error: SeamError,
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= policy.retries) return undefined
  const connectionError = error instanceof SeamUnavailableError
  const retriedStatus = error instanceof SeamHttpError && retriedStatuses.has(error.status)
  if (!connectionError && !retriedStatus) return undefined
  if (error instanceof SeamHttpError && error.retryAfterSeconds !== undefined) {
    const retryAfterMs = error.retryAfterSeconds * 1000
    return retryAfterMs <= policy.maxDelayMs ? retryAfterMs : undefined
  }
  // "Equal jitter": half the exponential step, plus a random part of the other half, so that many
  // callers that failed together do not come back together, and none comes back at once.
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt)
  return step / 2 + random() * (step / 2)
}
