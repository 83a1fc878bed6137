import { builder } from './builder.js'
import './client-session.js'
import './client-sessions-list.js'
import './create-client-session.js'
import './grant-client-session-access.js'
import './revoke-or-delete-client-session.js'

export const schema = builder.toSchema({ sortSchema: false })
