/**
 * Typed upstream errors, and the one place where they become the GraphQL errors a client sees.
 *
 * Resolvers and the Seam client throw these classes; `toGraphQLError` runs on every execution result
 * (../prepared/gateway-result.ts), so every path to a response goes through it. Only what is listed
 * here reaches the client: the Seam error's message, type, request id, status and validation errors.
 * Never an upstream body, stack, URL or header.
 */
// graphql's own error, not graphql-yoga's createGraphQLError (the same constructor on graphql 16): the
// credential checks that ../config.ts reads come through here, and reading the configuration loads no server.
import { GraphQLError } from 'graphql'

import { graphqlName } from './wire.js'

/** The `extensions.code` values the gateway uses; docs/errors.md lists them (test/docs-errors.test.ts). */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'RATE_LIMITED'
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_UNAVAILABLE'
  | 'GATEWAY_TIMEOUT'
  | 'CLIENT_CLOSED_REQUEST'
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'BAD_REQUEST'
  | 'OPERATION_LIMIT_EXCEEDED'
  | 'UPSTREAM_CALL_BUDGET_EXCEEDED'
  | 'PAYLOAD_TOO_LARGE'
  | 'PERSISTED_QUERY_NOT_IN_LIST'
  | 'PERSISTED_QUERY_ID_REQUIRED'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'PERSISTED_QUERY_HASH_MISMATCH'
  | 'PERSISTED_QUERY_NOT_SUPPORTED'
  | 'INTERNAL_SERVER_ERROR'

/** The error object of a Seam error body: `{ error: { type, message, request_id, validation_errors } }`. */
export interface SeamApiErrorBody {
  type: string
  message: string
  request_id?: string
  /** zod's format: `{ _errors: [...] }` for the body as a whole, `{ field: { _errors: [...] } }` per field. */
  validation_errors?: Record<string, unknown>
}

/** Base of every error that comes from talking to Seam. */
export abstract class SeamError extends Error {}

/** Seam answered with a status outside 2xx. */
export class SeamHttpError extends SeamError {
  override readonly name = 'SeamHttpError'

  constructor(
    readonly status: number,
    readonly requestId: string | undefined,
    /** The Seam error body, when the answer had one. */
    readonly apiError: SeamApiErrorBody | undefined,
    /** From `Retry-After`, on 429 and 503. */
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(apiError?.message ?? `Seam API answered with HTTP ${status}.`)
  }
}

/** Seam answered 2xx with a body that is not the JSON its contract describes. */
export class SeamInvalidResponseError extends SeamError {
  override readonly name = 'SeamInvalidResponseError'

  constructor(
    readonly reason: string,
    readonly status: number,
    readonly requestId: string | undefined,
  ) {
    super(`Seam API answered with a body that is not the expected JSON: ${reason}.`)
  }
}

/** Seam could not be reached, or the connection broke before the answer was complete. */
export class SeamUnavailableError extends SeamError {
  override readonly name = 'SeamUnavailableError'

  constructor() {
    super('Seam API is unreachable.')
  }
}

/** Seam did not answer within the configured time. */
export class SeamTimeoutError extends SeamError {
  override readonly name = 'SeamTimeoutError'

  constructor(readonly timeoutMs: number) {
    super(`Seam API did not answer within ${timeoutMs} ms.`)
  }
}

/**
 * Nobody waits for the call's answer any more, so it was abandoned: the client went away, or its
 * operation's result was ready without it (a non-null field failed beside it). Seen in logs only:
 * there is nobody left to answer.
 */
export class SeamCancelledError extends SeamError {
  override readonly name = 'SeamCancelledError'

  constructor() {
    super('The upstream call was abandoned: nobody was waiting for its answer any more.')
  }
}

/**
 * Seam refused (401 or 403) the credential the gateway holds itself (SEAM_API_KEY, …): the operator's
 * to fix, not the caller's, so the caller gets UPSTREAM_ERROR rather than UNAUTHENTICATED or FORBIDDEN.
 */
export class SeamServerCredentialError extends SeamError {
  override readonly name = 'SeamServerCredentialError'

  constructor(
    readonly status: number,
    readonly requestId: string | undefined,
  ) {
    super(
      "Seam refused the credential this gateway is configured with: a fault of the gateway's setup, not of this request.",
    )
  }
}

/** The request has no credential, or one that the endpoint does not accept; nothing was sent. */
export class SeamCredentialError extends SeamError {
  override readonly name = 'SeamCredentialError'
}

/** A credential header the gateway will not forward (control characters, not the format Seam uses). */
export class SeamCredentialFormatError extends SeamError {
  override readonly name = 'SeamCredentialFormatError'
}

/** The operation has used up its budget of upstream calls; this one was not sent. */
export class SeamCallBudgetError extends SeamError {
  override readonly name = 'SeamCallBudgetError'

  constructor(readonly budget: number) {
    super(`This operation may make at most ${budget} calls to the Seam API.`)
  }
}

/** Duck-typed: graphql-js may be loaded twice (ESM and CJS), and then `instanceof` lies. */
export function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof Error && 'extensions' in error && 'path' in error && 'locations' in error
}

export const isSeamError = (error: unknown): error is SeamError => error instanceof SeamError

export function gatewayError(message: string, code: ErrorCode, extensions: Record<string, unknown> = {}) {
  return new GraphQLError(message, { extensions: { ...extensions, code } })
}

function codeFor({ status, apiError }: SeamHttpError): ErrorCode {
  // Seam says so in the error type (`client_session_token_already_exists`, with a 400), not the status.
  if (status >= 400 && status < 500 && apiError?.type.endsWith('_already_exists') === true) return 'ALREADY_EXISTS'
  if (status === 400 || status === 422) return 'BAD_USER_INPUT'
  if (status === 401) return 'UNAUTHENTICATED'
  if (status === 403) return 'FORBIDDEN'
  // Queries turn Seam's "not found" into null before it gets here. A 404 without a Seam error body
  // comes from something between the gateway and Seam (a wrong SEAM_ENDPOINT, a proxy).
  if (status === 404) return apiError === undefined ? 'UPSTREAM_ERROR' : 'NOT_FOUND'
  if (status === 429) return 'RATE_LIMITED'
  return 'UPSTREAM_ERROR'
}

interface ValidationError {
  /**
   * Where the error is, in GraphQL names: `userIdentityId`, `connectedAccountIds.0` for an item of a
   * list, or null for an error about the input as a whole.
   */
  field: string | null
  messages: string[]
}

const messagesIn = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((message): message is string => typeof message === 'string') : []

/** Flattens zod's nested format (`{ _errors, field: { _errors, 0: { _errors } } }`) into one list. */
function validationErrors(node: unknown, path: string[] = []): ValidationError[] {
  if (typeof node !== 'object' || node === null) return []
  return Object.entries(node).flatMap(([key, child]) => {
    if (key !== '_errors') return validationErrors(child, [...path, graphqlName(key)])
    const messages = messagesIn(child)
    return messages.length === 0 ? [] : [{ field: path.length === 0 ? null : path.join('.'), messages }]
  })
}

function describeSeamError(error: SeamError): { code: ErrorCode; extensions: object } {
  if (error instanceof SeamHttpError) {
    const seam = {
      status: error.status,
      ...(error.apiError !== undefined && { type: error.apiError.type }),
      ...(error.requestId !== undefined && { requestId: error.requestId }),
      ...(error.apiError?.validation_errors !== undefined && {
        validationErrors: validationErrors(error.apiError.validation_errors),
      }),
    }
    return {
      code: codeFor(error),
      extensions: {
        seam,
        ...(error.retryAfterSeconds !== undefined && { retryAfterSeconds: error.retryAfterSeconds }),
      },
    }
  }
  if (error instanceof SeamInvalidResponseError || error instanceof SeamServerCredentialError) {
    const seam = { status: error.status, ...(error.requestId !== undefined && { requestId: error.requestId }) }
    return { code: 'UPSTREAM_ERROR', extensions: { seam } }
  }
  if (error instanceof SeamTimeoutError) return { code: 'GATEWAY_TIMEOUT', extensions: {} }
  if (error instanceof SeamCancelledError) return { code: 'CLIENT_CLOSED_REQUEST', extensions: {} }
  if (error instanceof SeamCredentialError) return { code: 'UNAUTHENTICATED', extensions: {} }
  if (error instanceof SeamCredentialFormatError) return { code: 'BAD_USER_INPUT', extensions: {} }
  if (error instanceof SeamCallBudgetError) return { code: 'UPSTREAM_CALL_BUDGET_EXCEEDED', extensions: {} }
  return { code: 'UPSTREAM_UNAVAILABLE', extensions: {} }
}

/**
 * The code a client sees for `error`; logs, metrics and traces name failed upstream calls by it too.
 * An error that is not Seam's is a fault of the gateway itself, which yoga masks as INTERNAL_SERVER_ERROR.
 */
export const seamErrorCode = (error: Error): ErrorCode =>
  isSeamError(error) ? describeSeamError(error).code : 'INTERNAL_SERVER_ERROR'

/**
 * A new error at the same place in the operation (path, locations) with the given message and
 * extensions, and without the cause: nothing the client is not meant to see comes along.
 */
export function relocated(located: GraphQLError, message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, {
    ...(located.nodes !== undefined && { nodes: located.nodes }),
    ...(located.source !== undefined && { source: located.source }),
    ...(located.positions !== undefined && { positions: located.positions }),
    ...(located.path !== undefined && { path: located.path }),
    extensions,
  })
}

/**
 * The GraphQL error a client sees for an error thrown while resolving `located`, or undefined when the
 * error is not Seam's (then yoga's masking decides: unexpected errors stay masked).
 */
export function toGraphQLError(located: GraphQLError): GraphQLError | undefined {
  const error: unknown = located.originalError
  if (!isSeamError(error)) return undefined
  const { code, extensions } = describeSeamError(error)
  return relocated(located, error.message, { ...extensions, code })
}
