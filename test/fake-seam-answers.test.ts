/**
 * The tests hold the gateway to the fake Seam; this holds the fake to Seam's contract. Every endpoint
 * the contract lists under /client_sessions/ is called on the fake, by every method the contract gives
 * it, and each answer is checked with ajv against the installed contract (@seamapi/types, not the
 * gateway's extract): a success against the response schema of its endpoint, method and status, with
 * no field the contract does not name; an error against the contract's schema for its status when there
 * is one, else against Seam's error body.
 *
 * Left out on purpose: `grantAnswer: 'empty'`, the `{}` of Seam's cURL sample that the contract's schema
 * contradicts (served so the gateway is held to both), and the faults tests queue with `failNext`.
 */
import { openapi } from '@seamapi/types/connect'
import { Ajv, type AnySchema, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { afterEach, describe, expect, it } from 'vitest'

import { createDemoFakeSeam, demoApiKey, demoPublishableKey, demoWorkspace } from '../src/fake-seam/demo-data.js'
import type { FakeSeam } from '../src/fake-seam/fake-seam.js'

const addFormats = addFormatsModule.default

type Json = Record<string, any>
const contract = openapi as unknown as { paths: Record<string, Record<string, Json>>; components: Json }

// The contract's own keywords (`x-route-path`, `x-deprecated`…) are not JSON Schema: ajv ignores them.
const ajv = new Ajv({ strict: false, allErrors: true })
addFormats(ajv)

/**
 * The schema with `additionalProperties: false` on every object that lists its properties: Seam may add
 * fields one day and the gateway must bear that, but a field the fake invents is a misreading.
 */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed)
  if (typeof schema !== 'object' || schema === null) return schema
  const copy = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, closed(value)]))
  return 'properties' in copy && !('additionalProperties' in copy) ? { ...copy, additionalProperties: false } : copy
}

// `$ref`s point into the contract's components: each compiled schema carries them along.
const components = closed(contract.components)

function responseSchema(path: string, method: string, status: number): ValidateFunction | undefined {
  const schema = contract.paths[path]?.[method]?.['responses']?.[String(status)]?.content?.['application/json']?.schema
  return schema === undefined ? undefined : ajv.compile({ ...(closed(schema) as Json), components } as AnySchema)
}

/** Seam's error body, as Seam's SDK reads it; the contract gives its error statuses no schema. */
const seamError = ajv.compile({
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['type', 'message', 'request_id'],
      additionalProperties: false,
      properties: {
        type: { type: 'string', minLength: 1 },
        message: { type: 'string' },
        request_id: { type: 'string', format: 'uuid' },
        validation_errors: { type: 'object' },
      },
    },
  },
})

const operations = Object.entries(contract.paths)
  .filter(([path]) => path.startsWith('/client_sessions/'))
  .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))

const [jane, john] = demoWorkspace.clientSessions!
const newId = () => crypto.randomUUID()
const api = { authorization: `Bearer ${demoApiKey}` }

interface Exchange {
  /** What the case shows. */
  name: string
  /** The query string of a GET or DELETE, or the JSON body of any other method. */
  input: Record<string, unknown>
  /** The credential headers, instead of the demo API key. */
  headers?: Record<string, string>
  /** A method to send instead of the contract's. */
  method?: string
}

/** For each endpoint and method of the contract, requests that succeed: each kind of answer it gives. */
const successes: Record<string, Exchange[]> = {
  'POST /client_sessions/get': [
    { name: 'by ID', input: { client_session_id: jane!.client_session_id } },
    { name: 'by user identifier key, with a user identity', input: { user_identifier_key: 'john_roe' } },
    { name: 'by its own client session token', input: {}, headers: { authorization: `Bearer ${jane!.token}` } },
  ],
  'GET /client_sessions/get': [{ name: 'by ID', input: { client_session_id: john!.client_session_id } }],
  'POST /client_sessions/list': [
    { name: 'all, seeded ones included', input: {} },
    { name: 'by user identity', input: { user_identity_id: john!.user_identity_id } },
    { name: 'none', input: { user_identifier_key: 'nobody' } },
  ],
  'GET /client_sessions/list': [{ name: 'by user identifier key', input: { user_identifier_key: 'jane_doe' } }],
  'POST /client_sessions/create': [
    { name: 'with nothing', input: {} },
    {
      name: 'with everything',
      input: {
        user_identifier_key: 'maria_roe',
        user_identity_id: newId(),
        customer_key: 'customer_acme',
        customer_id: 'customer-1',
        connected_account_ids: [newId()],
        connect_webview_ids: [newId()],
        expires_at: '2030-01-01T00:00:00Z',
      },
    },
    { name: 'with the deprecated user_identity_ids', input: { user_identity_ids: [newId()] } },
    {
      name: 'with a publishable key',
      input: { user_identifier_key: 'browser_user' },
      headers: { 'seam-publishable-key': demoPublishableKey },
    },
  ],
  'PUT /client_sessions/create': [{ name: 'for a user who has one', input: { user_identifier_key: 'jane_doe' } }],
  'POST /client_sessions/get_or_create': [
    { name: 'existing, with access added', input: { user_identifier_key: 'jane_doe', connect_webview_ids: [newId()] } },
    { name: 'new, by user identity', input: { user_identity_id: newId(), expires_at: '2030-01-01T00:00:00.000Z' } },
  ],
  'POST /client_sessions/grant_access': [
    { name: 'by ID', input: { client_session_id: jane!.client_session_id, connected_account_ids: [newId()] } },
    { name: 'by user identifier key', input: { user_identifier_key: 'john_roe', user_identity_id: newId() } },
  ],
  'PATCH /client_sessions/grant_access': [
    { name: 'by ID', input: { client_session_id: john!.client_session_id, connect_webview_ids: [newId()] } },
  ],
  'POST /client_sessions/revoke': [{ name: 'by ID', input: { client_session_id: john!.client_session_id } }],
  'POST /client_sessions/delete': [{ name: 'by ID', input: { client_session_id: john!.client_session_id } }],
  'DELETE /client_sessions/delete': [{ name: 'by ID', input: { client_session_id: jane!.client_session_id } }],
}

/** For each endpoint, requests Seam refuses, by the status the fake answers them with. */
const failures: Record<string, (Exchange & { status: number })[]> = {
  'POST /client_sessions/get': [
    { name: 'unknown', input: { client_session_id: newId() }, status: 404 },
    { name: 'without a credential', input: {}, headers: {}, status: 401 },
    { name: 'with a publishable key', input: {}, headers: { 'seam-publishable-key': demoPublishableKey }, status: 403 },
    { name: 'with an unknown field', input: { client_session_ids: [] }, status: 400 },
  ],
  'POST /client_sessions/list': [{ name: 'by a method it does not take', input: {}, method: 'PUT', status: 405 }],
  'POST /client_sessions/create': [
    { name: 'a second one for a user', input: { user_identifier_key: 'jane_doe' }, status: 400 },
    { name: 'an expiry that is no date', input: { expires_at: 'tomorrow' }, status: 400 },
  ],
  'POST /client_sessions/get_or_create': [{ name: 'for nobody', input: {}, status: 400 }],
  'POST /client_sessions/grant_access': [
    { name: 'to an unknown session', input: { client_session_id: newId() }, status: 404 },
  ],
  'POST /client_sessions/revoke': [{ name: 'without the ID', input: {}, status: 400 }],
  'POST /client_sessions/delete': [
    { name: 'of an unknown session', input: { client_session_id: newId() }, status: 404 },
  ],
}

let fakeSeam: FakeSeam | undefined
afterEach(async () => {
  await fakeSeam?.close()
  fakeSeam = undefined
})

/** The fake as the demo serves it, with a few sessions it makes up itself beside the demo's. */
async function startFake(): Promise<string> {
  fakeSeam = createDemoFakeSeam()
  fakeSeam.seedClientSessions(3)
  return fakeSeam.listen()
}

async function call(operation: string, { input, headers = api, method: override }: Exchange) {
  const [method, path] = operation.split(' ') as [string, string]
  const inQuery = method === 'GET' || method === 'DELETE'
  const query = inQuery ? `?${new URLSearchParams(input as Record<string, string>)}` : ''
  const response = await fetch(`${await startFake()}${path}${query}`, {
    method: override ?? method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(!inQuery && { body: JSON.stringify(input) }),
  })
  return { status: response.status, body: (await response.json()) as unknown, method: method.toLowerCase(), path }
}

const cases = <Case extends Exchange>(table: Record<string, Case[]>) =>
  Object.entries(table).flatMap(([operation, exchanges]) =>
    exchanges.map((exchange) => [operation, exchange.name, exchange] as const),
  )

describe("the fake Seam's answers against Seam's contract", () => {
  it('has success cases for every /client_sessions endpoint and method the contract lists', () => {
    expect(Object.keys(successes).sort()).toEqual(operations.sort())
  })

  it.each(cases(successes))('%s %s: a 200 that matches the response schema', async (operation, _, exchange) => {
    const { status, body, method, path } = await call(operation, exchange)
    const validate = responseSchema(path, method, status)

    expect(status, JSON.stringify(body)).toBe(200)
    expect(validate, `the contract has no schema for ${operation} ${status}`).toBeDefined()
    validate!(body)
    expect(validate!.errors ?? [], JSON.stringify(body)).toEqual([])
  })

  it.each(cases(failures))('%s %s: Seam’s error body', async (operation, _, exchange) => {
    const { status, body, method, path } = await call(operation, exchange)
    const validate = responseSchema(path, method, status) ?? seamError

    expect(status, JSON.stringify(body)).toBe(exchange.status)
    validate(body)
    expect(validate.errors ?? [], JSON.stringify(body)).toEqual([])
  })
})
