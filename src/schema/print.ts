import { printSchema } from 'graphql'

import { schema } from './index.js'

/** The SDL committed as schema.graphql; test/schema-file.test.ts keeps the two equal. */
export function printGatewaySchema(): string {
  return `${printSchema(schema)}\n`
}
