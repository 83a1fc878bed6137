/**
 * What every resolver gets for one request: a Seam caller bound to that request's credential.
 */
import type { SeamCaller, SeamClient } from './seam/client.js'
import { credentialFromHeaders, type SeamCredential } from './seam/credentials.js'

export interface GatewayContext {
  seam: SeamCaller
}

/**
 * With a server-held credential every call uses it and the caller's Authorization is ignored;
 * otherwise each request forwards its own, and a request without one is refused before any call.
 */
export function createContextFactory(client: SeamClient, serverCredential: SeamCredential | undefined) {
  return ({ request }: { request: Request }): GatewayContext => ({
    seam: client.withCredential(serverCredential ?? credentialFromHeaders(request.headers)),
  })
}
