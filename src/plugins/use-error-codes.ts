/**
 * Gives the errors that yoga or a plugin raises without a code (CSRF prevention's) the code
 * BAD_REQUEST, as yoga names its own request errors.
 *
 * Every other error has its code already: documents that do not parse or validate and variables that
 * do not coerce get theirs where operations are prepared and run (../prepared/), upstream failures
 * through the one mapping in ../seam/errors.ts, as execution finishes (rather than in yoga's error
 * masking, which keeps them out of yoga's "unexpected error" log: they are answers, not faults of the
 * gateway).
 */
import type { ExecutionResult, GraphQLError } from 'graphql'
import type { Plugin } from 'graphql-yoga'

import { type ErrorCode, isGraphQLError, relocated } from '../seam/errors.js'

function withCode(error: unknown, code: ErrorCode): unknown {
  if (!isGraphQLError(error) || error.extensions['code'] !== undefined) return error
  return relocated(error, error.message, { ...error.extensions, code })
}

/** The result, its errors without a code given BAD_REQUEST. Both lanes answer with it. */
export function withRequestErrorCodes(result: ExecutionResult): ExecutionResult {
  if (result.errors === undefined) return result
  return { ...result, errors: result.errors.map((error) => withCode(error, 'BAD_REQUEST') as GraphQLError) }
}

export function useErrorCodes(): Plugin {
  return {
    onResultProcess: ({ result, setResult }) => {
      if (Symbol.asyncIterator in result) return
      setResult(Array.isArray(result) ? result.map(withRequestErrorCodes) : withRequestErrorCodes(result))
    },
  }
}
