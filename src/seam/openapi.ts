/**
 * Descriptions and deprecations for the GraphQL schema, read from Seam's OpenAPI contract.
 *
 * The contract speaks in wire names (`user_identity_id`); GraphQL clients see camelCase
 * (`userIdentityId`). Deprecation reasons and descriptions name fields inside backticks, so those
 * names are rewritten too, or a reason would point a client at a field that does not exist for it.
 */
import { contract } from './contract.generated.js'
import { graphqlName } from './wire.js'

type Contract = typeof contract
export type SchemaName = keyof Contract['schemas']
export type SeamEndpoint = keyof Contract['operations']

interface ContractProperty {
  readonly description?: string
  readonly deprecated?: boolean
  readonly 'x-deprecated'?: string
}

/** What Pothos takes for a field, an input field or an argument. */
export interface Documentation {
  description?: string
  deprecationReason?: string
}

/** Used when the contract deprecates a property without saying why. */
const unexplainedDeprecation = 'Deprecated by the Seam API.'

/** Every property name the contract extract defines, so only real field names get rewritten. */
const wireNames: ReadonlySet<string> = new Set([
  ...Object.values(contract.schemas).flatMap((schema) => Object.keys(schema.properties)),
  ...Object.values(contract.operations).flatMap((operation) => Object.keys(operation.requestBody.properties)),
])

/** Rewrites `snake_case` field names inside backticks to their GraphQL names. */
export function toGraphQLText(text: string): string {
  return text.replace(/`([a-z][a-z0-9_]*)`/g, (quoted, name: string) =>
    wireNames.has(name) ? `\`${graphqlName(name)}\`` : quoted,
  )
}

function document(property: ContractProperty): Documentation {
  const documentation: Documentation = {}
  if (property.description !== undefined) documentation.description = toGraphQLText(property.description)
  if (property.deprecated === true) {
    documentation.deprecationReason = toGraphQLText(property['x-deprecated'] ?? unexplainedDeprecation)
  }
  return documentation
}

function describe(description: string | null): Documentation {
  return description === null ? {} : { description: toGraphQLText(description) }
}

/** Documentation for a resource type and its fields, e.g. `ClientSession`. */
export function schemaDocumentation<Name extends SchemaName>(name: Name) {
  const schema: Contract['schemas'][Name] = contract.schemas[name]
  const properties: Record<string, ContractProperty> = schema.properties
  return {
    type: describe(schema.description),
    field: (property: keyof Contract['schemas'][Name]['properties'] & string): Documentation =>
      document(properties[property] ?? {}),
  }
}

/** Documentation for an endpoint and the fields of its request body. */
export function operationDocumentation<Endpoint extends SeamEndpoint>(endpoint: Endpoint) {
  const operation: Contract['operations'][Endpoint] = contract.operations[endpoint]
  const properties: Record<string, ContractProperty> = operation.requestBody.properties
  return {
    operation: describe(operation.description),
    input: (property: keyof Contract['operations'][Endpoint]['requestBody']['properties'] & string): Documentation =>
      document(properties[property] ?? {}),
  }
}

/** The credential schemes (`api_key`, `pat_with_workspace`, …) an endpoint accepts. */
export function acceptedCredentials(endpoint: SeamEndpoint): readonly string[] {
  return contract.operations[endpoint].security
}
