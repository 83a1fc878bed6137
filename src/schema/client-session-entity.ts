/**
 * ClientSession as an Apollo Federation entity. Other subgraphs reference a session by Seam's ID, or by
 * their own user ID (Seam's user identifier key), and a federation gateway fetches it from here with
 * `_entities`. Every reference goes through the request's client session loader: the same credential
 * rules, error codes and upstream client as the `clientSession` query, one upstream call per distinct
 * key, and `null` for a key Seam does not know, which leaves the other entities of the list intact.
 */
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

builder.asEntity(ClientSessionRef, {
  key: [
    builder.selection<{ clientSessionId: string }>('clientSessionId'),
    builder.selection<{ userIdentifierKey: string }>('userIdentifierKey'),
  ],
  // async: a throw must fail only this reference. @apollo/subgraph maps the references synchronously, so a
  // plain throw would take down the whole `_entities` list, and with it `data`.
  resolveReference: async (reference, { clientSessions }) => clientSessions.load(identifierOf(reference)),
})
