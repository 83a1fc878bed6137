/**
 * What decides, after a document has been found fit to run, whether this caller may run it now: the
 * checks that depend on who is calling and how often, not on the document alone (the caller that
 * authentication verified, rate limits). Both lanes run the one admission, between the upstream-call
 * budget and execution, so a refusal never reaches Seam and answers alike on either lane. A caller without
 * a valid token never gets this far: ./auth/authentication-gate.ts refuses it before its document is read.
 *
 * A step refuses with a GraphQLError whose `extensions.http` carries the status and headers of the
 * answer (401 with `WWW-Authenticate`, 429 with `Retry-After`), which both lanes honour.
 */
import type { GraphQLError } from 'graphql'

import type { GatewayContext } from './context.js'
import type { PreparedOperation } from './prepared/prepared-operations.js'

/** What a step may read of the request, the same on both lanes. */
export interface AdmissionRequest {
  /**
   * The one object that stands for the HTTP request on both lanes, node's request when there is one (the
   * lean lane hands some requests on to yoga), otherwise yoga's fetch Request: what a check made once per
   * request is remembered by.
   */
  requestKey: object
  headers: Pick<Headers, 'get'>
  /** The address of the TCP peer (a proxy's, behind one); undefined when the server does not say. */
  remoteAddress: string | undefined
}

/**
 * One check: undefined to let the operation go on, or the refusal to answer with. It may complete the
 * operation's context with what it learnt (who the caller is) for the steps after it and the resolvers.
 */
export type Admission = (
  operation: PreparedOperation,
  request: AdmissionRequest,
  context: GatewayContext,
) => GraphQLError | undefined | Promise<GraphQLError | undefined>

/** The steps given, in order, the first refusal ending it; undefined when there are none, so lanes skip it. */
export function admissionOf(steps: readonly (Admission | undefined)[]): Admission | undefined {
  const present = steps.filter((step): step is Admission => step !== undefined)
  if (present.length === 0) return undefined
  if (present.length === 1) return present[0]
  return async (operation, request, context) => {
    for (const step of present) {
      const refusal = await step(operation, request, context)
      if (refusal !== undefined) return refusal
    }
    return undefined
  }
}
