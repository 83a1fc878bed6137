/**
 * The errors a client sees for a document that may not run: one that does not parse, one that does not
 * validate, one over an operation limit. Each carries its code, and is marked as a refusal of the
 * request: GraphQL over HTTP answers it with 400 to clients that accept
 * `application/graphql-response+json`, and with 200 to those that ask for `application/json` (yoga reads
 * `extensions.http` for the status and never sends it).
 */
import type { GraphQLError } from 'graphql'

import { type ErrorCode, relocated } from '../seam/errors.js'

/** `error`, with `code` unless it has one already, as a refusal of the request. */
export function documentError(error: GraphQLError, code: ErrorCode): GraphQLError {
  const extensions = error.extensions
  return relocated(error, error.message, {
    ...extensions,
    code: extensions['code'] ?? code,
    http: { spec: true, status: 400 },
  })
}
