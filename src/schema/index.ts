import type { GraphQLSchema } from 'graphql'

import { builder } from './builder.js'
import './client-session.js'
import './client-session-entity.js'
import './client-sessions-list.js'
import './create-client-session.js'
import './grant-client-session-access.js'
import './revoke-or-delete-client-session.js'
import { buildingWithDeclaredPolicy, declaredPolicyDirectives } from './declared-policy.js'
import { checkEntityReferences } from './entity-references.js'
import { endOperationWhenRootFieldFails } from './root-field-failures.js'

/**
 * An Apollo Federation v2 subgraph: the types above plus `_service { sdl }`, `_entities` and the
 * `@link` to the federation spec. The federation plugin sorts types and fields by name. With an admin
 * scope, its SDL also declares the caller policy (./declared-policy.ts).
 */
function buildSchema(adminScope: string | undefined): GraphQLSchema {
  return buildingWithDeclaredPolicy(adminScope, () =>
    endOperationWhenRootFieldFails(
      checkEntityReferences(
        builder.toSubGraphSchema({
          linkUrl: 'https://specs.apollo.dev/federation/v2.6',
          federationDirectives: ['@key', ...declaredPolicyDirectives()],
        }),
      ),
    ),
  )
}

/** The schema without policy directives: what schema.graphql holds and most gateways serve. */
export const schema = buildSchema(undefined)

const declaringPolicy = new Map<string, GraphQLSchema>()

/**
 * The schema whose SDL declares the caller policy with `adminScope`, built once per scope (a build takes
 * a while, and gateways made with the same settings then share their prepared documents' schema).
 */
export function schemaDeclaringPolicy(adminScope: string): GraphQLSchema {
  let built = declaringPolicy.get(adminScope)
  if (built === undefined) {
    built = buildSchema(adminScope)
    declaringPolicy.set(adminScope, built)
  }
  return built
}
