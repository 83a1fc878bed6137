/**
 * What every resolver gets for one request: a Seam caller bound to that request's credential, and the
 * record of the upstream calls it made (read by logging, metrics and tracing once the request ends).
 */
import type { SeamCaller, SeamClient, UpstreamCall } from './seam/client.js'
import { credentialFromHeaders, type SeamCredential } from './seam/credentials.js'

export interface GatewayContext {
  seam: SeamCaller
  /** Every upstream call this request made, in the order they ended. */
  upstreamCalls: UpstreamCall[]
}

/**
 * With a server-held credential every call uses it and the caller's Authorization is ignored;
 * otherwise each request forwards its own, and a request without one is refused before any call.
 */
export function createContextFactory(client: SeamClient, serverCredential: SeamCredential | undefined) {
  return ({ request }: { request: Request }): GatewayContext => {
    const upstreamCalls: UpstreamCall[] = []
    return {
      seam: client.withCredential(serverCredential ?? credentialFromHeaders(request.headers), {
        onCall: (call) => upstreamCalls.push(call),
        // A client that goes away takes its in-flight upstream calls with it.
        signal: request.signal,
      }),
      upstreamCalls,
    }
  }
}
