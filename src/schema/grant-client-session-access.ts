/**
 * `grantClientSessionAccess`: `/client_sessions/grant_access`, answering with the updated session.
 */
import { requireAdmin } from '../auth/caller-policy.js'
import { grantClientSessionAccess } from '../seam/client-sessions.js'
import { gatewayError } from '../seam/errors.js'
import { operationDocumentation } from '../seam/openapi.js'
import { builder } from './builder.js'
import { clientSessionPayload } from './client-session-payload.js'
import { contractInputFields } from './contract-input.js'
import { declaredPolicy } from './declared-policy.js'
import { withCurrentUserIdentity } from './user-identity-input.js'

const grant = operationDocumentation('/client_sessions/grant_access')

const GrantClientSessionAccessInput = builder.inputType('GrantClientSessionAccessInput', {
  fields: (t) => contractInputFields(t, '/client_sessions/grant_access'),
})

const GrantClientSessionAccessPayload = clientSessionPayload(
  'GrantClientSessionAccessPayload',
  'The client session with the access it has after the grant.',
)

builder.mutationField('grantClientSessionAccess', (t) =>
  t.field({
    type: GrantClientSessionAccessPayload,
    ...grant.operation,
    // grant_access, and /client_sessions/get when Seam's answer has no session (see client-sessions.ts).
    extensions: {
      seamEndpoints: ['/client_sessions/grant_access', '/client_sessions/get'],
      ...declaredPolicy('adminScope'),
    },
    args: { input: t.arg({ type: GrantClientSessionAccessInput, required: true }) },
    // Not an async function: a refusal is thrown, which execution records as it records a rejection, and
    // the call's promise is chained once rather than awaited in one promise more.
    resolve: (_, { input }, context) => {
      requireAdmin(context, 'grantClientSessionAccess')
      // Seam needs to know which session to grant to, and the payload must read it back afterwards.
      if (input.clientSessionId == null && input.userIdentifierKey == null) {
        throw gatewayError('Give clientSessionId or userIdentifierKey to name the client session.', 'BAD_USER_INPUT')
      }
      return grantClientSessionAccess(context.seam, withCurrentUserIdentity(input)).then((clientSession) => ({
        clientSession,
      }))
    },
  }),
)
