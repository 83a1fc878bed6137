/**
 * What the gateway needs to know to verify its callers' tokens (AUTH_* in ../config.ts), and the
 * algorithms it accepts at all.
 */
import type { KeyObject } from 'node:crypto'

/** Where the identity provider's signing keys come from. */
export type CallerKeySource =
  /** A JWKS, fetched and cached (an unknown `kid` fetches it again, at most every 30 s). */
  | { jwksUrl: string }
  /** One PEM public key (SPKI). */
  | { publicKeyPem: string }

export interface AuthenticationOptions {
  keys: CallerKeySource
  /** The `iss` every token must carry. */
  issuer: string
  /** An `aud` every token must carry. */
  audience: string
  /** The `alg` values accepted. Default RS256, ES256, EdDSA, Ed25519; `none` and HMAC are never accepted. */
  algorithms?: readonly string[]
  /** The claim that is the caller's Seam `user_identifier_key`. Default `sub`. */
  userClaim?: string
  /** The scope that opens every operation. Default `seam:admin`. */
  adminScope?: string
  /** How far `exp` and `nbf` may be off, in seconds. Default 30. */
  clockToleranceSeconds?: number
  /**
   * Declare the policy in the subgraph SDL (`@authenticated`, `@requiresScopes`) for routers that enforce
   * it. Default false: `@apollo/gateway` refuses a supergraph that carries them.
   */
  federationDirectives?: boolean
}

export const authenticationDefaults = {
  algorithms: ['RS256', 'ES256', 'EdDSA', 'Ed25519'],
  userClaim: 'sub',
  adminScope: 'seam:admin',
  clockToleranceSeconds: 30,
  federationDirectives: false,
} as const

/**
 * The asymmetric algorithms jose verifies. Not `none`, and no HMAC: a shared secret would let anyone
 * who verifies tokens also mint them, and HS256 "signed" with a public key is the classic forgery.
 */
export const acceptableAlgorithms: ReadonlySet<string> = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
])

/** The algorithms in `algorithms` that are not acceptable. */
export const unacceptableAlgorithms = (algorithms: readonly string[]): string[] =>
  algorithms.filter((algorithm) => !acceptableAlgorithms.has(algorithm))

const ellipticCurveAlgorithms: Readonly<Record<string, string>> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
}

/** The algorithms jose verifies with this public key: by its type, and for EC its curve; none for another. */
export function algorithmsForKey({
  asymmetricKeyType,
  asymmetricKeyDetails,
}: Pick<KeyObject, 'asymmetricKeyType' | 'asymmetricKeyDetails'>): string[] {
  if (asymmetricKeyType === 'rsa') return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']
  if (asymmetricKeyType === 'ed25519') return ['EdDSA', 'Ed25519']
  const curveAlgorithm = ellipticCurveAlgorithms[asymmetricKeyDetails?.namedCurve ?? '']
  return asymmetricKeyType === 'ec' && curveAlgorithm !== undefined ? [curveAlgorithm] : []
}
