/**
 * Walks Seam's OpenAPI contract beside the GraphQL schema and lists every difference: a property with
 * no GraphQL field, a GraphQL field with no property, and a description, deprecation or nullability
 * that does not match. Written apart from src/seam/openapi.ts on purpose, so a mistake there shows.
 */
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  isNonNullType,
  type GraphQLSchema,
} from 'graphql'

interface Property {
  description?: string
  deprecated?: boolean
  'x-deprecated'?: string
  nullable?: boolean
}

interface ObjectSchema {
  description?: string
  properties: Record<string, Property>
  required?: string[]
}

export interface OpenApi {
  paths: Record<string, Record<string, { description?: string; requestBody?: any }>>
  components: { schemas: Record<string, ObjectSchema> }
}

const camel = (name: string) => name.replace(/_(.)/g, (_, letter: string) => letter.toUpperCase())

type Member = GraphQLField<unknown, unknown> | GraphQLInputField | GraphQLArgument

/** The contract's text as GraphQL clients should read it: field names in backticks in GraphQL form. */
type ToGraphQLText = (text: string) => string

function compare(
  where: string,
  contract: ObjectSchema,
  members: readonly Member[],
  text: ToGraphQLText,
  checkNullability: boolean,
): string[] {
  const mismatches: string[] = []
  const byName = new Map(members.map((member) => [member.name, member]))
  for (const [name, property] of Object.entries(contract.properties)) {
    const member = byName.get(camel(name))
    byName.delete(camel(name))
    if (member === undefined) {
      mismatches.push(`${where}.${name}: no GraphQL field ${camel(name)}`)
      continue
    }
    const expectedReason = property.deprecated === true ? text(property['x-deprecated'] ?? '') : undefined
    if (
      (member.deprecationReason ?? undefined) !== expectedReason &&
      !(expectedReason === '' && member.deprecationReason)
    ) {
      mismatches.push(
        `${where}.${name}: deprecation is ${JSON.stringify(member.deprecationReason)}, contract says ${JSON.stringify(expectedReason)}`,
      )
    }
    if (
      (member.description ?? undefined) !==
      (property.description === undefined ? undefined : text(property.description))
    ) {
      mismatches.push(`${where}.${name}: description differs from the contract`)
    }
    if (checkNullability) {
      const nonNull = (contract.required ?? []).includes(name) && property.nullable !== true
      if (isNonNullType(member.type) !== nonNull) {
        mismatches.push(`${where}.${name}: ${member.type} but the contract says ${nonNull ? 'required' : 'optional'}`)
      }
    }
  }
  for (const extra of byName.keys()) mismatches.push(`${where}: GraphQL field ${extra} is not in the contract`)
  return mismatches
}

function requestBody(openapi: OpenApi, path: string): ObjectSchema {
  return openapi.paths[path]!['post']!.requestBody.content['application/json'].schema as ObjectSchema
}

/** Every difference between the contract and the schema, each naming the contract property. */
export function contractMismatches(openapi: OpenApi, schema: GraphQLSchema): string[] {
  const clientSession = openapi.components.schemas['client_session']!
  const grant = requestBody(openapi, '/client_sessions/grant_access')
  const get = requestBody(openapi, '/client_sessions/get')
  const knownNames = new Set([clientSession, grant, get].flatMap((object) => Object.keys(object.properties)))
  const text: ToGraphQLText = (value) =>
    value.replace(/`([a-z0-9_]+)`/g, (quoted, name: string) => (knownNames.has(name) ? `\`${camel(name)}\`` : quoted))
  const described = (where: string, actual: string | null | undefined, expected: string | undefined) =>
    (actual ?? undefined) === (expected === undefined ? undefined : text(expected))
      ? []
      : [`${where}: description differs from the contract`]
  const type = schema.getType('ClientSession') as unknown as {
    getFields(): Record<string, Member>
    description?: string
  }
  const input = schema.getType('GrantClientSessionAccessInput') as unknown as { getFields(): Record<string, Member> }
  const query = schema.getQueryType()!.getFields()['clientSession']!
  const mutation = schema.getMutationType()!.getFields()['grantClientSessionAccess']!
  return [
    ...described('client_session', type.description, clientSession.description),
    ...described(
      '/client_sessions/get',
      query.description,
      openapi.paths['/client_sessions/get']!['post']!.description,
    ),
    ...described(
      '/client_sessions/grant_access',
      mutation.description,
      openapi.paths['/client_sessions/grant_access']!['post']!.description,
    ),
    ...compare('client_session', clientSession, Object.values(type.getFields()), text, true),
    ...compare('/client_sessions/grant_access', grant, Object.values(input.getFields()), text, false),
    ...compare('/client_sessions/get', get, query.args, text, false),
  ]
}
