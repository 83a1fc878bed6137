import { printSubgraphSchema } from '@apollo/subgraph'

import { schema } from './index.js'

/**
 * The subgraph SDL, committed as schema.graphql and printed by `npm run sdl` for composition tools;
 * test/schema-file.test.ts keeps the two equal. graphql-js's `printSchema` would drop `@key` and
 * `@link`, without which a supergraph cannot be composed from it.
 */
export function printGatewaySchema(): string {
  return `${printSubgraphSchema(schema)}\n`
}
