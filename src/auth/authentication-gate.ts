/**
 * With authentication on, a request whose caller has no valid token is refused with the 401 of
 * ./authentication.ts before anything looks at what it asks for: which persisted document it names,
 * whether its text parses or validates, its operation limits, its operationName, its upstream-call budget.
 * Those answers would map the schema for a stranger (field and argument names, types, which trusted ids
 * and APQ hashes exist), and cost parsing and validation for nobody; an APQ text it sends is not
 * registered. What is checked before the token is the HTTP request itself: its method, target, size,
 * content type, CSRF prevention, that its body is JSON and how many operations a batch holds.
 *
 * The one exception is a text, fit to run, that asks for nothing but the subgraph's SDL (`_service { sdl }`)
 * and `__typename`: routers and `rover` fetch the SDL without a user's token, always as a text, and
 * `{ __typename }` alone, which some health checks send, was never refused either. To tell, a text that
 * names either is parsed (within the token limit) but validated and cached only when its operation asks
 * for nothing else: `__typename` beside any other field must not buy a stranger a validation, or a place in
 * the prepared operations' cache.
 *
 * Both lanes call the one gate as they take a request (../lean-lane.ts; yoga in `onParams`,
 * ../plugins/use-authentication-gate.ts), before the persisted documents are asked; the caller it
 * verified is the one the admission step then records, without verifying again.
 */
import type { GraphQLError } from 'graphql'

import { namesPersistedDocument, type PersistedParameters } from '../persisted/persisted-documents.js'
import type { PreparedOperations } from '../prepared/prepared-operations.js'
import type { Authentication } from './authentication.js'

/**
 * The refusal of the request `requestKey` stands for (../admission.ts) when its caller has no valid token
 * and `parameters` are not the subgraph SDL's; undefined to go on.
 */
export type AuthenticationGate = (
  requestKey: object,
  authorization: string | null,
  parameters: PersistedParameters,
) => Promise<GraphQLError | undefined>

export function authenticationGate(authentication: Authentication, operations: PreparedOperations): AuthenticationGate {
  /** A text, not a persisted document, that may run and reads only `_service { sdl }` and `__typename`. */
  const readsServiceSdlOnly = ({ query, documentId, extensions, operationName }: PersistedParameters) =>
    !namesPersistedDocument(documentId, extensions) &&
    typeof query === 'string' &&
    // A text that names neither cannot be one that asks only for them: refused without being parsed.
    (query.includes('_service') || query.includes('__typename')) &&
    operations.isServiceSdlRead(query, operationName)

  return async (requestKey, authorization, parameters) => {
    const caller = await authentication.callerOf(requestKey, authorization)
    return caller instanceof Error && !readsServiceSdlOnly(parameters) ? caller : undefined
  }
}
