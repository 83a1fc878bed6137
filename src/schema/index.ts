import type { GraphQLSchema } from 'graphql'

import { builder } from './builder.js'
import './client-session.js'
import './client-session-entity.js'
import './client-sessions-list.js'
import './create-client-session.js'
import './grant-client-session-access.js'
import './revoke-or-delete-client-session.js'
import { sdlDeclaringPolicy } from './declared-policy.js'
import { checkEntityReferences } from './entity-references.js'
import { endOperationWhenRootFieldFails } from './root-field-failures.js'

const policyDirectives = ['@authenticated', '@requiresScopes']

/**
 * An Apollo Federation v2 subgraph: the types above plus `_service { sdl }`, `_entities` and the
 * `@link` to the federation spec. The federation plugin sorts types and fields by name.
 */
function buildSchema(federationDirectives: string[]): GraphQLSchema {
  return endOperationWhenRootFieldFails(
    checkEntityReferences(
      builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6', federationDirectives }),
    ),
  )
}

/** The schema without policy directives: what schema.graphql holds and most gateways serve. */
export const schema = buildSchema(['@key'])

const declaringPolicy = new Map<string, GraphQLSchema>()

/**
 * The schema whose `_service { sdl }` declares the caller policy with `adminScope` (./declared-policy.ts),
 * built once per scope: gateways made with the same settings share it, and its prepared documents.
 */
export function schemaDeclaringPolicy(adminScope: string): GraphQLSchema {
  let built = declaringPolicy.get(adminScope)
  if (built === undefined) {
    built = buildSchema(['@key', ...policyDirectives])
    const sdl = sdlDeclaringPolicy(built, adminScope)
    const service = built.getQueryType()?.getFields()['_service']
    if (service === undefined) throw new Error('_service is not in the subgraph schema')
    service.resolve = () => ({ sdl })
    declaringPolicy.set(adminScope, built)
  }
  return built
}
