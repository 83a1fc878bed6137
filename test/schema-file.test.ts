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

it('schema.graphql has all seven operations, and each create input keeps its own endpoint’s deprecation', async () => {
  const committed = await readFile(new URL('../schema.graphql', import.meta.url), 'utf8')
  const block = (kind: string, name: string) =>
    committed.match(new RegExp(`\\n${kind} ${name}\\b[^{]*\\{([^}]*)\\}`))?.[1]
  const fieldsOf = (kind: string, name: string) =>
    [...(block(kind, name) ?? '').matchAll(/^ {2}(\w+)[(:]/gm)].map(([, field]) => field)

  expect(fieldsOf('type', 'Query').sort()).toEqual(['clientSession', 'clientSessions'])
  expect(fieldsOf('type', 'Mutation').sort()).toEqual([
    'createClientSession',
    'deleteClientSession',
    'getOrCreateClientSession',
    'grantClientSessionAccess',
    'revokeClientSession',
  ])
  const deprecation = (name: string) =>
    block('input', name)?.match(/userIdentityIds: \[ID!\] @deprecated\(reason: "(.*)"\)/)?.[1]
  expect(deprecation('CreateClientSessionInput')).toBe('Use `userIdentityId` instead.')
  expect(deprecation('GetOrCreateClientSessionInput')).toBe('Use `userIdentityId`.')
  expect(deprecation('GrantClientSessionAccessInput')).toBe('Use `userIdentityId`.')
})
