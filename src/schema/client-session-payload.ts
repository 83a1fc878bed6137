/**
 * The payload of a mutation that answers with one client session (grant, create, get-or-create):
 * `<Verb>ClientSessionPayload { clientSession: ClientSession! }`, each its own type so each can grow.
 */
import type { ClientSession } from '../seam/client-sessions.js'
import { builder } from './builder.js'
import { ClientSessionRef } from './client-session.js'

export interface ClientSessionPayload {
  clientSession: ClientSession
}

export function clientSessionPayload(name: string, clientSessionDescription: string) {
  return builder.objectRef<ClientSessionPayload>(name).implement({
    fields: (t) => ({
      clientSession: t.expose('clientSession', { type: ClientSessionRef, description: clientSessionDescription }),
    }),
  })
}
