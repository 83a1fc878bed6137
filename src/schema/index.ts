import { builder } from './builder.js'
import './client-session.js'
import './grant-client-session-access.js'

export const schema = builder.toSchema({ sortSchema: false })
