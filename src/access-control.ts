/**
 * Who may call and how often, and the Redis connection that the rate limits and the APQ store share, in a
 * module of their own: jose, rate-limiter-flexible and ioredis take ~130 ms and ~30 MiB to load, and a
 * gateway without AUTH_*, RATE_LIMIT_PER_MINUTE or REDIS_URL uses none of them. `npm start` imports this
 * module only when one is set (./process-lifecycle.ts); the package's entry (./index.ts) always supplies
 * it, so embedders see no difference.
 */
export { authentication } from './auth/authentication.js'
export { callerKeysOf } from './rate-limit/caller-key.js'
export { rateLimitAdmission } from './rate-limit/rate-limit.js'
export { connectRedis } from './redis.js'
