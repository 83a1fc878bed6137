/**
 * Who spends a rate limit: the verified user when authentication says who it is, otherwise the Seam
 * credential the request carries, otherwise the address it comes from. The kinds are kept apart by their
 * prefixes (`user:`, `credential:`, `address:`), so no value of one kind can take another's count.
 */
import { createHash } from 'node:crypto'

import type { AdmissionRequest } from '../admission.js'
import type { GatewayContext } from '../context.js'
import { credentialFromHeaders, type SeamCredential } from '../seam/credentials.js'
import { SeamCredentialFormatError } from '../seam/errors.js'
import { clientAddress } from './client-address.js'

export interface CallerKeyOptions {
  /** With a server-held credential every request is sent with it: the caller's own headers say nothing. */
  credentialHeldByServer: boolean
  /** How many proxies in front of the gateway append to `X-Forwarded-For` (TRUST_PROXY_HOPS). */
  trustProxyHops: number
}

/**
 * The parts of a credential that decide whose share of Seam it spends, as the gateway reads them: the
 * parsed credential, not the raw headers, so that writing the same token differently (the scheme's case,
 * spaces) does not make a new caller. The workspace header is left out for the kinds whose token names
 * its workspace itself (an API key, a client session token): varying it would change nothing upstream.
 */
function credentialIdentity({ kind, authorization, workspaceId, publishableKey }: SeamCredential): string {
  const workspace = kind === 'api_key' || kind === 'client_session' ? undefined : workspaceId
  return JSON.stringify([authorization ?? null, workspace ?? null, publishableKey ?? null])
}

/** A digest, never the credential itself: the key is kept in memory and in Redis. */
const digest = (text: string) => createHash('sha256').update(text).digest('base64url')

export function callerKeyOf({
  credentialHeldByServer,
  trustProxyHops,
}: CallerKeyOptions): (
  request: Pick<AdmissionRequest, 'headers' | 'remoteAddress'>,
  context: GatewayContext,
) => string {
  return (request, context) => {
    // Recorded by the authentication step, which runs before the rate limit (../gateway.ts).
    const user = context.caller?.userIdentifierKey
    if (user !== undefined) return `user:${user}`
    if (!credentialHeldByServer) {
      const credential = credentialFromHeaders(request.headers)
      // A malformed credential is refused before it reaches Seam: it spends the address's share.
      if (credential !== undefined && !(credential instanceof SeamCredentialFormatError)) {
        return `credential:${digest(credentialIdentity(credential))}`
      }
    }
    const address = clientAddress(request.remoteAddress, request.headers.get('x-forwarded-for'), trustProxyHops)
    return `address:${address ?? 'unknown'}`
  }
}
