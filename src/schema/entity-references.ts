/**
 * `_entities` answers only for the entity this subgraph has: a representation whose `__typename` is not
 * `ClientSession` fails alone, with BAD_USER_INPUT, at its place in the list.
 *
 * @apollo/subgraph's resolver throws a plain Error for a type the schema does not have, which took the
 * whole list down as a masked INTERNAL_SERVER_ERROR and wrote the caller's typename (up to the body
 * limit) into the log with a stack; for a type that exists but is no entity (`Query`), it handed the
 * representation itself back as that type. Only a misconfigured or hostile client sends either.
 */
import { type GraphQLFieldResolver, type GraphQLSchema, isObjectType } from 'graphql'

import { gatewayError } from '../seam/errors.js'

const entityTypeName = 'ClientSession'

/**
 * The Error itself, in the representation's place, never thrown or rejected: graphql-jit would put the
 * null of a rejected item at the end of the list (see ./client-session-entity.ts).
 */
const notAnEntity = () =>
  gatewayError(
    `A representation's __typename must be ${entityTypeName}, the one entity of this subgraph.`,
    'BAD_USER_INPUT',
  )

export function checkEntityReferences(schema: GraphQLSchema): GraphQLSchema {
  const entities = schema.getQueryType()?.getFields()['_entities']
  const resolve = entities?.resolve
  if (entities === undefined || resolve === undefined) return schema
  if (!isObjectType(schema.getType(entityTypeName))) throw new Error(`${entityTypeName} is not in the schema`)
  const checked: GraphQLFieldResolver<unknown, unknown> = (source, args, context, info) => {
    const representations = (args as { representations: unknown[] }).representations
    if (representations.every((representation) => typeOf(representation) === entityTypeName)) {
      return resolve(source, args, context, info)
    }
    // Each one on its own, so that one foreign representation leaves the others' entities intact.
    return representations.map((representation) =>
      typeOf(representation) === entityTypeName
        ? (resolve(source, { ...args, representations: [representation] }, context, info) as unknown[])[0]
        : notAnEntity(),
    )
  }
  entities.resolve = checked
  return schema
}

function typeOf(representation: unknown): unknown {
  return typeof representation === 'object' && representation !== null
    ? (representation as Record<string, unknown>)['__typename']
    : undefined
}
