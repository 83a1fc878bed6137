/**
 * One operation compiled to JavaScript by graphql-jit, answering as graphql-js would, with the gateway's
 * error codes.
 *
 * graphql-jit runs the same resolvers much faster than graphql-js, but some of what it answers a client
 * could tell apart; each difference is mended here, so that a client sees what graphql-js answered:
 * - variables are coerced as graphql-js coerces them (./variables.ts), not by graphql-jit: graphql-jit
 *   words its errors differently, lets some wrong values through (a list where an input object is due)
 *   and refuses some right ones (a non-null input field left out for its default); and a null for a
 *   variable used where a non-null value is due is refused there. graphql-jit's `query` still runs its
 *   own compiled coercion on the values coerced here (it has no way to be handed coerced values), where
 *   it only copies them: one walk of compiled code, not a second graphql-js coercion;
 * - a non-null root field that fails decides the answer, and graphql-js runs no root field after it:
 *   graphql-jit would run them all (../schema/root-field-failures.ts), and the errors of those it
 *   abandoned are left out (./gateway-result.ts);
 * - graphql-jit's errors carry `locations` but not the nodes or source positions graphql-js errors
 *   have, which yoga and `relocated` need to keep the locations: each is made a graphql-js error again;
 * - a null for a non-null field is, in graphql-js, an error with an `Error` behind it, which yoga masks
 *   as "Unexpected error." (the gateway answered something its schema forbids); graphql-jit's has none;
 * - `errors` come before `data`, as graphql-js puts them.
 * Then the codes, as for an operation graphql-js runs (./gateway-result.ts): variables that do not fit are
 * BAD_USER_INPUT (HTTP 400: the operation never ran), and upstream failures get theirs from ../seam/errors.ts.
 *
 * Left as graphql-jit has them: the wording of its errors for a resolver that breaks the schema (an
 * abstract type that resolves to no object type, a list field that returns no list), which this
 * schema's resolvers never do; and the order of errors when a nullable and a non-null field both fail
 * after waiting (graphql-js lists them as they happen, graphql-jit the nullable field's first), which
 * in graphql-js depends on timing anyway. And a list whose items are promises, one of which rejects:
 * graphql-jit puts its null at the end of the list instead of in its place, so such a resolver must
 * answer a failed item with its Error instead (as `_entities` does, ../schema/client-session-entity.ts).
 * And a non-null field below a root field that comes back null although the schema forbids it (the
 * Seam client checks answers at the wire, so only a fault of the gateway): graphql-js nulls `data` at
 * once, and the calls of the other root fields end with the answer; graphql-jit waits for them.
 */
import {
  type DocumentNode,
  type ExecutionResult,
  GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type Source,
} from 'graphql'
import { compileQuery, isCompiledQuery } from 'graphql-jit'

import type { GatewayContext } from '../context.js'
import { settledResult } from './gateway-result.js'
import type { VariableCoercion, Variables } from './variables.js'

/** Runs the operation for one request. */
export type Execute = (context: GatewayContext, variables: Variables) => ExecutionResult | Promise<ExecutionResult>

/** What both engines are given beside the operation: the same shape, so that either can stand for the other. */
export interface ExecutionOptions {
  /** graphql-js's own suggestions in its errors (the compiled engine has none; its coercion holds the setting). */
  hideSuggestions: boolean
  /** The operation's coercion of variables (./variables.ts), one for the budget's check and both engines. */
  coerce: VariableCoercion
}

/** graphql-jit's messages for what graphql-js raises as a plain `Error` (and yoga therefore masks). */
const faultsOfTheGateway = ['Cannot return null for non-nullable field ', 'Expected a value of type "']

/** Where each line of `source` starts: to turn a line and column back into a position. */
function lineStarts(source: Source): number[] {
  const starts = [0]
  // The line terminators graphql-js counts (`getLocation`).
  for (const match of source.body.matchAll(/\r\n|[\n\r]/g)) starts.push(match.index + match[0].length)
  return starts
}

/** Turns graphql-jit's errors into the graphql-js errors graphql-js would have raised at the same place. */
function graphqlJsErrors(document: DocumentNode) {
  const source = document.loc?.source
  let starts: number[] | undefined
  const positionOf = ({ line, column }: { line: number; column: number }) => {
    starts ??= lineStarts(source!)
    return (starts[line - 1] ?? 0) + column - 1
  }
  return (error: GraphQLError): GraphQLError => {
    const fault =
      error.originalError === undefined && faultsOfTheGateway.some((prefix) => error.message.startsWith(prefix))
    const originalError = fault ? new Error(error.message) : error.originalError
    return new GraphQLError(error.message, {
      ...(source !== undefined &&
        error.locations !== undefined && { source, positions: error.locations.map(positionOf) }),
      ...(error.path !== undefined && { path: error.path }),
      ...(originalError != null && { originalError }),
      ...(error.extensions !== undefined && { extensions: error.extensions }),
    })
  }
}

/**
 * graphql-jit refused to compile an operation that validated, by answering errors or throwing: it has no
 * reason to, and ./prepared-operations.ts runs such an operation on graphql-js instead.
 */
export class CompilationRefusedError extends Error {
  override readonly name = 'CompilationRefusedError'
}

export function compileExecution(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  { coerce }: ExecutionOptions,
): Execute {
  const compile = () => compileQuery(schema, document, operation.name?.value, { disablingCapturingStackErrors: true })
  let compiled: ReturnType<typeof compile>
  try {
    compiled = compile()
  } catch (error) {
    throw new CompilationRefusedError(error instanceof Error ? error.message : String(error))
  }
  if (!isCompiledQuery(compiled)) {
    throw new CompilationRefusedError((compiled.errors ?? []).map((error) => error.message).join('; '))
  }
  const asGraphqlJs = graphqlJsErrors(document)

  return (context, variables) => {
    const values = coerce(variables)
    if ('errors' in values) return values
    return settledResult(context, () => compiled.query(undefined, context, values.coerced), asGraphqlJs)
  }
}
