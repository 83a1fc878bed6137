/**
 * Gives graphql-js's own errors a stable `extensions.code`, which it leaves out: a document that does
 * not parse, one that does not validate, and variables that cannot be coerced to their types.
 */
import { GraphQLError } from 'graphql'
import type { Plugin } from 'graphql-yoga'

import type { ErrorCode } from '../seam/errors.js'

function withCode(error: unknown, code: ErrorCode): unknown {
  if (!(error instanceof GraphQLError) || error.extensions['code'] !== undefined) return error
  return new GraphQLError(error.message, {
    ...(error.nodes !== undefined && { nodes: error.nodes }),
    ...(error.source !== undefined && { source: error.source }),
    ...(error.positions !== undefined && { positions: error.positions }),
    ...(error.path !== undefined && { path: error.path }),
    ...(error.originalError != null && { originalError: error.originalError }),
    extensions: { ...error.extensions, code },
  })
}

export function useGraphQLErrorCodes(): Plugin {
  return {
    onParse:
      () =>
      ({ result, replaceParseResult }) => {
        if (result instanceof Error) replaceParseResult(withCode(result, 'GRAPHQL_PARSE_FAILED'))
      },
    onValidate:
      () =>
      ({ valid, result, setResult }) => {
        if (!valid) setResult(result.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED')))
      },
    onExecute: () => ({
      onExecuteDone: ({ result, setResult }) => {
        // graphql-js answers without `data` only when execution never started: the variables did not
        // coerce to their declared types. Errors raised while resolving always come with `data`.
        if (Symbol.asyncIterator in result || 'data' in result || result.errors === undefined) return
        setResult({ ...result, errors: result.errors.map((error) => withCode(error, 'BAD_USER_INPUT') as GraphQLError) })
      },
    }),
  }
}
