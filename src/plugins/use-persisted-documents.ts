/**
 * yoga's half of trusted documents and APQ: for every request yoga serves (GET, batches, form posts…),
 * the document that ../persisted/persisted-documents.ts finds for its parameters becomes its `query`, or
 * its refusal answers it, before yoga checks the parameters. The lean lane asks the same module.
 */
import type { GraphQLParams, Plugin } from 'graphql-yoga'

import type { PersistedDocuments, Resolution } from '../persisted/persisted-documents.js'

/** yoga's GET parser reads only the four parameters it knows; `documentId` is read from the URL here. */
export function documentIdOf(params: GraphQLParams, request: Request): unknown {
  const sent = (params as { documentId?: unknown }).documentId
  if (sent != null || request.method !== 'GET' || !request.url.includes('documentId=')) return sent
  return new URL(request.url).searchParams.get('documentId') ?? undefined
}

export function usePersistedDocuments(persisted: PersistedDocuments): Plugin {
  return {
    onParams: ({ params, request, setParams }) => {
      const documentId = documentIdOf(params, request)
      if (!persisted.concerns(documentId, params.extensions)) return
      const resolution = persisted.resolve({ ...params, documentId })
      if (resolution === undefined) return
      // Without `documentId`, which yoga's own check of the parameters would refuse as unknown.
      const { documentId: _documentId, ...known } = params as GraphQLParams & { documentId?: unknown }
      const apply = (resolved: Resolution) => {
        if (resolved.refusal !== undefined) throw resolved.refusal
        setParams({ ...known, query: resolved.query })
      }
      return resolution instanceof Promise ? resolution.then(apply) : apply(resolution)
    },
  }
}
