/**
 * Which document a request runs, decided from its GraphQL parameters (`query`, `documentId`,
 * `extensions.persistedQuery`), or which refusal answers it: trusted documents (TRUSTED_DOCUMENTS,
 * TRUSTED_DOCUMENTS_ONLY) and automatic persisted queries (APQ). Both lanes ask this one module: the
 * lean lane (../lean-lane.ts) before it prepares a document, yoga in `onParams`
 * (../plugins/use-persisted-documents.ts), for GET, batches and everything else it serves.
 *
 * Written here rather than with @graphql-yoga/plugin-persisted-operations and plugin-apq: those serve
 * yoga's lane only, and their codes and statuses are not the ones the README promises.
 *
 * - `documentId` (GraphQL over HTTP's persisted documents appendix) names a trusted document;
 *   `extensions.persistedQuery.sha256Hash` (Apollo Client, urql, Codegen) names a trusted document or,
 *   failing that, an APQ entry. An id is looked up as given, and with `sha256:` added or removed.
 * - Trusted documents are prepared at start-up, to the end, and pinned (never evicted); one that does not
 *   parse or validate, or breaks an operation limit, stops start-up with its id.
 * - With TRUSTED_DOCUMENTS_ONLY, a text runs only when it asks for nothing but `{ _service { sdl } }`
 *   (what routers compose from), and APQ is off: no client text is ever registered.
 */
import { createHash } from 'node:crypto'

import type { GraphQLError } from 'graphql'

import { ConfigError } from '../config.js'
import type { PreparedDocument, PreparedOperations } from '../prepared/prepared-operations.js'
import type { ApqStore } from './apq-store.js'
import type { TrustedDocuments } from './manifest.js'
import { hashMismatch, idRequired, malformed, notFound, notInList, notSupported } from './refusals.js'

export interface PersistedDocumentsOptions {
  operations: PreparedOperations
  /** The manifest's documents, prepared (`prepareTrustedDocuments`); undefined without a manifest. */
  trustedDocuments: PreparedTrustedDocuments | undefined
  /** Refuse document texts (but the subgraph SDL's); only meaningful with `trustedDocuments`. */
  trustedDocumentsOnly: boolean
  /** The APQ store; undefined when APQ is off. */
  apq: ApqStore | undefined
}

/** A request's GraphQL parameters, as the client sent them: nothing is trusted yet. */
export interface PersistedParameters {
  query?: unknown
  documentId?: unknown
  extensions?: unknown
  operationName?: unknown
}

/** The document to run (its text and its preparation), or the refusal to answer with. */
export type Resolution = { query: string; prepared: PreparedDocument; refusal?: undefined } | { refusal: GraphQLError }

const sha256Prefix = 'sha256:'
// Fixed length, one class: no backtracking.
const sha256Hex = /^[\da-f]{64}$/

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const refused = (refusal: GraphQLError): Resolution => ({ refusal })

/** Whether a request names a persisted document (a trusted document's id, an APQ hash) rather than sending a text. */
export const namesPersistedDocument = (documentId: unknown, extensions: unknown): boolean =>
  documentId != null || (isObject(extensions) && extensions['persistedQuery'] != null)

/** Each trusted document by its id as the manifest writes it, prepared once. */
export type PreparedTrustedDocuments = ReadonlyMap<string, Resolution>

/**
 * The manifest's documents prepared to the end and pinned in `operations`; a ConfigError naming the first
 * that cannot run (it does not parse or validate, or breaks an operation limit).
 */
export function prepareTrustedDocuments(
  operations: PreparedOperations,
  documents: TrustedDocuments,
): PreparedTrustedDocuments {
  const trusted = new Map<string, Resolution>()
  for (const [id, query] of documents) {
    const prepared = operations.pin(query)
    const [error] = prepared.errors
    if (error !== undefined) throw new ConfigError(`The trusted document "${id}" cannot run: ${error.message}`)
    trusted.set(id, { query, prepared })
  }
  return trusted
}

export class PersistedDocuments {
  readonly #operations: PreparedOperations
  readonly #trusted: PreparedTrustedDocuments | undefined
  /** The manifest's longest id: one longer, even with `sha256:` removed, names nothing (ids are the tool's). */
  readonly #maxIdLength: number
  readonly #trustedOnly: boolean
  readonly #apq: ApqStore | undefined

  constructor({ operations, trustedDocuments, trustedDocumentsOnly, apq }: PersistedDocumentsOptions) {
    this.#operations = operations
    this.#trusted = trustedDocuments
    this.#maxIdLength = [...(trustedDocuments?.keys() ?? [])].reduce((longest, id) => Math.max(longest, id.length), 0)
    this.#trustedOnly = trustedDocuments !== undefined && trustedDocumentsOnly
    this.#apq = this.#trustedOnly ? undefined : apq
  }

  /**
   * Whether a request with these parameters needs `resolve`; when not, its `query` runs as it is (the
   * lean lane's common case: no persisted document, and texts are allowed).
   */
  concerns(documentId: unknown, extensions: unknown): boolean {
    return this.#trustedOnly || namesPersistedDocument(documentId, extensions)
  }

  /**
   * What the request runs, or its refusal; undefined when it is no request for a persisted document and
   * its `query` is no string (yoga's own checks answer it).
   */
  resolve({
    query,
    documentId,
    extensions,
    operationName,
  }: PersistedParameters): Resolution | Promise<Resolution> | undefined {
    const persistedQuery = isObject(extensions) ? extensions['persistedQuery'] : undefined
    // Beside an id, an empty text is no text: urql sends `query=` with a hash over GET.
    const text = typeof query === 'string' && query !== '' ? query : undefined
    if (documentId != null) {
      if (typeof documentId !== 'string') return refused(malformed('documentId must be a string.'))
      if (persistedQuery != null) return refused(malformed('Send documentId or extensions.persistedQuery, not both.'))
      if (text !== undefined) return refused(malformed('Send documentId or query, not both.'))
      if (this.#trusted === undefined) return refused(notSupported())
      return this.#trustedDocument(documentId) ?? refused(notInList())
    }
    if (persistedQuery != null) {
      const hash =
        isObject(persistedQuery) && persistedQuery['version'] === 1 ? persistedQuery['sha256Hash'] : undefined
      if (typeof hash !== 'string') {
        return refused(malformed('extensions.persistedQuery must be { "version": 1, "sha256Hash": "<hex>" }.'))
      }
      const trusted = this.#trustedDocument(hash)
      if (trusted !== undefined) return trusted
      if (this.#trustedOnly) return refused(notInList())
      if (this.#apq === undefined) return refused(notSupported())
      return this.#automatic(this.#apq, hash, text)
    }
    if (typeof query !== 'string') return undefined
    // Told from its parse alone, before anything validates or keeps it: texts refused here must not cost
    // validation nor push the prepared documents of those who run trusted ones out of the cache.
    if (this.#trustedOnly && !this.#operations.isServiceSdlRead(query, operationName)) return refused(idRequired())
    return { query, prepared: this.#operations.prepare(query) }
  }

  #trustedDocument(id: string): Resolution | undefined {
    const trusted = this.#trusted
    if (trusted === undefined || id.length > this.#maxIdLength + sha256Prefix.length) return undefined
    return (
      trusted.get(id) ?? trusted.get(id.startsWith(sha256Prefix) ? id.slice(sha256Prefix.length) : sha256Prefix + id)
    )
  }

  /** Apollo's APQ: a hash alone runs what was registered; a hash with its text registers it, and runs it. */
  #automatic(store: ApqStore, hash: string, text: string | undefined): Resolution | Promise<Resolution> {
    if (text === undefined) {
      if (!sha256Hex.test(hash)) return refused(notFound())
      const stored = store.get(hash)
      return stored instanceof Promise ? stored.then((found) => this.#registered(found)) : this.#registered(stored)
    }
    if (createHash('sha256').update(text).digest('hex') !== hash) return refused(hashMismatch())
    const prepared = this.#operations.prepare(text)
    // Only what may run is worth keeping: a text that fails is answered with its errors, and forgotten.
    if (prepared.errors.length === 0) store.set(hash, text)
    return { query: text, prepared }
  }

  #registered(query: string | undefined): Resolution {
    return query === undefined ? refused(notFound()) : { query, prepared: this.#operations.prepare(query) }
  }
}
