/** Writes schema.graphql from the code (`npm run schema`). */
import { writeFile } from 'node:fs/promises'

import { printGatewaySchema } from '../src/schema/print.js'

await writeFile(new URL('../schema.graphql', import.meta.url), printGatewaySchema())
console.log('wrote schema.graphql')
