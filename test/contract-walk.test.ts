import { openapi } from '@seamapi/types/connect'
import { describe, expect, it } from 'vitest'

import { schema } from '../src/schema/index.js'
import { contractMismatches, type OpenApi } from './support/contract-walk.js'

const liveContract = openapi as unknown as OpenApi

describe("the schema against Seam's contract (@seamapi/types)", () => {
  it('has a field for every property, with the contract’s descriptions and deprecations', () => {
    // A failure here names the property. When Seam changed its contract, run `npm run contract` and
    // `npm run schema`, then add or adjust the GraphQL field.
    expect(contractMismatches(liveContract, schema)).toEqual([])
  })

  it('carries the deprecation reasons of the contract, in GraphQL names, each endpoint its own', () => {
    const fieldsOf = (name: string) =>
      (
        schema.getType(name) as unknown as { getFields(): Record<string, { deprecationReason?: string | null }> }
      ).getFields()
    const reasons = Object.fromEntries(
      [
        'ClientSession',
        'ClientSessionsFilter',
        'CreateClientSessionInput',
        'GetOrCreateClientSessionInput',
        'GrantClientSessionAccessInput',
        'RevokeClientSessionInput',
        'DeleteClientSessionInput',
      ].flatMap((type) =>
        Object.entries(fieldsOf(type))
          .filter(([, field]) => field.deprecationReason != null)
          .map(([name, field]) => [`${type}.${name}`, field.deprecationReason]),
      ),
    )
    expect(reasons).toEqual({
      'ClientSession.userIdentityIds': 'Use `userIdentityId` instead.',
      'CreateClientSessionInput.userIdentityIds': 'Use `userIdentityId` instead.',
      'GetOrCreateClientSessionInput.userIdentityIds': 'Use `userIdentityId`.',
      'GrantClientSessionAccessInput.userIdentityIds': 'Use `userIdentityId`.',
    })
  })

  it.each([
    [
      'a newly deprecated property',
      (contract: any) => {
        contract.components.schemas.client_session.properties.token.deprecated = true
        contract.components.schemas.client_session.properties.token['x-deprecated'] = 'Use `client_session_id`.'
      },
      'client_session.token: deprecation is undefined, contract says "Use `clientSessionId`."',
    ],
    [
      'a changed reason',
      (contract: any) => {
        contract.paths['/client_sessions/grant_access'].post.requestBody.content[
          'application/json'
        ].schema.properties.user_identity_ids['x-deprecated'] = 'Gone soon.'
      },
      '/client_sessions/grant_access.user_identity_ids: deprecation is "Use `userIdentityId`.", contract says "Gone soon."',
    ],
    [
      'a new property',
      (contract: any) => {
        contract.components.schemas.client_session.properties.door_count = { type: 'number', description: 'Doors.' }
      },
      'client_session.door_count: no GraphQL field doorCount',
    ],
    [
      'a removed property',
      (contract: any) => {
        delete contract.components.schemas.client_session.properties.customer_key
      },
      'client_session: GraphQL field customerKey is not in the contract',
    ],
    [
      'a changed field description',
      (contract: any) => {
        contract.components.schemas.client_session.properties.token.description = 'A new text.'
      },
      'client_session.token: description differs from the contract',
    ],
    [
      'a field that became optional',
      (contract: any) => {
        contract.components.schemas.client_session.required =
          contract.components.schemas.client_session.required.filter((name: string) => name !== 'token')
      },
      'client_session.token: String! but the contract says optional',
    ],
    [
      'a changed type description',
      (contract: any) => {
        contract.components.schemas.client_session.description = 'A new text.'
      },
      'client_session: description differs from the contract',
    ],
    [
      'a changed operation description',
      (contract: any) => {
        contract.paths['/client_sessions/grant_access'].post.description = 'A new text.'
      },
      '/client_sessions/grant_access: description differs from the contract',
    ],
    [
      'a changed argument description',
      (contract: any) => {
        contract.paths['/client_sessions/get'].post.requestBody.content[
          'application/json'
        ].schema.properties.user_identifier_key.description = 'A new text.'
      },
      '/client_sessions/get.user_identifier_key: description differs from the contract',
    ],
    [
      'a changed reason on create',
      (contract: any) => {
        contract.paths['/client_sessions/create'].post.requestBody.content[
          'application/json'
        ].schema.properties.user_identity_ids['x-deprecated'] = 'Use `user_identity_id`.'
      },
      '/client_sessions/create.user_identity_ids: deprecation is "Use `userIdentityId` instead.", contract says "Use `userIdentityId`."',
    ],
    [
      'a new list filter',
      (contract: any) => {
        contract.paths['/client_sessions/list'].post.requestBody.content[
          'application/json'
        ].schema.properties.customer_key = { type: 'string', description: 'Customer key.' }
      },
      '/client_sessions/list.customer_key: no GraphQL field customerKey',
    ],
    [
      'a property that became required',
      (contract: any) => {
        contract.paths['/client_sessions/get_or_create'].post.requestBody.content['application/json'].schema.required =
          ['user_identifier_key']
      },
      '/client_sessions/get_or_create.user_identifier_key: String but the contract says required',
    ],
    [
      'a changed mutation description',
      (contract: any) => {
        contract.paths['/client_sessions/revoke'].post.description = 'A new text.'
      },
      '/client_sessions/revoke: description differs from the contract',
    ],
    [
      'a new endpoint',
      (contract: any) => {
        contract.paths['/client_sessions/extend'] = contract.paths['/client_sessions/revoke']
      },
      '/client_sessions/extend: no GraphQL operation',
    ],
  ])('names %s when the contract moves', (_, change, mismatch) => {
    const changed = structuredClone(liveContract)
    change(changed)
    expect(contractMismatches(changed, schema)).toContain(mismatch)
  })
})
