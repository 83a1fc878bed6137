import SchemaBuilder from '@pothos/core'
import DirectivePlugin from '@pothos/plugin-directives'
import FederationPlugin from '@pothos/plugin-federation'
import { DateTimeResolver } from 'graphql-scalars'

import type { GatewayContext } from '../context.js'

export const builder = new SchemaBuilder<{
  Context: GatewayContext
  Scalars: {
    // graphql-js turns every ID input into a string; Seam's IDs are opaque strings.
    ID: { Input: string; Output: string }
    DateTime: { Input: Date; Output: Date }
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

builder.addScalarType('DateTime', DateTimeResolver)

builder.queryType({})
builder.mutationType({})
