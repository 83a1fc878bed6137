/**
 * Gives every error a client can see a stable `extensions.code`:
 * - graphql-js's own errors, which carry none: a document that does not parse, one that does not
 *   validate, variables that cannot be coerced to their types;
 * - errors from talking to Seam, through the one mapping in ../seam/errors.ts;
 * - request errors that yoga or a plugin raises without one (CSRF prevention): BAD_REQUEST, as yoga
 *   names its own.
 *
 * Mapping Seam's errors here, as execution finishes, rather than in yoga's error masking keeps them out
 * of yoga's "unexpected error" log: they are answers, not faults of the gateway.
 */
import type { ExecutionResult, GraphQLError } from 'graphql'
import type { Plugin } from 'graphql-yoga'

import { type ErrorCode, relocated, toGraphQLError } from '../seam/errors.js'

/** Duck-typed: graphql-js may be loaded twice (ESM and CJS), and then `instanceof` lies. */
function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof Error && 'extensions' in error && 'path' in error && 'originalError' in error
}

function withCode(error: unknown, code: ErrorCode): unknown {
  if (!isGraphQLError(error) || error.extensions['code'] !== undefined) return error
  return relocated(error, error.message, { ...error.extensions, code })
}

function withRequestErrorCodes(result: ExecutionResult): ExecutionResult {
  if (result.errors === undefined) return result
  return { ...result, errors: result.errors.map((error) => withCode(error, 'BAD_REQUEST') as GraphQLError) }
}

export function useErrorCodes(): Plugin {
  return {
    onResultProcess: ({ result, setResult }) => {
      if (Symbol.asyncIterator in result) return
      setResult(Array.isArray(result) ? result.map(withRequestErrorCodes) : withRequestErrorCodes(result))
    },
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
        if (Symbol.asyncIterator in result || result.errors === undefined) return
        // graphql-js answers without `data` only when execution never started: the variables did not
        // coerce to their declared types. Errors raised while resolving always come with `data`.
        const requestError = !('data' in result)
        const errors = result.errors.map((error) =>
          requestError ? withCode(error, 'BAD_USER_INPUT') : (toGraphQLError(error) ?? error),
        ) as GraphQLError[]
        setResult({ ...result, errors })
      },
    }),
  }
}
