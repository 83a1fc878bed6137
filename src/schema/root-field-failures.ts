/**
 * A non-null root field that fails decides its operation's answer: `data` is null, whatever the other
 * root fields would give. graphql-js answers there and then, and runs no root field it has not started
 * (the next mutation, or the fields after one that failed at once), though it waits for those already
 * started. graphql-jit, which runs an operation from its second run on (../prepared/compiled-execution.ts),
 * would run them all, mutations included, and wait for every one before answering.
 *
 * So, as graphql-js: when such a field fails, the operation's upstream calls end at once (queued ones are
 * never sent, those in flight are aborted, ../seam/operation-calls.ts), and a root field that starts
 * after it fails with SeamCancelledError instead of running. The answer leaves out the errors of those
 * abandoned fields, whichever engine ran it (../prepared/gateway-result.ts).
 *
 * Only resolvers are watched: a non-null field deeper down that breaks the schema (a gateway fault, as
 * the Seam client checks answers at the wire) still nulls `data`, but once every root field is done.
 */
import { type GraphQLFieldResolver, type GraphQLSchema, isNonNullType } from 'graphql'

import type { GatewayContext } from '../context.js'
import { SeamCancelledError } from '../seam/errors.js'

/** The contexts of operations whose answer a failed non-null root field has decided. */
const decided = new WeakSet<object>()

function decide(context: Partial<GatewayContext>): void {
  decided.add(context)
  void context.endUpstreamCalls?.()
}

function watched(
  resolve: GraphQLFieldResolver<unknown, object>,
  decisive: boolean,
): GraphQLFieldResolver<unknown, object> {
  return (source, args, context, info) => {
    if (decided.has(context)) throw new SeamCancelledError()
    if (!decisive) return resolve(source, args, context, info)
    let result: unknown
    try {
      result = resolve(source, args, context, info)
    } catch (error) {
      decide(context)
      throw error
    }
    // Registered before the executor's own handler, so the calls end before it sees the failure.
    if (result instanceof Promise) result.catch(() => decide(context))
    return result
  }
}

export function endOperationWhenRootFieldFails(schema: GraphQLSchema): GraphQLSchema {
  for (const root of [schema.getQueryType(), schema.getMutationType()]) {
    for (const field of Object.values(root?.getFields() ?? {})) {
      if (field.resolve !== undefined) field.resolve = watched(field.resolve, isNonNullType(field.type))
    }
  }
  return schema
}
