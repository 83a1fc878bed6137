import { afterEach, describe, expect, it } from 'vitest'

import { loadConfig } from '../src/config.js'
import { codesOf, type Harness, startHarness, withApiKey } from './support/harness.js'

let harness: Harness
afterEach(() => harness.close())

/** The gateway options `npm start` would use with this environment. */
const configured = (env: Record<string, string>) => {
  const { introspection, graphiql } = loadConfig(env)
  return { introspection, graphiql }
}

const introspection = '{ __schema { queryType { name } } }'
const typeQuery = '{ __type(name: "ClientSession") { name } }'
const misspelled = '{ clientSesion(userIdentifierKey: "user_42") { token } }'
const misspelledVariable = `mutation ($input: GrantClientSessionAccessInput!) {
  grantClientSessionAccess(input: $input) { clientSession { token } } }`

/** What a browser that opens the GraphQL URL gets. */
async function openGraphiQL() {
  const response = await fetch(harness.gatewayUrl, { headers: { accept: 'text/html' } })
  return { contentType: response.headers.get('content-type') ?? '', text: await response.text() }
}

describe('with NODE_ENV=production', () => {
  it('refuses introspection before any upstream call, and serves __typename and every field', async () => {
    harness = await startHarness({ gateway: configured({ NODE_ENV: 'production' }) })

    for (const query of [introspection, typeQuery]) {
      const answer = await harness.graphql(query)
      expect(codesOf(answer)).toContain('GRAPHQL_VALIDATION_FAILED')
      expect(new Set(codesOf(answer))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']))
      expect(answer.body.data).toBeUndefined()
    }
    expect((await harness.graphql('{ __typename }')).body).toEqual({ data: { __typename: 'Query' } })
    expect(harness.fakeSeam.requests).toHaveLength(0)
    const read = await harness.graphql('{ clientSession(userIdentifierKey: "user_42") { __typename token } }', {
      headers: withApiKey,
    })
    expect(codesOf(read)).toEqual([])
    expect(harness.fakeSeam.requests).toHaveLength(1)
  })

  it('suggests no field names, in validation or in variables', async () => {
    harness = await startHarness({ gateway: configured({ NODE_ENV: 'production' }) })
    const field = await harness.graphql(misspelled, { headers: withApiKey })
    const variable = await harness.graphql(misspelledVariable, {
      headers: withApiKey,
      variables: { input: { clientSessionIdd: 'x' } },
    })

    expect(codesOf(field)).toEqual(['GRAPHQL_VALIDATION_FAILED'])
    expect(field.body.errors?.[0]?.message).toBe('Cannot query field "clientSesion" on type "Query".')
    expect(codesOf(variable)).toEqual(['BAD_USER_INPUT'])
    expect(variable.body.errors?.[0]?.message).toMatch(/is not defined by type "GrantClientSessionAccessInput"\.$/)
    expect(field.text + variable.text).not.toMatch(/Did you mean|clientSession"|clientSessionId"/)
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })

  it('suggests no type names in inline fragments either', async () => {
    harness = await startHarness({ gateway: configured({ NODE_ENV: 'production' }) })
    const answer = await harness.graphql('{ _entities(representations: []) { clientSessionId } }')

    expect(codesOf(answer)).toEqual(['GRAPHQL_VALIDATION_FAILED'])
    expect(answer.body.errors?.[0]?.message).toBe('Cannot query field "clientSessionId" on type "_Entity".')
  })

  it('serves no GraphiQL', async () => {
    harness = await startHarness({ gateway: configured({ NODE_ENV: 'production' }) })
    const page = await openGraphiQL()

    expect(page.contentType).not.toContain('text/html')
    expect(page.text).not.toContain('<html')
  })

  it('serves all three when INTROSPECTION=true and GRAPHIQL=true', async () => {
    harness = await startHarness({
      gateway: configured({ NODE_ENV: 'production', INTROSPECTION: 'true', GRAPHIQL: 'true' }),
    })

    expect((await harness.graphql(introspection)).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } })
    expect((await harness.graphql(misspelled)).body.errors?.[0]?.message).toContain('Did you mean "clientSession"')
    expect((await openGraphiQL()).contentType).toContain('text/html')
  })
})

describe('without NODE_ENV=production', () => {
  it('serves introspection, suggestions and GraphiQL', async () => {
    harness = await startHarness({ gateway: configured({}) })
    const variable = await harness.graphql(misspelledVariable, {
      headers: withApiKey,
      variables: { input: { clientSessionIdd: 'x' } },
    })

    expect((await harness.graphql(typeQuery)).body.data).toEqual({ __type: { name: 'ClientSession' } })
    expect(variable.body.errors?.[0]?.message).toContain('Did you mean "clientSessionId"?')
    expect((await openGraphiQL()).contentType).toContain('text/html')
  })
})
