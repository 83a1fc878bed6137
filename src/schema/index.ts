import { builder } from './builder.js'
import './client-session.js'
import './client-session-entity.js'
import './client-sessions-list.js'
import './create-client-session.js'
import './grant-client-session-access.js'
import './revoke-or-delete-client-session.js'
import { checkEntityReferences } from './entity-references.js'
import { endOperationWhenRootFieldFails } from './root-field-failures.js'

/**
 * An Apollo Federation v2 subgraph: the types above plus `_service { sdl }`, `_entities` and the
 * `@link` to the federation spec. The federation plugin sorts types and fields by name.
 */
export const schema = endOperationWhenRootFieldFails(
  checkEntityReferences(
    builder.toSubGraphSchema({
      linkUrl: 'https://specs.apollo.dev/federation/v2.6',
      federationDirectives: ['@key'],
    }),
  ),
)
