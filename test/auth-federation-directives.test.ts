/**
 * AUTH_FEDERATION_DIRECTIVES: the subgraph SDL declares the caller policy for routers that enforce it,
 * `@authenticated` on what any verified caller may do and `@requiresScopes` with the admin scope on the
 * rest, and composes with Apollo's composition. Off, the SDL is schema.graphql's, without them.
 */
import { composeServices } from '@apollo/composition'
import { parse } from 'graphql'
import { beforeAll, describe, expect, it } from 'vitest'

import { credentialFromToken } from '../src/seam/credentials.js'
import { printGatewaySchema } from '../src/schema/print.js'
import { subgraphDefinitions } from './support/federation.js'
import { apiKey, type Harness, startHarness } from './support/harness.js'
import { audience, issuer, publicKeyPem, signingKey } from './support/identity-provider.js'

const anyCaller = ['clientSession', 'getOrCreateClientSession']
const adminOnly = [
  'clientSessions',
  'createClientSession',
  'grantClientSessionAccess',
  'revokeClientSession',
  'deleteClientSession',
]

/** The directives on each root field of `sdl`, by field name. */
function rootFieldDirectives(sdl: string): Record<string, string[]> {
  const directives: Record<string, string[]> = {}
  for (const definition of parse(sdl).definitions) {
    if (definition.kind !== 'ObjectTypeDefinition' && definition.kind !== 'ObjectTypeExtension') continue
    if (definition.name.value !== 'Query' && definition.name.value !== 'Mutation') continue
    for (const field of definition.fields ?? []) {
      directives[field.name.value] = (field.directives ?? []).map((directive) =>
        // `@name(args)` as printed, for a readable comparison.
        sdl.slice(directive.loc?.start, directive.loc?.end),
      )
    }
  }
  return directives
}

async function sdlServedBy(authentication: { federationDirectives?: boolean; adminScope?: string }) {
  const key = await signingKey('k', 'ES256')
  const harness: Harness = await startHarness({
    gateway: {
      serverCredential: credentialFromToken(apiKey),
      authentication: { keys: { publicKeyPem: await publicKeyPem(key) }, issuer, audience, ...authentication },
    },
  })
  try {
    // Routers and rover ask without a token.
    const answer = await harness.graphql('{ _service { sdl } }')
    return answer.body.data?.['_service'].sdl as string
  } finally {
    await harness.close()
  }
}

describe('with AUTH_FEDERATION_DIRECTIVES=true', () => {
  let sdl: string
  beforeAll(async () => {
    sdl = await sdlServedBy({ federationDirectives: true })
  })

  it('imports @authenticated and @requiresScopes, and puts them on every root field by the policy', () => {
    expect(sdl).toContain(
      '@link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@authenticated", "@requiresScopes"])',
    )
    const directives = rootFieldDirectives(sdl)
    for (const field of anyCaller) expect(directives[field], field).toEqual(['@authenticated'])
    for (const field of adminOnly) {
      expect(directives[field], field).toEqual(['@requiresScopes(scopes: [["seam:admin"]])'])
    }
  })

  it('composes with the other subgraphs, the directives carried into the supergraph', () => {
    const [, ...others] = subgraphDefinitions()
    const result = composeServices([
      { name: 'seam', typeDefs: parse(sdl), url: 'http://seam.invalid/graphql' },
      ...others,
    ])
    expect(result.errors?.map((error) => error.message) ?? []).toEqual([])
    const supergraph = result.supergraphSdl ?? ''
    expect(supergraph).toContain('@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)')
    expect(supergraph).toContain(
      ': [ClientSession!]! @join__field(graph: SEAM) @requiresScopes(scopes: [["seam:admin"]])',
    )
    expect(supergraph).toContain(': GetOrCreateClientSessionPayload! @authenticated')
  })

  it('names the configured admin scope', async () => {
    const custom = await sdlServedBy({ federationDirectives: true, adminScope: 'gateway:admin' })
    expect(rootFieldDirectives(custom)['deleteClientSession']).toEqual(['@requiresScopes(scopes: [["gateway:admin"]])'])
  })
})

describe('without it (the default)', () => {
  it('serves schema.graphql’s SDL, with neither directive', async () => {
    const sdl = await sdlServedBy({})
    expect(`${sdl}\n`).toBe(printGatewaySchema())
    expect(sdl).not.toContain('@authenticated')
    expect(sdl).not.toContain('@requiresScopes')
  })
})
