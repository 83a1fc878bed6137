/**
 * Trusted documents and automatic persisted queries, as a client sees them: which document runs for a
 * `documentId` or an `extensions.persistedQuery`, over POST and GET, on both lanes; what is refused, with
 * which code and status, and that a refusal never reaches Seam.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { ConfigError, loadConfig } from '../src/config.js'
import { createGateway } from '../src/gateway.js'
import type { GatewayOptions } from '../src/gateway.js'
import { clientSession, type Harness, startHarness, withApiKey } from './support/harness.js'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex')

const read = 'query Read { clientSession(userIdentifierKey: "user_42") { clientSessionId } }'
const list = 'query List { clientSessions { clientSessionId } }'
const expectedRead = { data: { clientSession: { clientSessionId: clientSession().client_session_id } } }

/** The path of a manifest file holding `content`, as the TRUSTED_DOCUMENTS setting reads it. */
function manifestFile(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'trusted-')), 'manifest.json')
  writeFileSync(path, JSON.stringify(content))
  return path
}

const longId = `Typename:${'0123456789'.repeat(30)}`
const apolloManifest = manifestFile({
  format: 'apollo-persisted-query-manifest',
  version: 1,
  operations: [
    { id: sha256(read), name: 'Read', type: 'query', body: read },
    { id: `sha256:${sha256(list)}`, name: 'List', type: 'query', body: list },
    // Ids are the tool's own: Apollo's generator takes any createOperationId.
    { id: longId, name: 'Typename', type: 'query', body: '{ __typename }' },
  ],
})
// Codegen up to 5.x writes sha1 ids.
const codegenManifest = manifestFile({ [sha1(read)]: read, [sha1(list)]: list })

interface Answer {
  status: number
  cacheControl: string | null
  body: { data?: unknown; errors?: { message: string; extensions: { code: string } }[] }
}

/** What `harness` answers to these GraphQL parameters, sent as a JSON POST or in a GET's query string. */
async function send(harness: Harness, method: 'POST' | 'GET', parameters: Record<string, unknown>): Promise<Answer> {
  const url = new URL(harness.gatewayUrl)
  const init: RequestInit = { method, headers: { ...withApiKey, accept: 'application/graphql-response+json' } }
  if (method === 'POST') {
    init.headers = { ...init.headers, 'content-type': 'application/json' }
    init.body = JSON.stringify(parameters)
  } else {
    init.headers = { ...init.headers, 'x-graphql-yoga-csrf': '1' }
    for (const [name, value] of Object.entries(parameters)) {
      url.searchParams.set(name, typeof value === 'string' ? value : JSON.stringify(value))
    }
  }
  const response = await fetch(url, init)
  return { status: response.status, cacheControl: response.headers.get('cache-control'), body: await response.json() }
}

const persistedQuery = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } })
const codeOf = (answer: Answer) => answer.body.errors?.[0]?.extensions.code

/** `send`, counting the calls it made to Seam. */
async function sendCounting(harness: Harness, method: 'POST' | 'GET', parameters: Record<string, unknown>) {
  const before = harness.fakeSeam.requests.length
  const answer = await send(harness, method, parameters)
  return { ...answer, upstreamCalls: harness.fakeSeam.requests.length - before }
}

function withGateway(gateway: Partial<GatewayOptions>, tests: (harness: () => Harness) => void) {
  describe.each([{ fastLane: true }, { fastLane: false }])('fastLane: $fastLane', ({ fastLane }) => {
    let harness: Harness
    beforeAll(async () => {
      harness = await startHarness({ gateway: { ...gateway, fastLane, requestLog: false } })
    })
    afterAll(() => harness.close())
    tests(() => harness)
  })
}

const methods = ['POST', 'GET'] as const

/** The settings `npm start` reads from `env` that this file is about. */
function persistedSettings(env: Record<string, string>): Partial<GatewayOptions> {
  const { trustedDocuments, trustedDocumentsOnly, apq, apqCacheSize } = loadConfig(env)
  return { trustedDocuments, trustedDocumentsOnly, apq, apqCacheSize }
}

describe("an Apollo manifest, trusted documents only (TRUSTED_DOCUMENTS_ONLY's default)", () => {
  withGateway(persistedSettings({ TRUSTED_DOCUMENTS: apolloManifest }), (harness) => {
    it.each(methods)('runs a document named by documentId, over %s', async (method) => {
      expect((await send(harness(), method, { documentId: sha256(read) })).body).toEqual(expectedRead)
    })

    it.each(methods)('runs a document named by extensions.persistedQuery, over %s', async (method) => {
      expect((await send(harness(), method, { extensions: persistedQuery(sha256(read)) })).body).toEqual(expectedRead)
    })

    it('looks an id up with the sha256: prefix added or removed, never otherwise reshaped', async () => {
      expect((await send(harness(), 'POST', { documentId: `sha256:${sha256(read)}` })).body).toEqual(expectedRead)
      expect((await send(harness(), 'POST', { documentId: sha256(list) })).body.data).toHaveProperty('clientSessions')
      expect(codeOf(await send(harness(), 'POST', { documentId: sha256(read).toUpperCase() }))).toBe(
        'PERSISTED_QUERY_NOT_IN_LIST',
      )
    })

    it('runs a document whose id is longer than any hash, as the manifest writes it', async () => {
      expect((await send(harness(), 'POST', { documentId: longId })).body).toEqual({ data: { __typename: 'Query' } })
    })

    it.each(methods)(
      'refuses an unknown id with 404 and PERSISTED_QUERY_NOT_IN_LIST over %s, calling nobody',
      async (method) => {
        for (const parameters of [
          { documentId: sha256('{ __typename }') },
          { extensions: persistedQuery(sha256('{ __typename }')) },
          // Not registered either: APQ is off where only trusted documents run.
          { query: '{ __typename }', extensions: persistedQuery(sha256('{ __typename }')) },
          { documentId: 'x'.repeat(1000) },
        ]) {
          const answer = await sendCounting(harness(), method, parameters)
          expect([answer.status, codeOf(answer), answer.cacheControl, answer.upstreamCalls]).toEqual([
            404,
            'PERSISTED_QUERY_NOT_IN_LIST',
            'no-cache',
            0,
          ])
        }
      },
    )

    it.each(methods)(
      'refuses a document text with 400 and PERSISTED_QUERY_ID_REQUIRED over %s, calling nobody',
      async (method) => {
        for (const query of [read, '{ clientSession(', '{ nothing }', `${read} query Other { __typename }`]) {
          const answer = await sendCounting(harness(), method, { query })
          expect([answer.status, codeOf(answer), answer.upstreamCalls]).toEqual([400, 'PERSISTED_QUERY_ID_REQUIRED', 0])
        }
      },
    )

    it('lets the subgraph SDL through as text, for routers and rover', async () => {
      const answer = await send(harness(), 'POST', { query: '{ _service { sdl } }' })
      expect(answer.body.data).toHaveProperty('_service.sdl')
    })

    it('refuses parameters that name a document in two ways, or an id that is no string', async () => {
      for (const parameters of [
        { documentId: sha256(read), query: read },
        { documentId: sha256(read), extensions: persistedQuery(sha256(read)) },
        { documentId: 5 },
        { extensions: { persistedQuery: { version: 2, sha256Hash: sha256(read) } } },
        { extensions: { persistedQuery: 'yes' } },
      ]) {
        const answer = await sendCounting(harness(), 'POST', parameters)
        expect([answer.status, codeOf(answer), answer.upstreamCalls]).toEqual([400, 'BAD_REQUEST', 0])
      }
    })
  })
})

describe('a Codegen manifest beside document texts (TRUSTED_DOCUMENTS_ONLY=false)', () => {
  withGateway(persistedSettings({ TRUSTED_DOCUMENTS: codegenManifest, TRUSTED_DOCUMENTS_ONLY: 'false' }), (harness) => {
    it.each(methods)('runs a document by its sha1 id over %s, and texts too', async (method) => {
      expect((await send(harness(), method, { documentId: sha1(read) })).body).toEqual(expectedRead)
      expect((await send(harness(), method, { extensions: persistedQuery(sha1(read)) })).body).toEqual(expectedRead)
      expect((await send(harness(), method, { query: read })).body).toEqual(expectedRead)
    })

    it('still refuses an unknown documentId, and keeps APQ for hashes the manifest does not list', async () => {
      expect(codeOf(await send(harness(), 'POST', { documentId: sha1('{ __typename }') }))).toBe(
        'PERSISTED_QUERY_NOT_IN_LIST',
      )
      const query = '{ apq: __typename }'
      expect(codeOf(await send(harness(), 'POST', { extensions: persistedQuery(sha256(query)) }))).toBe(
        'PERSISTED_QUERY_NOT_FOUND',
      )
      await send(harness(), 'POST', { query, extensions: persistedQuery(sha256(query)) })
      expect((await send(harness(), 'POST', { extensions: persistedQuery(sha256(query)) })).body).toEqual({
        data: { apq: 'Query' },
      })
    })
  })
})

describe('automatic persisted queries (no manifest)', () => {
  withGateway({ apqCacheSize: 3 }, (harness) => {
    it.each(methods)('round trip over %s: unknown hash, then hash with text, then the hash alone', async (method) => {
      const query = `query RoundTrip${method} { clientSession(userIdentifierKey: "user_42") { clientSessionId } }`
      const hash = sha256(query)
      const missing = await sendCounting(harness(), method, { extensions: persistedQuery(hash) })
      expect([missing.status, missing.body.errors?.[0]?.message, codeOf(missing), missing.cacheControl]).toEqual([
        200,
        'PersistedQueryNotFound',
        'PERSISTED_QUERY_NOT_FOUND',
        'no-cache',
      ])
      expect(missing.upstreamCalls).toBe(0)
      // Apollo Client registers by POST, whichever way it sent the hash.
      expect((await send(harness(), 'POST', { query, extensions: persistedQuery(hash) })).body).toEqual(expectedRead)
      expect((await send(harness(), method, { extensions: persistedQuery(hash) })).body).toEqual(expectedRead)
      // urql sends an empty text beside the hash over GET.
      expect((await send(harness(), method, { query: '', extensions: persistedQuery(hash) })).body).toEqual(
        expectedRead,
      )
    })

    it('refuses a hash that is not the text’s with 400 and PERSISTED_QUERY_HASH_MISMATCH, and registers nothing', async () => {
      const query = '{ mismatch: __typename }'
      for (const hash of [sha256(`${query} `), sha256(query).toUpperCase(), 'abc']) {
        const answer = await sendCounting(harness(), 'POST', { query, extensions: persistedQuery(hash) })
        expect([answer.status, codeOf(answer), answer.upstreamCalls]).toEqual([400, 'PERSISTED_QUERY_HASH_MISMATCH', 0])
        expect(codeOf(await send(harness(), 'POST', { extensions: persistedQuery(hash) }))).toBe(
          'PERSISTED_QUERY_NOT_FOUND',
        )
      }
    })

    it('does not register a text that does not validate', async () => {
      const query = '{ nothing }'
      expect(codeOf(await send(harness(), 'POST', { query, extensions: persistedQuery(sha256(query)) }))).toBe(
        'GRAPHQL_VALIDATION_FAILED',
      )
      expect(codeOf(await send(harness(), 'POST', { extensions: persistedQuery(sha256(query)) }))).toBe(
        'PERSISTED_QUERY_NOT_FOUND',
      )
    })

    it('keeps no more than APQ_CACHE_SIZE documents, forgetting the least recently used', async () => {
      const queries = [0, 1, 2, 3].map((index) => `{ bound${index}: __typename }`)
      for (const query of queries) await send(harness(), 'POST', { query, extensions: persistedQuery(sha256(query)) })
      const found = await Promise.all(
        queries.map(async (query) =>
          codeOf(await send(harness(), 'POST', { extensions: persistedQuery(sha256(query)) })),
        ),
      )
      expect(found).toEqual(['PERSISTED_QUERY_NOT_FOUND', undefined, undefined, undefined])
    })

    it('refuses documentId without a manifest as not supported', async () => {
      const answer = await send(harness(), 'POST', { documentId: sha256(read) })
      expect([answer.status, codeOf(answer), answer.body.errors?.[0]?.message]).toEqual([
        200,
        'PERSISTED_QUERY_NOT_SUPPORTED',
        'PersistedQueryNotSupported',
      ])
    })
  })
})

describe('APQ=false', () => {
  withGateway({ apq: false }, (harness) => {
    it.each(methods)(
      'answers a persisted query over %s with PERSISTED_QUERY_NOT_SUPPORTED, and runs texts',
      async (method) => {
        for (const parameters of [
          { extensions: persistedQuery(sha256(read)) },
          { query: read, extensions: persistedQuery(sha256(read)) },
        ]) {
          const answer = await sendCounting(harness(), method, parameters)
          expect([answer.status, codeOf(answer), answer.cacheControl, answer.upstreamCalls]).toEqual([
            200,
            'PERSISTED_QUERY_NOT_SUPPORTED',
            'no-cache',
            0,
          ])
        }
        expect((await send(harness(), method, { query: read })).body).toEqual(expectedRead)
      },
    )
  })
})

describe('start-up', () => {
  it.each([
    ['does not parse', '{ clientSession('],
    ['does not validate', '{ nothing }'],
    [
      'breaks an operation limit',
      `{ ${Array.from({ length: 16 }, (_, index) => `a${index}: clientSession(userIdentifierKey: "x") { token }`).join(' ')} }`,
    ],
  ])('stops with a ConfigError naming a trusted document that %s', (_, body) => {
    const trustedDocuments = new Map([
      ['good', '{ __typename }'],
      ['bad-document-id', body],
    ])
    const create = () =>
      createGateway({
        seamEndpoint: 'http://127.0.0.1:1',
        upstreamTimeoutMs: 1000,
        trustedDocuments,
        requestLog: false,
      })
    expect(create).toThrow(ConfigError)
    expect(create).toThrow('"bad-document-id"')
  })
})
