/**
 * The payload of a mutation that answers with one client session (grant, create, get-or-create):
 * `<Verb>ClientSessionPayload { clientSession: ClientSession! }`, each its own type so each can grow.
 *
 * What a mutation's resolver answers is the session itself, and the payload's field hands it on: the
 * resolver returns its call's promise as it is, without a promise more to wrap the session in an object.
 * A field the payload gains later gets its own resolver, from the session or the context.
 */
import type { ClientSession } from '../seam/client-sessions.js'
import { builder } from './builder.js'
import { ClientSessionRef } from './client-session.js'

export function clientSessionPayload(name: string, clientSessionDescription: string) {
  return builder.objectRef<ClientSession>(name).implement({
    fields: (t) => ({
      clientSession: t.field({
        type: ClientSessionRef,
        description: clientSessionDescription,
        resolve: (session) => session,
      }),
    }),
  })
}
