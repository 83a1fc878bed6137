/**
 * ClientSession as an Apollo Federation entity. Other subgraphs reference a session by Seam's ID, or by
 * their own user ID (Seam's user identifier key), and a federation gateway fetches it from here with
 * `_entities`. Every reference goes through the request's client session loader: the same credential
 * rules, error codes and upstream client as the `clientSession` query, one upstream call per distinct
 * key, and `null` for a key Seam does not know, which leaves the other entities of the list intact.
 */
import { mayReadUserIdentifierKey, ownSessionOrNull } from '../auth/caller-policy.js'
import type { GatewayContext } from '../context.js'
import { type ClientSessionIdentifier, clientSessionIdentifierOf } from '../seam/client-session-key.js'
import { gatewayError } from '../seam/errors.js'
import { builder } from './builder.js'
import { ClientSessionRef } from './client-session.js'

/** A representation names its key fields; anything the federation gateway sends that is not a key is ignored. */
function identifierOf(reference: unknown): ClientSessionIdentifier {
  const identifier = clientSessionIdentifierOf(reference)
  if (identifier !== undefined) return identifier
  throw gatewayError('A ClientSession reference needs a clientSessionId or a userIdentifierKey.', 'BAD_USER_INPUT')
}

/** What `load` resolves to, or the Error it failed with, as a value. */
async function referenceOrError<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (error) {
    // The Error stands in the list where the session would; the executor reports it there.
    return (error instanceof Error ? error : new Error(String(error))) as T
  }
}

/**
 * The rule of `clientSession(clientSessionId:)` for every reference: a session that is not the
 * caller's is `null`, as an unknown one; by someone else's key, without asking Seam.
 */
async function sessionReferenced(identifier: ClientSessionIdentifier, context: GatewayContext) {
  if ('userIdentifierKey' in identifier && !mayReadUserIdentifierKey(context, identifier.userIdentifierKey)) {
    return null
  }
  return ownSessionOrNull(context, await context.clientSessions.load(identifier))
}

builder.asEntity(ClientSessionRef, {
  key: [
    builder.selection<{ clientSessionId: string }>('clientSessionId'),
    builder.selection<{ userIdentifierKey: string }>('userIdentifierKey'),
  ],
  // A failed reference is answered with its Error, in its place in the list, never thrown or rejected:
  // @apollo/subgraph maps the references synchronously, so a plain throw would take down the whole
  // `_entities` list, and with it `data`; and graphql-jit (../prepared/compiled-execution.ts) puts the null
  // of a rejected item at the end of the list instead of in its place. An Error value is that reference's
  // error, at its index, in graphql-js and graphql-jit alike.
  resolveReference: (reference, context) => referenceOrError(() => sessionReferenced(identifierOf(reference), context)),
})
