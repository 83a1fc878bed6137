/**
 * `grantClientSessionAccess`: `/client_sessions/grant_access`, answering with the updated session.
 */
import { type ClientSession, grantClientSessionAccess } from '../seam/client-sessions.js'
import { gatewayError } from '../seam/errors.js'
import { operationDocumentation } from '../seam/openapi.js'
import { builder } from './builder.js'
import { ClientSessionRef } from './client-session.js'
import { userIdentityIdOf } from './user-identity-input.js'

const grant = operationDocumentation('/client_sessions/grant_access')

const GrantClientSessionAccessInput = builder.inputType('GrantClientSessionAccessInput', {
  fields: (t) => ({
    clientSessionId: t.id(grant.input('client_session_id')),
    userIdentifierKey: t.string(grant.input('user_identifier_key')),
    connectedAccountIds: t.idList(grant.input('connected_account_ids')),
    connectWebviewIds: t.idList(grant.input('connect_webview_ids')),
    userIdentityId: t.id(grant.input('user_identity_id')),
    userIdentityIds: t.idList(grant.input('user_identity_ids')),
  }),
})

const GrantClientSessionAccessPayload = builder
  .objectRef<{ clientSession: ClientSession }>('GrantClientSessionAccessPayload')
  .implement({
    fields: (t) => ({
      clientSession: t.expose('clientSession', {
        type: ClientSessionRef,
        description: 'The client session with the access it has after the grant.',
      }),
    }),
  })

builder.mutationField('grantClientSessionAccess', (t) =>
  t.field({
    type: GrantClientSessionAccessPayload,
    ...grant.operation,
    // grant_access, and /client_sessions/get when Seam's answer has no session (see client-sessions.ts).
    extensions: { upstreamCalls: 2 },
    args: { input: t.arg({ type: GrantClientSessionAccessInput, required: true }) },
    resolve: async (_, { input }, { seam }) => {
      const { clientSessionId, userIdentifierKey, connectedAccountIds, connectWebviewIds } = input
      // Seam needs to know which session to grant to, and the payload must read it back afterwards.
      if (clientSessionId == null && userIdentifierKey == null) {
        throw gatewayError('Give clientSessionId or userIdentifierKey to name the client session.', 'BAD_USER_INPUT')
      }
      const userIdentityId = userIdentityIdOf(input)
      const clientSession = await grantClientSessionAccess(seam, {
        clientSessionId,
        userIdentifierKey,
        connectedAccountIds,
        connectWebviewIds,
        userIdentityId,
      })
      return { clientSession }
    },
  }),
)
