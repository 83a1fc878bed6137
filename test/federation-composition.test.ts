import { composeServices } from '@apollo/composition'
import { parse } from 'graphql'
import { describe, expect, it } from 'vitest'

import { printGatewaySchema } from '../src/schema/print.js'
import { subgraphDefinitions, usersSdl } from './support/federation.js'

const messages = (errors: readonly { message: string }[] | undefined) => errors?.map((error) => error.message) ?? []

describe('composition with Apollo Federation', () => {
  it('composes the subgraph SDL with subgraphs that reference ClientSession by either key', () => {
    const result = composeServices(subgraphDefinitions())

    expect(messages(result.errors)).toEqual([])
    expect(result.supergraphSdl).toContain('@join__type(graph: SEAM, key: "clientSessionId")')
    expect(result.supergraphSdl).toContain('@join__type(graph: SEAM, key: "userIdentifierKey")')
    expect(result.supergraphSdl).toContain('@join__type(graph: USERS, key: "userIdentifierKey", resolvable: false)')
    expect(result.supergraphSdl).toContain('@join__type(graph: BOOKINGS, key: "clientSessionId", resolvable: false)')
  })

  it('refuses a subgraph that references a key the gateway does not resolve', () => {
    // Proves the test above can fail: without our second key, userIdentifierKey is a plain field that two
    // subgraphs claim, and the users subgraph has no way to reach a session.
    const withoutSecondKey = printGatewaySchema().replace(/\s*@key\(fields: "userIdentifierKey"\)/, '')
    expect(withoutSecondKey).not.toContain('@key(fields: "userIdentifierKey")')

    const result = composeServices([
      { name: 'seam', typeDefs: parse(withoutSecondKey), url: 'http://seam.invalid/graphql' },
      { name: 'users', typeDefs: parse(usersSdl), url: 'http://users.invalid/graphql' },
    ])

    expect(messages(result.errors).join('\n')).toMatch(/ClientSession\.userIdentifierKey/)
  })
})
