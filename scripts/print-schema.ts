/**
 * `npm run schema` writes the subgraph SDL to schema.graphql; `npm run --silent sdl` prints it to
 * stdout for composition tools (`rover subgraph publish --schema -`, `rover supergraph compose`).
 */
import { writeFile } from 'node:fs/promises'

import { printGatewaySchema } from '../src/schema/print.js'

if (process.argv.includes('--stdout')) {
  process.stdout.write(printGatewaySchema())
} else {
  await writeFile(new URL('../schema.graphql', import.meta.url), printGatewaySchema())
  console.log('wrote schema.graphql')
}
