/**
 * Walks Seam's OpenAPI contract beside the GraphQL schema and lists every difference: a property with
 * no GraphQL field, a GraphQL field with no property, and a description, deprecation or nullability
 * that does not match. Written apart from src/seam/openapi.ts on purpose, so a mistake there shows.
 */
import {
  getNamedType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLSchema,
  isInputObjectType,
  isNonNullType,
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

/**
 * Where each endpoint's request body is in the schema: the arguments of a root field, or the fields of
 * the input type of one of its arguments. Every `/client_sessions/*` endpoint of the contract must be here.
 */
const endpoints: {
  path: string
  root: 'Query' | 'Mutation'
  field: string
  body: 'arguments' | { argument: string }
}[] = [
  { path: '/client_sessions/get', root: 'Query', field: 'clientSession', body: 'arguments' },
  { path: '/client_sessions/list', root: 'Query', field: 'clientSessions', body: { argument: 'filter' } },
  { path: '/client_sessions/create', root: 'Mutation', field: 'createClientSession', body: { argument: 'input' } },
  {
    path: '/client_sessions/get_or_create',
    root: 'Mutation',
    field: 'getOrCreateClientSession',
    body: { argument: 'input' },
  },
  {
    path: '/client_sessions/grant_access',
    root: 'Mutation',
    field: 'grantClientSessionAccess',
    body: { argument: 'input' },
  },
  { path: '/client_sessions/revoke', root: 'Mutation', field: 'revokeClientSession', body: { argument: 'input' } },
  { path: '/client_sessions/delete', root: 'Mutation', field: 'deleteClientSession', body: { argument: 'input' } },
]

/** The members that stand for an endpoint's request body, or a mismatch saying why there are none. */
function bodyMembers(
  field: GraphQLField<unknown, unknown>,
  body: (typeof endpoints)[number]['body'],
): Member[] | string {
  if (body === 'arguments') return [...field.args]
  const argument = field.args.find((candidate) => candidate.name === body.argument)
  const type = argument === undefined ? undefined : getNamedType(argument.type)
  if (!isInputObjectType(type)) return `no input object argument ${body.argument} on ${field.name}`
  return Object.values(type.getFields())
}

/** Every difference between the contract and the schema, each naming the contract property. */
export function contractMismatches(openapi: OpenApi, schema: GraphQLSchema): string[] {
  const clientSession = openapi.components.schemas['client_session']!
  const paths = Object.keys(openapi.paths).filter((path) => path.startsWith('/client_sessions/'))
  const bodies = new Map(paths.map((path) => [path, requestBody(openapi, path)]))
  const knownNames = new Set([clientSession, ...bodies.values()].flatMap((object) => Object.keys(object.properties)))
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
  const mismatches = [
    ...described('client_session', type.description, clientSession.description),
    ...compare('client_session', clientSession, Object.values(type.getFields()), text, true),
  ]
  for (const path of paths) {
    const endpoint = endpoints.find((candidate) => candidate.path === path)
    const root = endpoint && (endpoint.root === 'Query' ? schema.getQueryType() : schema.getMutationType())
    const field = endpoint && root?.getFields()[endpoint.field]
    if (endpoint === undefined || field === undefined) {
      mismatches.push(`${path}: no GraphQL operation`)
      continue
    }
    mismatches.push(...described(path, field.description, openapi.paths[path]!['post']!.description))
    const members = bodyMembers(field, endpoint.body)
    if (typeof members === 'string') mismatches.push(`${path}: ${members}`)
    else mismatches.push(...compare(path, bodies.get(path)!, members, text, true))
  }
  return mismatches
}
