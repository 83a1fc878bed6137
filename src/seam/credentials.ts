/**
 * Which Seam credential a request carries, and the headers it becomes upstream.
 *
 * The token prefixes are Seam's own (see `auth.ts` in Seam's JavaScript SDK). Only `authorization`,
 * `seam-workspace` and `seam-publishable-key` ever go upstream, and only those the endpoint's contract
 * names: a caller's other headers stay at the gateway.
 */
import { SeamCredentialError, SeamCredentialFormatError } from './errors.js'
import { acceptedCredentials, type SeamEndpoint } from './openapi.js'

export type CredentialKind =
  'api_key' | 'personal_access_token' | 'console_session' | 'client_session' | 'publishable_key' | 'unknown'

export interface SeamCredential {
  /** The kind of the bearer token, or `publishable_key` for a publishable key alone. */
  readonly kind: CredentialKind
  /** The `Authorization` header value, sent upstream unchanged. */
  readonly authorization?: string
  /** The `seam-workspace` header value, for personal access tokens and console sessions. */
  readonly workspaceId?: string
  /**
   * The `seam-publishable-key` header value. Seam's SDK sends a publishable key (`seam_pk…`) there, not
   * as a bearer token, to create a client session for a user from a browser.
   */
  readonly publishableKey?: string
}

export function credentialKind(token: string): CredentialKind {
  if (token.startsWith('seam_cst')) return 'client_session'
  if (token.startsWith('seam_at')) return 'personal_access_token'
  if (token.startsWith('seam_pk')) return 'publishable_key'
  if (token.startsWith('seam_')) return 'api_key'
  if (token.startsWith('ey')) return 'console_session'
  return 'unknown'
}

export function credentialFromToken(token: string, workspaceId?: string): SeamCredential {
  return {
    kind: credentialKind(token),
    authorization: `Bearer ${token}`,
    ...(workspaceId !== undefined && { workspaceId }),
  }
}

/**
 * What a request carries: a credential, none, or header values the gateway refuses to forward (the
 * refusal is raised by the first call that would have sent them, as BAD_USER_INPUT).
 */
export type CallerCredential = SeamCredential | SeamCredentialFormatError | undefined

// eslint-disable-next-line no-control-regex -- finding control characters is what it is for
const controlCharacters = /[\u0000-\u001f\u007f]/
/** token68 (RFC 9110), the shape of every Seam token, with a bound well above the longest of them. */
const plausibleToken = /^[\w.~+/-]{1,4096}=*$/
/** Seam's workspace IDs are UUIDs (`workspace_id`, `format: uuid` in the contract). */
const plausibleWorkspaceId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The token of `Bearer <token>` (scheme in any case, whitespace around either part), or undefined for
 * another scheme or no token part. Scanned, not matched with a pattern: the header is the client's, and
 * a pattern with two whitespace runs around a lazy group backtracks quadratically over a long run of
 * spaces inside it.
 */
export function bearerToken(authorization: string): string | undefined {
  const value = authorization.trimStart()
  const schemeEnd = value.search(/\s/)
  if (schemeEnd === -1 || value.slice(0, schemeEnd).toLowerCase() !== 'bearer') return undefined
  return value.slice(schemeEnd).trim()
}

/**
 * The caller's Seam credential: `Authorization: Bearer …`, plus `seam-workspace` when present, and a
 * `seam-publishable-key` when present. All are checked before anything is built from them, and the
 * upstream headers are rebuilt from the checked parts: a value that would make undici throw, or smuggle
 * a header, never gets that far. Which of them goes upstream is decided per endpoint (`assertAccepted`).
 */
export function credentialFromHeaders(headers: Pick<Headers, 'get'>): CallerCredential {
  // An empty header names nothing; forwarding it would only earn an upstream error.
  const workspaceId = headers.get('seam-workspace') || undefined
  const publishableKey = headers.get('seam-publishable-key') || undefined
  if (workspaceId !== undefined && !plausibleWorkspaceId.test(workspaceId)) {
    return new SeamCredentialFormatError('The seam-workspace header must be a workspace ID (a UUID).')
  }
  if (publishableKey !== undefined && !plausibleToken.test(publishableKey)) {
    return new SeamCredentialFormatError('The seam-publishable-key header must be one Seam publishable key.')
  }
  const publishableOnly: SeamCredential | undefined =
    publishableKey === undefined ? undefined : { kind: 'publishable_key', publishableKey }
  const authorization = headers.get('authorization')
  if (authorization === null) return publishableOnly
  if (controlCharacters.test(authorization)) {
    return new SeamCredentialFormatError('The Authorization header must not contain control characters.')
  }
  const token = bearerToken(authorization)
  // Another scheme (Basic, …) is no Seam credential at all: UNAUTHENTICATED, as with none.
  if (token === undefined) return publishableOnly
  if (!plausibleToken.test(token)) {
    return new SeamCredentialFormatError('The Authorization header must be "Bearer" and one Seam token.')
  }
  return { ...credentialFromToken(token, workspaceId), ...(publishableKey !== undefined && { publishableKey }) }
}

export function upstreamHeaders(credential: SeamCredential): Record<string, string> {
  const headers: Record<string, string> = {}
  if (credential.authorization !== undefined) headers['authorization'] = credential.authorization
  if (credential.workspaceId !== undefined) headers['seam-workspace'] = credential.workspaceId
  if (credential.publishableKey !== undefined) headers['seam-publishable-key'] = credential.publishableKey
  return headers
}

/** Whether a bearer credential meets one of the contract's security schemes (`api_key`, `pat_with_workspace`, …). */
function meets(scheme: string, credential: SeamCredential): boolean {
  const hasWorkspace = credential.workspaceId !== undefined
  switch (scheme) {
    case 'api_key':
      return credential.kind === 'api_key'
    case 'client_session':
      return credential.kind === 'client_session'
    case 'pat_with_workspace':
      return credential.kind === 'personal_access_token' && hasWorkspace
    case 'pat_without_workspace':
      return credential.kind === 'personal_access_token' && !hasWorkspace
    case 'console_session_with_workspace':
      return credential.kind === 'console_session' && hasWorkspace
    case 'console_session_without_workspace':
      return credential.kind === 'console_session' && !hasWorkspace
    default:
      return false
  }
}

const schemeNames: Record<string, string> = {
  api_key: 'an API key',
  client_session: 'a client session token',
  pat_with_workspace: 'a personal access token with a seam-workspace header',
  pat_without_workspace: 'a personal access token without a workspace',
  console_session_with_workspace: 'a console session token with a seam-workspace header',
  console_session_without_workspace: 'a console session token without a workspace',
  publishable_key: 'a publishable key in a seam-publishable-key header',
}

/**
 * The part of the credential that the endpoint's contract accepts, and nothing else: a bearer token
 * (with its workspace), or else a publishable key, never both. Throws when no part is accepted. A
 * bearer token of a shape Seam's SDK does not know is passed on for Seam to judge: the gateway does
 * not guess at new credential kinds.
 */
export function assertAccepted(endpoint: SeamEndpoint, credential: CallerCredential): SeamCredential {
  if (credential instanceof SeamCredentialFormatError) throw credential
  const schemes = acceptedCredentials(endpoint)
  // Named only in a refusal: not built on every call that is accepted.
  const expected = () => schemes.flatMap((scheme) => schemeNames[scheme] ?? []).join(', or ')
  if (credential === undefined) {
    throw new SeamCredentialError(`This operation needs a Seam credential (Authorization: Bearer …): ${expected()}.`)
  }
  const { publishableKey, ...bearer } = credential
  const hasBearer = bearer.authorization !== undefined
  if (hasBearer && schemes.some((scheme) => meets(scheme, bearer))) return bearer
  if (publishableKey !== undefined && schemes.includes('publishable_key')) {
    return { kind: 'publishable_key', publishableKey }
  }
  if (hasBearer && bearer.kind === 'unknown') return bearer
  throw new SeamCredentialError(`This operation accepts ${expected()}.`)
}
