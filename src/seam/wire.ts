/**
 * The one place where names cross between GraphQL's camelCase and Seam's snake_case wire names.
 *
 * Request bodies are renamed by a list prepared once per endpoint from the contract, not by converting
 * each key of each call: the fields an endpoint takes are known before the first request.
 */
import { contract } from './contract.generated.js'
import type { SeamEndpoint } from './openapi.js'
import type { RequestFields } from './request-fields.js'

/** `user_identity_id` → `userIdentityId`, at the type level. */
export type CamelCase<Name extends string> = Name extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : Name

/** `user_identity_id` → `userIdentityId` */
export function graphqlName(wireName: string): string {
  return wireName.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase())
}

/** Each endpoint's request body fields as pairs of GraphQL name and wire name. */
const requestFieldNames: ReadonlyMap<string, readonly (readonly [string, string])[]> = new Map(
  Object.entries(contract.operations).map(([endpoint, { requestBody }]) => [
    endpoint,
    Object.keys(requestBody.properties).map((wireName) => [graphqlName(wireName), wireName] as const),
  ]),
)

/**
 * The fields the caller gave, under their wire names. Absent and null fields are left out: every optional
 * field of Seam's request bodies means "not given" when missing, and Seam rejects a null there. Dates go
 * as ISO 8601 in UTC, the contract's `date-time`. Only the endpoint's own fields go upstream.
 */
export function toWireBody<Endpoint extends SeamEndpoint>(
  endpoint: Endpoint,
  input: Partial<RequestFields<Endpoint>>,
): Record<string, unknown> {
  const given = input as Record<string, unknown>
  const body: Record<string, unknown> = {}
  for (const [name, wireName] of requestFieldNames.get(endpoint)!) {
    const value = given[name]
    if (value !== undefined && value !== null) body[wireName] = value instanceof Date ? value.toISOString() : value
  }
  return body
}
