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

it('schema.graphql is the federation subgraph SDL: the @link to the spec and both keys of ClientSession', async () => {
  const committed = await readFile(new URL('../schema.graphql', import.meta.url), 'utf8')
  expect(committed).toMatch(
    /^extend schema\s+@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.6", import: \["@key"\]\)/,
  )
  expect(committed).toMatch(
    /type ClientSession\s+@key\(fields: "clientSessionId"\)\s+@key\(fields: "userIdentifierKey"\)\s*\{/,
  )
  // The subgraph SDL leaves out what every subgraph has: composition adds it.
  expect(committed).not.toMatch(/_entities|_service|_Any/)
})
