import SchemaBuilder from '@pothos/core'
import DirectivePlugin from '@pothos/plugin-directives'
import FederationPlugin from '@pothos/plugin-federation'
import { DateTimeResolver } from 'graphql-scalars'

import type { GatewayContext } from '../context.js'
import type { IsoDateTime } from '../seam/iso-date-time.js'

export const builder = new SchemaBuilder<{
  Context: GatewayContext
  Scalars: {
    // graphql-js turns every ID input into a string; Seam's IDs are opaque strings.
    ID: { Input: string; Output: string }
    // Dates from Seam arrive checked, as strings (../seam/iso-date-time.ts).
    DateTime: { Input: Date; Output: Date | IsoDateTime }
  }
  DefaultFieldNullability: false
  DefaultInputFieldRequiredness: false
}>({
  // Federation turns the schema into an Apollo Federation v2 subgraph (`@key`, `_entities`, `_service`);
  // it needs the directives plugin to put `@key` and `@link` on the types and the schema.
  plugins: [DirectivePlugin, FederationPlugin],
  // Non-null unless a field says otherwise, as the contract's `required` list has it.
  defaultFieldNullability: false,
})

builder.addScalarType('DateTime', DateTimeResolver, {
  // A date Seam sent was checked where it arrived: served as it is, not validated a second time.
  serialize: (value) =>
    typeof value === 'string' ? (value as IsoDateTime) : (DateTimeResolver.serialize(value) as Date),
})

builder.queryType({})
builder.mutationType({})
