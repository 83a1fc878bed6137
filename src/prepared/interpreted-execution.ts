/**
 * One operation run by graphql-js's own `execute`, with the gateway's error codes: what a document runs on
 * the first time it is sent, before it is worth compiling (./prepared-operations.ts).
 *
 * graphql-jit's compilation costs more than graphql-js takes to run the operation once (~100–250 µs for
 * the bench's documents, and then V8 compiles the generated code on its first run), and the code it makes
 * stays in memory with the prepared document. A document a client sends once, such as one with its values
 * written into the text, gains nothing from it: with every such request compiled, the gateway spent
 * twice the CPU of Mercurius (which compiles on a document's second run too) on that traffic.
 *
 * What a client reads is the same either way: ./compiled-execution.ts mends each difference of graphql-jit
 * so that it answers as graphql-js does, and test/compiled-execution.test.ts holds graphql-js, this and
 * the compiled execution to the same answers. The variables go through the same coercion first, so that
 * they are refused alike (a null where a non-null value is due included), and the answer gets the same
 * codes and lets go of the same lists.
 */
import { type DocumentNode, execute, type GraphQLSchema, type OperationDefinitionNode } from 'graphql'

import type { Execute, ExecutionOptions } from './compiled-execution.js'
import { settledResult } from './gateway-result.js'

export function interpretedExecution(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  { hideSuggestions, coerce }: ExecutionOptions,
): Execute {
  const operationName = operation.name?.value

  return (context, variables) => {
    const values = coerce(variables)
    if ('errors' in values) return values
    const run = () =>
      execute({
        schema,
        document,
        operationName,
        contextValue: context,
        variableValues: variables,
        hideSuggestions,
      })
    return settledResult(context, run)
  }
}
