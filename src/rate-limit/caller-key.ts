/**
 * Who spends a rate limit: the verified user when authentication says who it is, otherwise the Seam
 * credential the operation's calls send, otherwise the address it comes from. The kinds are kept apart
 * by their prefixes (`user:`, `credential:`, `address:`), so no value of one kind can take another's count.
 *
 * The credential is what Seam will receive, not every header the request carries: a request may carry a
 * bearer token and a `seam-publishable-key`, and each endpoint is sent only the one its contract accepts
 * (../seam/credentials.ts). Keyed on both, a caller could vary the one Seam never sees and get a fresh
 * count each time while spending the same share of Seam. An operation whose endpoints are sent different
 * credentials (a publishable key to a create mutation, a bearer token of a kind the gateway does not know
 * to another) spends a point of each.
 */
import { createHash } from 'node:crypto'

import type { AdmissionRequest } from '../admission.js'
import type { GatewayContext } from '../context.js'
import type { PreparedOperation } from '../prepared/prepared-operations.js'
import { assertAccepted, credentialFromHeaders, type SeamCredential } from '../seam/credentials.js'
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

const credentialKey = (identity: string) => `credential:${digest(identity)}`

/** The keys of the credentials `operation`'s endpoints are sent; none when it calls nothing or every one refuses it. */
function sentCredentialKeys(credential: SeamCredential, operation: Pick<PreparedOperation, 'seamEndpoints'>): string[] {
  const identities = new Set<string>()
  for (const endpoint of operation.seamEndpoints) {
    try {
      identities.add(credentialIdentity(assertAccepted(endpoint, credential)))
    } catch {
      // Refused before any call: this endpoint spends nobody's share.
    }
  }
  return [...identities].map(credentialKey)
}

export function callerKeysOf({
  credentialHeldByServer,
  trustProxyHops,
}: CallerKeyOptions): (
  request: Pick<AdmissionRequest, 'headers' | 'remoteAddress'>,
  context: GatewayContext,
  operation: Pick<PreparedOperation, 'seamEndpoints'>,
) => string[] {
  return (request, context, operation) => {
    // Recorded by the authentication step, which runs before the rate limit (../gateway.ts).
    const user = context.caller?.userIdentifierKey
    if (user !== undefined) return [`user:${user}`]
    if (!credentialHeldByServer) {
      const credential = credentialFromHeaders(request.headers)
      // A malformed credential is refused before it reaches Seam: it spends the address's share.
      if (credential !== undefined && !(credential instanceof SeamCredentialFormatError)) {
        const sent = credential.publishableKey === undefined ? [] : sentCredentialKeys(credential, operation)
        // Nothing reaches Seam (`{ __typename }`, or a credential no endpoint accepts), or there is no
        // publishable key, so that whatever is sent is the credential itself: counted by all it carries.
        return sent.length > 0 ? sent : [credentialKey(credentialIdentity(credential))]
      }
    }
    const address = clientAddress(request.remoteAddress, request.headers.get('x-forwarded-for'), trustProxyHops)
    return [`address:${address ?? 'unknown'}`]
  }
}
