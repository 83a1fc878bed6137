/**
 * What every resolver gets for one operation: a Seam caller bound to that request's credential, the
 * operation's loaders, and the record of the upstream calls it made (read by logging, metrics and
 * tracing once the operation ends).
 */
import type { AnsweredLists } from './prepared/let-go-of-answers.js'
import type { SeamCaller, SeamClient, UpstreamCall, UpstreamCallObserver } from './seam/client.js'
import { type ClientSessionLoader, createClientSessionLoader } from './seam/client-session-loader.js'
import { RequestConcurrencyLimits } from './seam/concurrency-limit.js'
import { credentialFromHeaders, type SeamCredential } from './seam/credentials.js'
import { SeamServerCredentialError } from './seam/errors.js'
import type { SeamEndpoint } from './seam/openapi.js'
import { type ClientSignal, OperationCalls } from './seam/operation-calls.js'

/** Who called, as their verified token says (./auth/authentication.ts); set only when authentication is on. */
export interface VerifiedCaller {
  /** The Seam `user_identifier_key` this caller acts as: the token's user claim. */
  readonly userIdentifierKey: string
  readonly scopes: readonly string[]
  /** The token carries the admin scope: every operation is open to this caller. */
  readonly isAdmin: boolean
}

export interface GatewayContext extends AnsweredLists {
  seam: SeamCaller
  /** Set by the authentication step, before execution; undefined when authentication is off. */
  caller?: VerifiedCaller
  /**
   * Authentication is on: the caller policy (./auth/caller-policy.ts) then lets nothing through for an
   * operation without a recorded `caller`, should one ever run without the authentication step.
   */
  readonly callersVerified: boolean
  /** Every upstream call this operation made, in the order they ended. */
  upstreamCalls: UpstreamCall[]
  /**
   * The HTTP request this operation is part of, as a key: the operations of one batch share it. The
   * prepared operations count a document's runs by request (../prepared/prepared-operations.ts).
   */
  readonly requestKey: object
  /** Client sessions by identifier, each read at most once per operation. */
  clientSessions: ClientSessionLoader
  /**
   * Ends the operation's upstream calls once its result is ready (`settledResult`, ./prepared/gateway-result.ts):
   * none is started any more, those in flight are aborted. Resolves when those are recorded.
   */
  endUpstreamCalls(): Promise<void> | undefined
}

export interface ContextOptions {
  /**
   * Used for every call when set, and the caller's Authorization is ignored; otherwise each request
   * forwards its own, and a request without one is refused before any call.
   */
  serverCredential: SeamCredential | undefined
  /** Upstream calls one HTTP request may have in flight at once, all its operations together. */
  maxConcurrentCalls: number
  /** Upstream calls one operation may make. */
  upstreamCallBudget: number
  /** Where the operator hears that Seam refused the server-held credential: yoga's logger. */
  logger: { error(message: string): void }
  /** Without it (tracing off) nothing is done per call beyond recording it. */
  traceUpstreamCall?: UpstreamCallTracer | undefined
  /** Authentication is on (see `GatewayContext.callersVerified`). Default false. */
  callersVerified?: boolean
}

const serverCredentialNames: Partial<Record<SeamCredential['kind'], string>> = {
  api_key: 'the API key (SEAM_API_KEY)',
  personal_access_token: 'the personal access token (SEAM_PERSONAL_ACCESS_TOKEN)',
}

/** Names the credential by its kind, never by its value. */
function serverCredentialRefused({ kind }: SeamCredential, { endpoint, status, requestId }: UpstreamCall): string {
  const name = serverCredentialNames[kind] ?? `the ${kind} credential`
  const seamRequest = requestId === undefined ? '' : ` (seam-request-id ${requestId})`
  return (
    `Seam refused the gateway's server-held credential, ${name}, with HTTP ${status} on ${endpoint}${seamRequest}. ` +
    'Its callers get UPSTREAM_ERROR until the credential is replaced or given access.'
  )
}

/** What the context takes from the request: its headers, and a signal that aborts when its client goes away. */
export interface ContextRequest {
  headers: Pick<Headers, 'get'>
  signal: ClientSignal
}

/**
 * Starts watching one upstream call of the GraphQL context given (tracing: the call's span, a child of
 * the context's operation span). The context is the very object resolvers get, so its operation is found.
 */
export type UpstreamCallTracer = (
  graphqlContext: object,
  endpoint: SeamEndpoint,
  startedAt: number,
) => UpstreamCallObserver | undefined

export function createContextFactory(
  client: SeamClient,
  {
    serverCredential,
    maxConcurrentCalls,
    upstreamCallBudget,
    logger,
    traceUpstreamCall,
    callersVerified = false,
  }: ContextOptions,
) {
  const limits = new RequestConcurrencyLimits(maxConcurrentCalls)
  // yoga extends the object it hands the factory into the context resolvers get: the tracer finds the
  // operation through it.
  return (initialContext: { request: ContextRequest }): GatewayContext => {
    const { request } = initialContext
    const upstreamCalls: UpstreamCall[] = []
    const calls = new OperationCalls(request.signal)
    const caller = client.withCredential(serverCredential ?? credentialFromHeaders(request.headers), {
      onCall: (call) => {
        upstreamCalls.push(call)
        if (serverCredential !== undefined && call.error instanceof SeamServerCredentialError) {
          logger.error(serverCredentialRefused(serverCredential, call))
        }
      },
      ...(traceUpstreamCall !== undefined && {
        onCallStart: (endpoint, startedAt) => traceUpstreamCall(initialContext, endpoint, startedAt),
      }),
      maxCalls: upstreamCallBudget,
      calls,
      credentialHeldByServer: serverCredential !== undefined,
    })
    const seam: SeamCaller = {
      post: (endpoint, body, read) => limits.of(request).run(() => caller.post(endpoint, body, read)),
    }
    return {
      seam,
      upstreamCalls,
      requestKey: request,
      clientSessions: createClientSessionLoader(seam),
      endUpstreamCalls: () => calls.end(),
      callersVerified,
      answeredLists: undefined,
    }
  }
}
