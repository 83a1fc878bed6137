/**
 * Ends an operation's upstream calls as soon as its result is ready (../seam/operation-calls.ts):
 * graphql-js answers once a non-null field has failed, and whatever its siblings still have queued or in
 * flight would otherwise go to Seam after the answer.
 *
 * Registered before the plugins that read the calls (metrics, tracing, the request log): the result
 * waits until the aborted calls are recorded, a matter of microseconds, and only when some were in
 * flight.
 */
import type { Plugin } from 'graphql-yoga'

import type { GatewayContext } from '../context.js'

export function useEndUpstreamCalls(): Plugin<GatewayContext> {
  return {
    onExecute: () => ({
      onExecuteDone: ({ args, result }) => {
        // A streamed result (a subscription, @defer: this schema has neither) is not done yet; its calls
        // end with its client.
        if (Symbol.asyncIterator in result) return
        return (args.contextValue as Partial<GatewayContext>).endUpstreamCalls?.()
      },
    }),
  }
}
