/**
 * The request body of each endpoint the gateway calls, as a type read from the contract extract, in
 * GraphQL names: `RequestFields<'/client_sessions/revoke'>` is `{ clientSessionId: string }`. The schema
 * builds its input fields from the same extract (../schema/contract-input.ts), so the resolvers, the
 * Seam functions and the wire agree on every field without a hand-written list.
 */
import type { contract } from './contract.generated.js'
import type { SeamEndpoint } from './openapi.js'
import type { CamelCase } from './wire.js'

type RequestBody<Endpoint extends SeamEndpoint> = (typeof contract)['operations'][Endpoint]['requestBody']
type Properties<Endpoint extends SeamEndpoint> = RequestBody<Endpoint>['properties']

/** What a property holds once GraphQL has parsed it; the schema maps the same cases to scalars. */
type ValueOf<Property> = Property extends { type: 'array' }
  ? string[]
  : Property extends { type: 'boolean' }
    ? boolean
    : Property extends { format: 'date-time' }
      ? Date
      : string

type Names<Endpoint extends SeamEndpoint> = keyof Properties<Endpoint> & string
type RequiredNames<Endpoint extends SeamEndpoint> = RequestBody<Endpoint>['required'][number] & Names<Endpoint>

/** The fields of an endpoint's request body, in GraphQL names, as a resolver receives them. */
export type RequestFields<Endpoint extends SeamEndpoint> = {
  [Name in RequiredNames<Endpoint> as CamelCase<Name>]: ValueOf<Properties<Endpoint>[Name]>
} & {
  // Optional fields: GraphQL input may leave them out or give null; both mean "not given".
  [Name in Exclude<Names<Endpoint>, RequiredNames<Endpoint>> as CamelCase<Name>]?:
    ValueOf<Properties<Endpoint>[Name]> | null | undefined
}
