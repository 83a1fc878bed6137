/**
 * Who may do what, once the caller is verified (./authentication.ts). Resolvers ask here before any
 * upstream call. Without authentication everything is allowed, as before. With it, an operation with no
 * recorded caller gets nothing (it fails closed), though the authentication step always records one
 * before execution.
 *
 * A caller without the admin scope may get or create their own client session and read it; everything
 * else needs the admin scope. A session that is not theirs reads as `null`, exactly like an unknown one,
 * so a caller cannot learn which sessions exist.
 */
import type { GatewayContext } from '../context.js'
import type { ClientSession } from '../seam/client-sessions.js'
import { gatewayError } from '../seam/errors.js'

const forbidden = (message: string) => gatewayError(message, 'FORBIDDEN')

type PolicyContext = Pick<GatewayContext, 'caller' | 'callersVerified'>

/** Someone authentication did not verify: no user identifier key is theirs. */
const unverified = { userIdentifierKey: undefined }

/**
 * A caller held to the policy (a non-admin, or an unverified one while authentication is on), or
 * undefined when the caller may do anything (an admin, or authentication is off).
 */
function restrictedCaller({
  caller,
  callersVerified,
}: PolicyContext): { userIdentifierKey: string | undefined } | undefined {
  if (caller === undefined) return callersVerified ? unverified : undefined
  return caller.isAdmin ? undefined : caller
}

/** Throws FORBIDDEN unless the caller has the admin scope (or authentication is off). */
export function requireAdmin(context: PolicyContext, what: string): void {
  if (restrictedCaller(context) !== undefined) throw forbidden(`${what} needs the admin scope.`)
}

/** Throws FORBIDDEN when a non-admin caller names a user identifier key that is not theirs. */
export function requireOwnUserIdentifierKey(context: PolicyContext, key: string): void {
  const caller = restrictedCaller(context)
  if (caller !== undefined && key !== caller.userIdentifierKey) {
    throw forbidden('Only your own user identifier key may be given without the admin scope.')
  }
}

/** Whether a non-admin caller may see this user identifier key's session at all. */
export function mayReadUserIdentifierKey(context: PolicyContext, key: string): boolean {
  const caller = restrictedCaller(context)
  return caller === undefined || key === caller.userIdentifierKey
}

/** The session when the caller may see it; `null` otherwise, as Seam's "not found" reads. */
export function ownSessionOrNull(context: PolicyContext, session: ClientSession | null): ClientSession | null {
  if (session === null) return null
  const caller = restrictedCaller(context)
  return caller === undefined || session.userIdentifierKey === caller.userIdentifierKey ? session : null
}

/**
 * The get-or-create input a caller may send: a non-admin caller may only ask for their own session,
 * with `userIdentifierKey` theirs or left out (then filled in), and no other field.
 */
export function ownGetOrCreateInput<Input extends { userIdentifierKey?: string | null | undefined }>(
  context: PolicyContext,
  input: Input,
): Input {
  const caller = restrictedCaller(context)
  if (caller === undefined) return input
  const others = Object.entries(input)
    .filter(([name, value]) => name !== 'userIdentifierKey' && value !== undefined)
    .map(([name]) => name)
  if (others.length > 0) {
    throw forbidden(`Without the admin scope, getOrCreateClientSession takes no ${others.join(', ')}.`)
  }
  const own = caller.userIdentifierKey
  if (own === undefined) throw forbidden('getOrCreateClientSession needs a verified caller.')
  requireOwnUserIdentifierKey(context, input.userIdentifierKey ?? own)
  return { ...input, userIdentifierKey: own }
}
