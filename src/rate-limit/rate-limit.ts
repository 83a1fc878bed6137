/**
 * The per-caller rate limit (RATE_LIMIT_PER_MINUTE, RATE_LIMIT_BURST): an admission step (../admission.ts)
 * that spends one point per operation, so a batch of three spends three, before anything reaches Seam.
 *
 * What the settings mean, as rate-limiter-flexible counts (fixed windows, each starting at the caller's
 * first operation in it): a caller may run `perMinute` operations in a 60-second window; past those it
 * may run `burst` more in a 10-minute window (`burstWindowSeconds`), spent only by operations over the
 * per-minute count. Over both, the operation is refused with RATE_LIMITED, HTTP 429 and `Retry-After`:
 * the seconds until the sooner of the two windows ends.
 *
 * With Redis (REDIS_URL), the counts are Redis's and every replica that names it shares them. A decision
 * never waits on Redis: while it does not answer (../redis.ts fails a command at once), rate-limiter-
 * flexible asks its insurance limiter instead, this replica's own count in memory, with the same settings.
 * That is said once in the log when it begins and once when Redis answers again, and each such decision
 * is counted in a metric.
 */
import type { GraphQLError } from 'graphql'
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'

import type { Admission, AdmissionRequest } from '../admission.js'
import type { GatewayContext } from '../context.js'
import type { PreparedOperation } from '../prepared/prepared-operations.js'
import type { Redis } from '../redis.js'
import { gatewayError } from '../seam/errors.js'

/** The window of RATE_LIMIT_BURST, in seconds. */
export const burstWindowSeconds = 600

export interface RateLimitOptions {
  /** Operations a caller may run per 60-second window; more than 0. */
  perMinute: number
  /** Operations beyond `perMinute` a caller may run per `burstWindowSeconds`; 0 for none. */
  burst: number
  /** Where the counts are shared between replicas; undefined: this process alone, in memory. */
  redis: Redis | undefined
  /** Who spends the points of an operation (./caller-key.ts): each key given spends one. */
  callerKeys: (request: AdmissionRequest, context: GatewayContext, operation: PreparedOperation) => readonly string[]
  /** Where the operator hears that the replicas stopped, or resumed, sharing their counts. */
  logger: { warn(message: string): void; info(message: string): void }
  /** Counts a decision this replica made alone because Redis did not answer (a metric, when metrics are on). */
  countLocalDecision?: (() => void) | undefined
}

interface Consumer {
  consume(key: string, points: number, options: object): Promise<RateLimiterRes>
}

/**
 * The insurance limiter: an ordinary in-memory one that marks the decisions it made. rate-limiter-flexible
 * hands it the very `options` object the decision began with, which is how a decision learns who made it.
 */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(
    options: ConstructorParameters<typeof RateLimiterMemory>[0],
    private readonly decidedHere: WeakSet<object>,
  ) {
    super(options)
  }

  override consume(key: string | number, points?: number, options: object = {}): Promise<RateLimiterRes> {
    this.decidedHere.add(options)
    return super.consume(key, points, options)
  }
}

/** Whole seconds, rounded up: a client that waits that long finds the window ended. */
export const retryAfterSecondsFor = (msBeforeNext: number) => Math.max(1, Math.ceil(msBeforeNext / 1000))

function rateLimited(msBeforeNext: number): GraphQLError {
  const retryAfterSeconds = retryAfterSecondsFor(msBeforeNext)
  return gatewayError(`Too many operations; try again in ${retryAfterSeconds} s.`, 'RATE_LIMITED', {
    retryAfterSeconds,
    http: { status: 429, headers: { 'Retry-After': String(retryAfterSeconds) } },
  })
}

export function rateLimitAdmission({
  perMinute,
  burst,
  redis,
  callerKeys,
  logger,
  countLocalDecision,
}: RateLimitOptions): Admission {
  const decidedHere = new WeakSet<object>()
  const limiter = (keyPrefix: string, points: number, duration: number) => {
    const settings = { keyPrefix, points, duration }
    if (redis === undefined) return new RateLimiterMemory(settings)
    return new RateLimiterRedis({
      ...settings,
      storeClient: redis,
      // Straight to the insurance limiter while the connection is down, rather than a command that fails.
      rejectIfRedisNotReady: true,
      insuranceLimiter: new InsuranceLimiter(settings, decidedHere),
    })
  }
  const perMinuteLimiter = limiter('rate-limit', perMinute, 60)
  const bursty =
    burst > 0
      ? new BurstyRateLimiter(perMinuteLimiter, limiter('rate-limit-burst', burst, burstWindowSeconds))
      : undefined
  const consumer: Consumer =
    bursty === undefined
      ? perMinuteLimiter
      : // Its declared options are MongoDB's; it hands them on to the two limiters as they are.
        { consume: (key, points, options) => bursty.consume(key, points, options as never) }

  let shared = true
  const noteWhoDecided = (decision: object) => {
    const local = decidedHere.has(decision)
    if (local) countLocalDecision?.()
    if (local !== shared) return
    shared = !local
    if (shared) logger.info('Rate limits: Redis (REDIS_URL) answers again; the replicas share their counts again.')
    else {
      logger.warn(
        'Rate limits: Redis (REDIS_URL) does not answer; until it does, each replica counts on its own, in memory.',
      )
    }
  }

  /** The refusal of `key`'s point, if its count is spent. */
  const spend = async (key: string): Promise<GraphQLError | undefined> => {
    const decision = {}
    let refusal: GraphQLError | undefined
    try {
      await consumer.consume(key, 1, decision)
    } catch (rejection) {
      // Anything but a verdict is a fault of the limiter (the insurance makes one unlikely): the operation
      // is let through rather than refused for the gateway's own fault.
      if (rejection instanceof RateLimiterRes) refusal = rateLimited(rejection.msBeforeNext)
    }
    if (redis !== undefined) noteWhoDecided(decision)
    return refusal
  }

  return async (operation, request, context) => {
    // Nearly always one key; with several, each spends its point until one is refused, which answers.
    let refusal: GraphQLError | undefined
    for (const key of callerKeys(request, context, operation)) refusal ??= await spend(key)
    return refusal
  }
}
