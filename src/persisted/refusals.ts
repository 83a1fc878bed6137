/**
 * The answers to a request for a persisted document that does not run, each with its code and its HTTP
 * status and headers in `extensions.http` (both lanes honour it).
 *
 * The messages `PersistedQueryNotFound` and `PersistedQueryNotSupported` are Apollo's: urql's persisted
 * exchange recognises the answers by message, Apollo Client by code. Both are answered with 200, as Apollo
 * Server does, and never cached: the next request with the same hash may well succeed.
 */
import { GraphQLError } from 'graphql'

import type { ErrorCode } from '../seam/errors.js'

const noCache = { 'Cache-Control': 'no-cache' }

const refusal = (message: string, code: ErrorCode, status: number, headers?: Record<string, string>) =>
  new GraphQLError(message, { extensions: { code, http: { status, ...(headers !== undefined && { headers }) } } })

/** An id the manifest does not list. Not PERSISTED_QUERY_NOT_FOUND: Apollo Client answers that with the text. */
export const notInList = () => refusal('No trusted document has this id.', 'PERSISTED_QUERY_NOT_IN_LIST', 404, noCache)

/** A document's text where only trusted documents run. */
export const idRequired = () =>
  refusal(
    'Only trusted documents run here: send the document\'s id ("documentId" or extensions.persistedQuery), not its text.',
    'PERSISTED_QUERY_ID_REQUIRED',
    400,
  )

/** An APQ hash alone that is not registered: the client sends it again with the text. */
export const notFound = () => refusal('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND', 200, noCache)

/** A persisted query where neither APQ nor a manifest serves it (APQ=false): the client sends the text. */
export const notSupported = () => refusal('PersistedQueryNotSupported', 'PERSISTED_QUERY_NOT_SUPPORTED', 200, noCache)

export const hashMismatch = () =>
  refusal('extensions.persistedQuery.sha256Hash is not the SHA-256 of the query.', 'PERSISTED_QUERY_HASH_MISMATCH', 400)

/** Parameters that name a persisted document in a way no client does. */
export const malformed = (message: string) => refusal(message, 'BAD_REQUEST', 400)
