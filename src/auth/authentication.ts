/**
 * The admission step (../admission.ts) that verifies the caller's `Authorization: Bearer <JWT>` with jose
 * and records who is calling on the operation's context, for the policy (./caller-policy.ts) and the
 * steps after it. A request without a valid token is refused with 401 and UNAUTHENTICATED before any
 * upstream call; `{ _service { sdl } }` needs none, so that routers and `rover` can compose.
 *
 * The token is the app's, never Seam's: the upstream calls carry the server-held credential. Nothing
 * here writes the token, or any part of it, into an error or a log line.
 */
import type { GraphQLError } from 'graphql'
import { errors, jwtVerify, type JWTPayload } from 'jose'

import type { Admission } from '../admission.js'
import type { VerifiedCaller } from '../context.js'
import { bearerToken } from '../seam/credentials.js'
import { gatewayError } from '../seam/errors.js'
import { authenticationDefaults, type AuthenticationOptions, unacceptableAlgorithms } from './authentication-options.js'
import { CallerKeysUnavailableError, callerKeys } from './caller-keys.js'

/** What the refusal says, by jose's error class; the claim names jose reports are the checked ones, never the token's. */
function reasonFor(error: unknown): string {
  if (error instanceof CallerKeysUnavailableError) return 'its signing keys cannot be fetched right now'
  if (error instanceof errors.JWTExpired) return 'it has expired'
  if (error instanceof errors.JWTClaimValidationFailed) return `its "${error.claim}" claim is missing or does not match`
  if (error instanceof errors.JOSEAlgNotAllowed) return 'its algorithm is not accepted'
  if (error instanceof errors.JWKSNoMatchingKey) return 'no known key has its key ID'
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify'
  return 'it is not a well-formed, signed JWT'
}

const unauthenticated = (message: string) =>
  gatewayError(message, 'UNAUTHENTICATED', { http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } })

/** `scope` (space-separated, as OAuth has it) or `scp` (a string or a list, as some providers send). */
function scopesOf(payload: JWTPayload): string[] {
  const { scope, scp } = payload
  const listed = typeof scope === 'string' ? scope : scp
  if (typeof listed === 'string') return listed.split(' ').filter((entry) => entry !== '')
  if (Array.isArray(listed)) return listed.filter((entry): entry is string => typeof entry === 'string')
  return []
}

export interface AuthenticationLogger {
  warn(message: string): void
}

export function authenticationStep(options: AuthenticationOptions, logger: AuthenticationLogger): Admission {
  const algorithms = [...(options.algorithms ?? authenticationDefaults.algorithms)]
  const refused = unacceptableAlgorithms(algorithms)
  if (refused.length > 0) throw new Error(`authentication.algorithms: ${refused.join(', ')} is not accepted`)
  const userClaim = options.userClaim ?? authenticationDefaults.userClaim
  const adminScope = options.adminScope ?? authenticationDefaults.adminScope
  const keys = callerKeys(options.keys, (message) => logger.warn(message))
  const verifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    algorithms,
    clockTolerance: options.clockToleranceSeconds ?? authenticationDefaults.clockToleranceSeconds,
    requiredClaims: ['exp', userClaim],
  }

  async function verify(authorization: string | null): Promise<VerifiedCaller | GraphQLError> {
    // The one parser of the header, the Seam credential's (../seam/credentials.ts); no token part is none.
    const token = (authorization === null ? undefined : bearerToken(authorization)) || undefined
    if (token === undefined) return unauthenticated('A bearer token is required: Authorization: Bearer <JWT>.')
    try {
      const { payload } = await jwtVerify(token, keys, verifyOptions)
      const userIdentifierKey = payload[userClaim]
      if (typeof userIdentifierKey !== 'string' || userIdentifierKey === '') {
        return unauthenticated(`The bearer token was refused: its "${userClaim}" claim is not a non-empty string.`)
      }
      const scopes = scopesOf(payload)
      return { userIdentifierKey, scopes, isAdmin: scopes.includes(adminScope) }
    } catch (error) {
      return unauthenticated(`The bearer token was refused: ${reasonFor(error)}.`)
    }
  }

  // Once per HTTP request: the operations of a batch share their request's headers object.
  const verified = new WeakMap<object, Promise<VerifiedCaller | GraphQLError>>()
  return async (operation, { headers }, context) => {
    if (operation.readsServiceSdlOnly) return undefined
    let caller = verified.get(headers)
    if (caller === undefined) {
      caller = verify(headers.get('authorization'))
      verified.set(headers, caller)
    }
    const outcome = await caller
    if (outcome instanceof Error) return outcome
    context.caller = outcome
    return undefined
  }
}
