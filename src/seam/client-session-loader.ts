/**
 * Client sessions read once per request. Every resolver that needs a session (the `clientSession`
 * query, each reference a federation gateway sends to `_entities`) asks this loader, so one
 * identifier costs one `/client_sessions/get` call however often a request names it. Seam has no batch
 * read: each distinct identifier is its own call, all started together and bounded by the request's
 * concurrency cap (./concurrency-limit.ts). Only reads go through it: a mutation answers with the session
 * as its own write left it, never with one this loader read earlier in the request.
 *
 * `clientSessions` (the list) does not prime it: the list is a root field, so any `clientSession` or
 * `_entities` beside it in the same request is already loading before the list answers, and a
 * federation gateway sends each `_entities` fetch as a request of its own. Priming would save no call.
 */
import DataLoader from 'dataloader'

import type { SeamCaller } from './client.js'
import { type ClientSessionIdentifier, clientSessionKeyOf } from './client-session-key.js'
import { type ClientSession, getClientSession } from './client-sessions.js'

/** Loads a session by identifier; `null` when Seam does not know it. */
export type ClientSessionLoader = DataLoader<ClientSessionIdentifier, ClientSession | null, string>

// An identifier is a reference that names its session: it always has a key.
const cacheKey = (identifier: ClientSessionIdentifier) => clientSessionKeyOf(identifier)!

/** An error for one identifier fails only the resolvers that asked for it, as DataLoader has it. */
const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)))

export function createClientSessionLoader(seam: SeamCaller): ClientSessionLoader {
  return new DataLoader(
    (identifiers) => Promise.all(identifiers.map((identifier) => getClientSession(seam, identifier).catch(asError))),
    { cacheKeyFn: cacheKey },
  )
}
