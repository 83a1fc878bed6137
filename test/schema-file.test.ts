import { readFile } from 'node:fs/promises'

import { expect, it } from 'vitest'

import { printGatewaySchema } from '../src/schema/print.js'

it('schema.graphql is the SDL the code builds (run `npm run schema` when this fails)', async () => {
  const committed = await readFile(new URL('../schema.graphql', import.meta.url), 'utf8')
  expect(committed).toBe(printGatewaySchema())
})

it('schema.graphql shows the deprecations, inputs included', async () => {
  const committed = await readFile(new URL('../schema.graphql', import.meta.url), 'utf8')
  expect(committed).toContain('userIdentityIds: [ID!]! @deprecated(reason: "Use `userIdentityId` instead.")')
  expect(committed).toContain('userIdentityIds: [ID!] @deprecated(reason: "Use `userIdentityId`.")')
})
