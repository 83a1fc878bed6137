/**
 * Seam refuses an ID that is not a UUID wherever its contract says `format: uuid`, and takes any
 * string where it names no format; the fake must do the same, or tests pass with IDs Seam would
 * refuse. The fields come from the installed contract (@seamapi/types), request body and query
 * parameters of every /client_sessions endpoint and method, so a field the contract adds or changes
 * is checked without a line here.
 */
import { openapi } from '@seamapi/types/connect'
import { afterEach, describe, expect, it } from 'vitest'

import { FakeSeam } from '../src/fake-seam/fake-seam.js'
import { apiKey, codesOf, type Harness, startHarness, withApiKey, workspaceId } from './support/harness.js'

interface Property {
  type?: string
  format?: string
  items?: Property
}

interface Operation {
  requestBody?: { content: { 'application/json': { schema: { properties?: Record<string, Property> } } } }
  parameters?: { in: string; name: string; schema: Property }[]
}

const paths = (openapi as unknown as { paths: Record<string, Record<string, Operation>> }).paths

/** Every request field of every /client_sessions endpoint and method: `[operation, field, property]`. */
const requestFields = Object.entries(paths)
  .filter(([path]) => path.startsWith('/client_sessions/'))
  .flatMap(([path, methods]) =>
    Object.entries(methods).flatMap(([method, operation]) => {
      const fields = operation.requestBody
        ? Object.entries(operation.requestBody.content['application/json'].schema.properties ?? {})
        : (operation.parameters ?? [])
            .filter(({ in: where }) => where === 'query')
            .map((p) => [p.name, p.schema] as const)
      return fields.map(([field, property]) => [`${method.toUpperCase()} ${path}`, field, property] as const)
    }),
  )

const isString = (property: Property | undefined) => property?.type === 'string'
const uuidFields = requestFields.filter(([, , property]) => (property.items ?? property).format === 'uuid')
const anyStringFields = requestFields.filter(([, , property]) => {
  const scalar = property.type === 'array' ? property.items : property
  return isString(scalar) && scalar?.format === undefined
})

const notAUuid = 'acct-1'

let fakeSeam: FakeSeam | undefined
afterEach(async () => {
  await fakeSeam?.close()
  fakeSeam = undefined
})

/** Sends the field alone, holding a non-UUID, with a credential every endpoint takes. */
async function send(operation: string, field: string, property: Property) {
  fakeSeam = new FakeSeam({ workspaceId, apiKeys: [apiKey] })
  const origin = await fakeSeam.listen()
  const [method, path] = operation.split(' ') as [string, string]
  const value = property.type === 'array' ? [notAUuid] : notAUuid
  const inQuery = method === 'GET' || method === 'DELETE'
  const response = await fetch(`${origin}${path}${inQuery ? `?${new URLSearchParams({ [field]: notAUuid })}` : ''}`, {
    method,
    headers: { 'content-type': 'application/json', ...withApiKey },
    ...(!inQuery && { body: JSON.stringify({ [field]: value }) }),
  })
  const body = (await response.json()) as { error?: { type: string; validation_errors?: Record<string, unknown> } }
  return { status: response.status, error: body.error }
}

describe('the fake Seam, on IDs, as the contract has it', () => {
  it('finds the UUID fields the gateway sends', () => {
    expect(uuidFields.map(([operation, field]) => `${operation} ${field}`)).toEqual(
      expect.arrayContaining([
        'POST /client_sessions/get client_session_id',
        'POST /client_sessions/revoke client_session_id',
        'POST /client_sessions/delete client_session_id',
        'POST /client_sessions/create user_identity_id',
        'POST /client_sessions/get_or_create user_identity_id',
      ]),
    )
  })

  it.each(uuidFields)('%s refuses a non-UUID in %s', async (operation, field, property) => {
    const { status, error } = await send(operation, field, property)

    expect(status).toBe(400)
    expect(error?.type).toBe('invalid_input')
    expect(Object.keys(error?.validation_errors ?? {})).toContain(field)
  })

  it.each(anyStringFields)('%s takes any string in %s', async (operation, field, property) => {
    const { error } = await send(operation, field, property)

    // It may fail for another reason (no such session, another field missing), never for this one, and
    // never before it reads the field.
    expect(['unauthorized', 'forbidden', 'method_not_allowed', 'not_found']).not.toContain(error?.type)
    expect(Object.keys(error?.validation_errors ?? {})).not.toContain(field)
  })
})

describe('a non-UUID ID through the gateway', () => {
  let harness: Harness
  afterEach(() => harness.close())

  it('is BAD_USER_INPUT from Seam, naming the field in GraphQL names', async () => {
    harness = await startHarness()
    const read = await harness.graphql(`{ clientSession(clientSessionId: "${notAUuid}") { clientSessionId } }`, {
      headers: withApiKey,
    })
    const create = await harness.graphql(
      `mutation { createClientSession(input: { userIdentityId: "${notAUuid}" }) { clientSession { token } } }`,
      { headers: withApiKey },
    )

    expect(codesOf(read)).toEqual(['BAD_USER_INPUT'])
    expect(read.body.data).toEqual({ clientSession: null })
    expect(read.body.errors?.[0]?.extensions['seam']).toMatchObject({
      status: 400,
      type: 'invalid_input',
      validationErrors: [{ field: 'clientSessionId', messages: [expect.any(String)] }],
    })
    expect(codesOf(create)).toEqual(['BAD_USER_INPUT'])
    expect(create.body.errors?.[0]?.extensions['seam']).toMatchObject({
      validationErrors: [{ field: 'userIdentityId', messages: [expect.any(String)] }],
    })
    expect(harness.fakeSeam.requests.map((request) => request.path)).toEqual([
      '/client_sessions/get',
      '/client_sessions/create',
    ])
  })
})
