/**
 * The peer's resolvers: each field the benchmark asks for is one upstream call per session, as in the
 * gateway (`_entities` makes one `/client_sessions/get` per reference, all at once; a reference that
 * fails is null on its own).
 */
import type { IResolvers } from 'mercurius'

import { type ClientSession, type Seam, SeamError, toClientSession, toWireBody, type WireObject } from './seam.js'

/** What a resolver needs of its request: the credential to send upstream. */
export interface PeerContext {
  authorization: string
}

// Mercurius' way to type a context: its own interface, extended.
declare module 'mercurius' {
  interface MercuriusContext extends PeerContext {}
}

type Identifier = { clientSessionId: string } | { userIdentifierKey: string }

function identifierOf({ clientSessionId, userIdentifierKey }: Record<string, unknown>): Identifier {
  if (typeof clientSessionId === 'string') return { clientSessionId }
  if (typeof userIdentifierKey === 'string') return { userIdentifierKey }
  throw new Error('A ClientSession needs a clientSessionId or a userIdentifierKey.')
}

const sessionOf = (answer: WireObject) => toClientSession(answer['client_session'] as WireObject)

export function createResolvers(seam: Seam): IResolvers {
  async function getClientSession(identifier: Identifier, { authorization }: PeerContext) {
    try {
      return sessionOf(await seam.post('/client_sessions/get', toWireBody(identifier), authorization))
    } catch (error) {
      if (error instanceof SeamError && error.type === 'client_session_not_found') return null
      throw error
    }
  }

  return {
    Query: {
      clientSession: (_: unknown, args: Record<string, unknown>, context: PeerContext) =>
        getClientSession(identifierOf(args), context),
      clientSessions: async (
        _: unknown,
        { filter }: { filter?: Record<string, unknown> | null },
        context: PeerContext,
      ) => {
        const answer = await seam.post('/client_sessions/list', toWireBody(filter ?? {}), context.authorization)
        return (answer['client_sessions'] as WireObject[]).map(toClientSession)
      },
      _entities: (
        _: unknown,
        { representations }: { representations: Record<string, unknown>[] },
        context: PeerContext,
      ) => representations.map(async (representation) => getClientSession(identifierOf(representation), context)),
    },
    Mutation: {
      grantClientSessionAccess: async (
        _: unknown,
        { input }: { input: Record<string, unknown> },
        context: PeerContext,
      ) => {
        const answer = await seam.post('/client_sessions/grant_access', toWireBody(input), context.authorization)
        return { clientSession: sessionOf(answer) }
      },
    },
    _Entity: { resolveType: (_: ClientSession) => 'ClientSession' },
  }
}
