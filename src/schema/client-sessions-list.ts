/**
 * `clientSessions(filter)`: `/client_sessions/list`. The filter's fields are the endpoint's request
 * body, from the contract; Seam applies them, all at once.
 */
import { requireAdmin } from '../auth/caller-policy.js'
import { keepUntilExecuted } from '../prepared/let-go-of-answers.js'
import { listClientSessions } from '../seam/client-sessions.js'
import { operationDocumentation } from '../seam/openapi.js'
import { builder } from './builder.js'
import { ClientSessionRef } from './client-session.js'
import { contractInputFields } from './contract-input.js'
import { declaredPolicy } from './declared-policy.js'

const list = operationDocumentation('/client_sessions/list')

const ClientSessionsFilter = builder.inputType('ClientSessionsFilter', {
  description: 'Lists only the client sessions that match every field given.',
  fields: (t) => contractInputFields(t, '/client_sessions/list'),
})

builder.queryField('clientSessions', (t) =>
  t.field({
    extensions: { seamEndpoints: ['/client_sessions/list'], ...declaredPolicy('adminScope') },
    type: [ClientSessionRef],
    ...list.operation,
    args: {
      filter: t.arg({ type: ClientSessionsFilter, description: 'Without a filter, every client session is listed.' }),
    },
    resolve: (_, { filter }, context) => {
      requireAdmin(context, 'clientSessions')
      return listClientSessions(context.seam, filter ?? {}).then((sessions) => keepUntilExecuted(context, sessions))
    },
  }),
)
