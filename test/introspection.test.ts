import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type Harness, startHarness } from './support/harness.js'

let harness: Harness
beforeAll(async () => {
  harness = await startHarness()
})
afterAll(() => harness.close())

describe('introspection', () => {
  it('shows deprecated input fields only when asked to, with their reasons', async () => {
    const answer = await harness.graphql(`{
      plain: __type(name: "GrantClientSessionAccessInput") { inputFields { name } }
      all: __type(name: "GrantClientSessionAccessInput") {
        inputFields(includeDeprecated: true) { name isDeprecated deprecationReason }
      }
    }`)

    const plainNames = answer.body.data?.['plain'].inputFields.map((field: { name: string }) => field.name)
    expect(plainNames).not.toContain('userIdentityIds')
    expect(plainNames).toContain('userIdentityId')
    expect(answer.body.data?.['all'].inputFields).toContainEqual({
      name: 'userIdentityIds',
      isDeprecated: true,
      deprecationReason: 'Use `userIdentityId`.',
    })
  })

  it('marks ClientSession.userIdentityIds deprecated, and only it', async () => {
    const answer = await harness.graphql(`{
      __type(name: "ClientSession") { fields(includeDeprecated: true) { name isDeprecated deprecationReason } }
    }`)

    const deprecated = answer.body.data?.['__type'].fields.filter(
      (field: { isDeprecated: boolean }) => field.isDeprecated,
    )
    expect(deprecated).toEqual([
      { name: 'userIdentityIds', isDeprecated: true, deprecationReason: 'Use `userIdentityId` instead.' },
    ])
  })
})
