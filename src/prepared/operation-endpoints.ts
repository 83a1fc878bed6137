/**
 * The Seam endpoints an operation may call: those its root fields declare (`extensions: { seamEndpoints }`,
 * which ./upstream-call-prediction.ts counts too), and `/client_sessions/get` for federation's
 * `_entities`, which the federation plugin makes without extensions. What `@skip` or `@include` may
 * leave out is counted too: this is what the operation may call, not what it will. The rate limit reads
 * it (../rate-limit/caller-key.ts): the credential an endpoint is sent is the one its contract accepts,
 * so the endpoints say whose share of Seam the operation spends.
 */
import {
  type DocumentNode,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql'

import type { SeamEndpoint } from '../seam/openapi.js'

const entitiesEndpoints: readonly SeamEndpoint[] = ['/client_sessions/get']

export function operationEndpoints(
  schema: GraphQLSchema,
  document: DocumentNode,
  definition: OperationDefinitionNode,
): readonly SeamEndpoint[] {
  const rootFields = schema.getRootType(definition.operation)?.getFields() ?? {}
  const fragments = new Map(
    document.definitions.flatMap((each) => (each.kind === Kind.FRAGMENT_DEFINITION ? [[each.name.value, each]] : [])),
  )
  const endpoints = new Set<SeamEndpoint>()
  const seenFragments = new Set<string>()
  const walk = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value
        const declared =
          name === '_entities'
            ? entitiesEndpoints
            : (rootFields[name]?.extensions['seamEndpoints'] as readonly SeamEndpoint[] | undefined)
        for (const endpoint of declared ?? []) endpoints.add(endpoint)
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet)
      } else if (!seenFragments.has(selection.name.value)) {
        seenFragments.add(selection.name.value)
        const fragment = fragments.get(selection.name.value)
        if (fragment !== undefined) walk(fragment.selectionSet)
      }
    }
  }
  walk(definition.selectionSet)
  return [...endpoints]
}
