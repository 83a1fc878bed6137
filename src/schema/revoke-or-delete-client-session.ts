/**
 * `revokeClientSession` (`/client_sessions/revoke`) and `deleteClientSession`
 * (`/client_sessions/delete`). Seam answers both with only `ok`; the payload names the session the
 * mutation acted on, so a client can update its cache.
 */
import { requireAdmin } from '../auth/caller-policy.js'
import { deleteClientSession, revokeClientSession } from '../seam/client-sessions.js'
import { operationDocumentation } from '../seam/openapi.js'
import { builder } from './builder.js'
import { contractInputFields } from './contract-input.js'
import { declaredPolicy } from './declared-policy.js'

interface ClientSessionIdPayload {
  clientSessionId: string
}

const payload = (name: string, description: string) =>
  builder.objectRef<ClientSessionIdPayload>(name).implement({
    fields: (t) => ({ clientSessionId: t.exposeID('clientSessionId', { description }) }),
  })

const revoke = operationDocumentation('/client_sessions/revoke')

const RevokeClientSessionInput = builder.inputType('RevokeClientSessionInput', {
  fields: (t) => contractInputFields(t, '/client_sessions/revoke'),
})

const RevokeClientSessionPayload = payload('RevokeClientSessionPayload', 'ID of the client session that was revoked.')

builder.mutationField('revokeClientSession', (t) =>
  t.field({
    extensions: { seamEndpoints: ['/client_sessions/revoke'], ...declaredPolicy('adminScope') },
    type: RevokeClientSessionPayload,
    ...revoke.operation,
    args: { input: t.arg({ type: RevokeClientSessionInput, required: true }) },
    resolve: async (_, { input }, context) => {
      requireAdmin(context, 'revokeClientSession')
      await revokeClientSession(context.seam, input)
      return { clientSessionId: input.clientSessionId }
    },
  }),
)

const remove = operationDocumentation('/client_sessions/delete')

const DeleteClientSessionInput = builder.inputType('DeleteClientSessionInput', {
  fields: (t) => contractInputFields(t, '/client_sessions/delete'),
})

const DeleteClientSessionPayload = payload('DeleteClientSessionPayload', 'ID of the client session that was deleted.')

builder.mutationField('deleteClientSession', (t) =>
  t.field({
    extensions: { seamEndpoints: ['/client_sessions/delete'], ...declaredPolicy('adminScope') },
    type: DeleteClientSessionPayload,
    ...remove.operation,
    args: { input: t.arg({ type: DeleteClientSessionInput, required: true }) },
    resolve: async (_, { input }, context) => {
      requireAdmin(context, 'deleteClientSession')
      await deleteClientSession(context.seam, input)
      return { clientSessionId: input.clientSessionId }
    },
  }),
)
