/**
 * `createClientSession` (`/client_sessions/create`) and `getOrCreateClientSession`
 * (`/client_sessions/get_or_create`), each answering with the session. Both deprecate
 * `userIdentityIds`, each with its own reason from the contract; the gateway sends `userIdentityId`.
 */
import { ownGetOrCreateInput, requireAdmin } from '../auth/caller-policy.js'
import { createClientSession, getOrCreateClientSession } from '../seam/client-sessions.js'
import { operationDocumentation } from '../seam/openapi.js'
import { builder } from './builder.js'
import { clientSessionPayload } from './client-session-payload.js'
import { contractInputFields } from './contract-input.js'
import { declaredPolicy } from './declared-policy.js'
import { withCurrentUserIdentity } from './user-identity-input.js'

const create = operationDocumentation('/client_sessions/create')

const CreateClientSessionInput = builder.inputType('CreateClientSessionInput', {
  fields: (t) => contractInputFields(t, '/client_sessions/create'),
})

const CreateClientSessionPayload = clientSessionPayload('CreateClientSessionPayload', 'The new client session.')

builder.mutationField('createClientSession', (t) =>
  t.field({
    extensions: { seamEndpoints: ['/client_sessions/create'], ...declaredPolicy('adminScope') },
    type: CreateClientSessionPayload,
    ...create.operation,
    args: { input: t.arg({ type: CreateClientSessionInput, required: true }) },
    resolve: async (_, { input }, context) => {
      requireAdmin(context, 'createClientSession')
      return { clientSession: await createClientSession(context.seam, withCurrentUserIdentity(input)) }
    },
  }),
)

const getOrCreate = operationDocumentation('/client_sessions/get_or_create')

const GetOrCreateClientSessionInput = builder.inputType('GetOrCreateClientSessionInput', {
  fields: (t) => contractInputFields(t, '/client_sessions/get_or_create'),
})

const GetOrCreateClientSessionPayload = clientSessionPayload(
  'GetOrCreateClientSessionPayload',
  'The client session that has these characteristics: the one that existed, or a new one.',
)

builder.mutationField('getOrCreateClientSession', (t) =>
  t.field({
    extensions: {
      seamEndpoints: ['/client_sessions/get_or_create'],
      ...declaredPolicy('anyVerifiedCaller'),
    },
    type: GetOrCreateClientSessionPayload,
    ...getOrCreate.operation,
    args: { input: t.arg({ type: GetOrCreateClientSessionInput, required: true }) },
    resolve: async (_, { input }, context) => ({
      clientSession: await getOrCreateClientSession(
        context.seam,
        withCurrentUserIdentity(ownGetOrCreateInput(context, input)),
      ),
    }),
  }),
)
