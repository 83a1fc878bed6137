/**
 * A trusted-documents manifest (TRUSTED_DOCUMENTS), in either format front-end tooling writes:
 *
 * - Apollo's persisted query manifest: `{"format":"apollo-persisted-query-manifest","version":1,
 *   "operations":[{"id","body",…}]}` (other keys of an operation, such as `name` and `type`, are ignored);
 * - GraphQL Codegen's client preset `persisted-documents.json`: `{"<id>": "<document>"}`.
 *
 * Ids are the tool's, kept exactly as written (sha1 hex, sha256 hex or `sha256:<hex>`): never recomputed.
 * Read once at start-up; what is wrong with the file is said in one sentence.
 */
import { readFileSync } from 'node:fs'

/** Document text by id, in the manifest's order. */
export type TrustedDocuments = ReadonlyMap<string, string>

export class ManifestError extends Error {
  override readonly name = 'ManifestError'
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function apolloManifest(manifest: Record<string, unknown>): Map<string, string> {
  if (manifest['version'] !== 1) throw new ManifestError('an Apollo persisted query manifest must have "version": 1.')
  const operations = manifest['operations']
  if (!Array.isArray(operations)) throw new ManifestError('an Apollo persisted query manifest needs "operations": [].')
  const documents = new Map<string, string>()
  operations.forEach((operation: unknown, index) => {
    if (!isObject(operation) || typeof operation['id'] !== 'string' || typeof operation['body'] !== 'string') {
      throw new ManifestError(`operations[${index}] needs a string "id" and a string "body".`)
    }
    add(documents, operation['id'], operation['body'])
  })
  return documents
}

function codegenManifest(manifest: Record<string, unknown>): Map<string, string> {
  const documents = new Map<string, string>()
  for (const [id, body] of Object.entries(manifest)) {
    if (typeof body !== 'string') throw new ManifestError(`the document of "${id}" must be a string.`)
    add(documents, id, body)
  }
  return documents
}

function add(documents: Map<string, string>, id: string, body: string): void {
  if (id === '') throw new ManifestError('a document has an empty id.')
  if (documents.has(id) && documents.get(id) !== body) {
    throw new ManifestError(`the id "${id}" names two different documents.`)
  }
  documents.set(id, body)
}

/** The documents of a manifest's text. */
export function parseManifest(text: string): TrustedDocuments {
  let manifest: unknown
  try {
    manifest = JSON.parse(text)
  } catch {
    throw new ManifestError('it is not JSON.')
  }
  if (!isObject(manifest)) throw new ManifestError('it must be a JSON object.')
  if ('format' in manifest) {
    if (manifest['format'] !== 'apollo-persisted-query-manifest') {
      throw new ManifestError(`its "format" is not "apollo-persisted-query-manifest".`)
    }
    return apolloManifest(manifest)
  }
  return codegenManifest(manifest)
}

/** The documents of the manifest at `path`. */
export function readManifest(path: string): TrustedDocuments {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ManifestError(`it cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'}).`)
  }
  return parseManifest(text)
}
