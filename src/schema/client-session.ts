/**
 * The ClientSession type and the query that reads one. Every description and deprecation comes from
 * Seam's contract (`client_session` and `/client_sessions/get`).
 */
import { ownSessionOrNull, requireOwnUserIdentifierKey } from '../auth/caller-policy.js'
import { clientSessionIdentifierOf } from '../seam/client-session-key.js'
import type { ClientSession } from '../seam/client-sessions.js'
import { gatewayError } from '../seam/errors.js'
import { operationDocumentation, schemaDocumentation } from '../seam/openapi.js'
import { builder } from './builder.js'
import { contractInputFields } from './contract-input.js'
import { declaredPolicy } from './declared-policy.js'

const session = schemaDocumentation('client_session')

export const ClientSessionRef = builder.objectRef<ClientSession>('ClientSession').implement({
  ...session.type,
  fields: (t) => ({
    clientSessionId: t.exposeID('clientSessionId', session.field('client_session_id')),
    workspaceId: t.exposeID('workspaceId', session.field('workspace_id')),
    createdAt: t.expose('createdAt', { type: 'DateTime', ...session.field('created_at') }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', ...session.field('expires_at') }),
    token: t.exposeString('token', session.field('token')),
    userIdentifierKey: t.exposeString('userIdentifierKey', {
      nullable: true,
      ...session.field('user_identifier_key'),
    }),
    deviceCount: t.exposeFloat('deviceCount', session.field('device_count')),
    connectedAccountIds: t.exposeIDList('connectedAccountIds', session.field('connected_account_ids')),
    connectWebviewIds: t.exposeIDList('connectWebviewIds', session.field('connect_webview_ids')),
    userIdentityId: t.exposeID('userIdentityId', { nullable: true, ...session.field('user_identity_id') }),
    userIdentityIds: t.exposeIDList('userIdentityIds', session.field('user_identity_ids')),
    customerKey: t.exposeString('customerKey', { nullable: true, ...session.field('customer_key') }),
  }),
})

const get = operationDocumentation('/client_sessions/get')

builder.queryField('clientSession', (t) =>
  t.field({
    type: ClientSessionRef,
    nullable: true,
    ...get.operation,
    // Counted against the operation's budget of upstream calls (../prepared/upstream-call-prediction.ts).
    extensions: { seamEndpoints: ['/client_sessions/get'], ...declaredPolicy('anyVerifiedCaller') },
    args: contractInputFields(t.arg, '/client_sessions/get'),
    // Not an async function: a refusal is thrown, which execution records as it records a rejection, and
    // the load's promise is chained once rather than awaited in a promise more.
    resolve: (_, args, context) => {
      // Unlike a federation reference, the query's arguments may not give both.
      const both = args.clientSessionId != null && args.userIdentifierKey != null
      const identifier = both ? undefined : clientSessionIdentifierOf(args)
      if (identifier === undefined) {
        throw gatewayError('Give exactly one of clientSessionId and userIdentifierKey.', 'BAD_USER_INPUT')
      }
      // Someone else's key is refused before any call; someone else's ID reads as an unknown one.
      if ('userIdentifierKey' in identifier) requireOwnUserIdentifierKey(context, identifier.userIdentifierKey)
      return context.clientSessions.load(identifier).then((session) => ownSessionOrNull(context, session))
    },
  }),
)
