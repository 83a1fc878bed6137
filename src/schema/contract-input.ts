/**
 * Input fields and arguments built from an endpoint's request body in the contract extract: one GraphQL
 * field per property, with its type, requiredness, description and deprecation. Adding an endpoint is
 * then a line in scripts/extract-contract.ts, `npm run contract`, and an input type whose fields are
 * `contractInputFields(t, endpoint)`; the contract walk test holds the result to the live contract.
 *
 * Written by hand because no Pothos plugin builds input types from an OpenAPI schema.
 */
import type { ArgBuilder, InputOrArgRef } from '@pothos/core'

import { contract } from '../seam/contract.generated.js'
import { operationDocumentation, type SeamEndpoint } from '../seam/openapi.js'
import type { RequestFields } from '../seam/request-fields.js'
import { graphqlName } from '../seam/wire.js'
import type { builder } from './builder.js'

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never
type Kind = 'Arg' | 'InputObject'

/** The refs Pothos infers an input shape from, typed as the request body's fields. */
export type ContractInputFields<Endpoint extends SeamEndpoint, K extends Kind> = {
  [Name in keyof RequestFields<Endpoint>]-?: InputOrArgRef<Types, RequestFields<Endpoint>[Name], K>
}

interface ContractProperty {
  readonly type?: string
  readonly format?: string
  readonly items?: { readonly type?: string }
}

type Scalar = 'ID' | 'String' | 'Boolean' | 'DateTime'

/**
 * The GraphQL type of a request body property. Seam's IDs (`…_id`, `…_ids`) are opaque strings, served
 * as ID as on ClientSession; a shape with no case here fails the schema build, naming the property,
 * rather than reaching clients as a wrong type.
 */
function graphqlType(where: string, name: string, property: ContractProperty): Scalar | [Scalar] {
  if (property.type === 'array' && property.items?.type === 'string') return [name.endsWith('_ids') ? 'ID' : 'String']
  if (property.type === 'boolean') return 'Boolean'
  if (property.type === 'string' && property.format === 'date-time') return 'DateTime'
  if (property.type === 'string') return name.endsWith('_id') ? 'ID' : 'String'
  throw new Error(`${where}.${name}: the contract's type has no GraphQL input type in the gateway yet`)
}

type FieldFactory = (options: object) => unknown

/** The input fields of an input type built from the request body of `endpoint`. */
export function contractInputFields<Endpoint extends SeamEndpoint>(
  t: PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>,
  endpoint: Endpoint,
): ContractInputFields<Endpoint, 'InputObject'>
/** The arguments of a field built from the request body of `endpoint`. */
export function contractInputFields<Endpoint extends SeamEndpoint>(
  t: ArgBuilder<Types>,
  endpoint: Endpoint,
): ContractInputFields<Endpoint, 'Arg'>
export function contractInputFields(
  t: PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'> | ArgBuilder<Types>,
  endpoint: SeamEndpoint,
): Record<string, unknown> {
  const field: FieldFactory = typeof t === 'function' ? (t as FieldFactory) : (options) => t.field(options as never)
  const body = contract.operations[endpoint].requestBody
  const properties: Record<string, ContractProperty> = body.properties
  const required: readonly string[] = body.required
  const documentation = operationDocumentation(endpoint)
  return Object.fromEntries(
    Object.entries(properties).map(([name, property]) => [
      graphqlName(name),
      field({
        type: graphqlType(endpoint, name, property),
        required: required.includes(name),
        ...documentation.input(name as never),
      }),
    ]),
  )
}
