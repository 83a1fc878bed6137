/**
 * What every resolver gets for one request: a Seam caller bound to that request's credential, the
 * request's loaders, and the record of the upstream calls it made (read by logging, metrics and
 * tracing once the request ends).
 */
import type { SeamCaller, SeamClient, UpstreamCall } from './seam/client.js'
import { type ClientSessionLoader, createClientSessionLoader } from './seam/client-session-loader.js'
import { withConcurrencyLimit } from './seam/concurrency-limit.js'
import { credentialFromHeaders, type SeamCredential } from './seam/credentials.js'

export interface GatewayContext {
  seam: SeamCaller
  /** Every upstream call this request made, in the order they ended. */
  upstreamCalls: UpstreamCall[]
  /** Client sessions by identifier, each read at most once per request. */
  clientSessions: ClientSessionLoader
}

/** What the context takes from the request: its headers, and a signal that aborts when its client goes away. */
export interface ContextRequest {
  headers: Pick<Headers, 'get'>
  signal: AbortSignal
}

/**
 * With a server-held credential every call uses it and the caller's Authorization is ignored;
 * otherwise each request forwards its own, and a request without one is refused before any call.
 * `maxConcurrentCalls` bounds all the upstream calls of one request, whichever resolver makes them.
 */
export function createContextFactory(
  client: SeamClient,
  serverCredential: SeamCredential | undefined,
  maxConcurrentCalls: number,
  /** Upstream calls one operation may make. */
  upstreamCallBudget = Infinity,
) {
  return ({ request }: { request: ContextRequest }): GatewayContext => {
    const upstreamCalls: UpstreamCall[] = []
    const seam = withConcurrencyLimit(
      client.withCredential(serverCredential ?? credentialFromHeaders(request.headers), {
        onCall: (call) => upstreamCalls.push(call),
        maxCalls: upstreamCallBudget,
        // A client that goes away takes its in-flight upstream calls with it.
        signal: request.signal,
      }),
      maxConcurrentCalls,
    )
    return { seam, upstreamCalls, clientSessions: createClientSessionLoader(seam) }
  }
}
