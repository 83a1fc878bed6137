/**
 * Verifies the caller's `Authorization: Bearer <JWT>` with jose, once per HTTP request, and records who is
 * calling on each operation's context (the admission step, ../admission.ts), for the policy
 * (./caller-policy.ts) and the steps after it. A request without a valid token is refused with 401 and
 * UNAUTHENTICATED before its document is looked at (./authentication-gate.ts) and before any upstream
 * call; `{ _service { sdl } }` needs none, so that routers and `rover` can compose.
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

export interface Authentication {
  /**
   * The caller of one HTTP request, or its refusal: verified on the first ask, then remembered for as long
   * as `requestKey` (the object that stands for the request on both lanes, ../admission.ts) lives.
   */
  callerOf(requestKey: object, authorization: string | null): Promise<VerifiedCaller | GraphQLError>
  /**
   * The admission step: records the request's caller on the operation's context, or refuses. Operations
   * that read only the subgraph SDL need no caller.
   */
  admission: Admission
}

export function authentication(options: AuthenticationOptions, logger: AuthenticationLogger): Authentication {
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

  // Once per HTTP request: asked before its document is looked at, then by each operation (a batch has several).
  const verified = new WeakMap<object, Promise<VerifiedCaller | GraphQLError>>()
  const callerOf = (requestKey: object, authorization: string | null) => {
    let caller = verified.get(requestKey)
    if (caller === undefined) {
      caller = verify(authorization)
      verified.set(requestKey, caller)
    }
    return caller
  }
  return {
    callerOf,
    admission: async (operation, { requestKey, headers }, context) => {
      if (operation.readsServiceSdlOnly) return undefined
      const outcome = await callerOf(requestKey, headers.get('authorization'))
      if (outcome instanceof Error) return outcome
      context.caller = outcome
      return undefined
    },
  }
}
