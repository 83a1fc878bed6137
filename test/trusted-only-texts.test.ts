/**
 * With trusted documents only, a document text that is not the subgraph's SDL read is refused from its
 * parse alone: graphql-js never validates it and the prepared-document cache never keeps it, so a client
 * sending ever new texts costs no validation and pushes no trusted caller's document out of the cache.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import * as graphql from 'graphql'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

import { loadConfig } from '../src/config.js'
import { type Harness, startHarness, withApiKey } from './support/harness.js'

// graphql-js's validation, counted: a refused text must cost none of it.
vi.mock('graphql', async (importOriginal) => {
  const actual = await importOriginal<typeof import('graphql')>()
  return { ...actual, validate: vi.fn(actual.validate) }
})
const validations = vi.mocked(graphql.validate)

const trusted = 'query Read { clientSession(userIdentifierKey: "user_42") { clientSessionId } }'
const manifest = join(mkdtempSync(join(tmpdir(), 'trusted-only-')), 'persisted-documents.json')
writeFileSync(manifest, JSON.stringify({ trusted_read: trusted }))

const { trustedDocuments, trustedDocumentsOnly } = loadConfig({ TRUSTED_DOCUMENTS: manifest })
const trustedOnly = { trustedDocuments, trustedDocumentsOnly }

async function post(harness: Harness, parameters: Record<string, unknown>) {
  const response = await fetch(harness.gatewayUrl, {
    method: 'POST',
    headers: { ...withApiKey, 'content-type': 'application/json' },
    body: JSON.stringify(parameters),
  })
  const body = (await response.json()) as { data?: unknown; errors?: { extensions: { code: string } }[] }
  return { status: response.status, code: body.errors?.[0]?.extensions.code, data: body.data }
}

describe.each([{ fastLane: true }, { fastLane: false }])(
  'trusted documents only, fastLane: $fastLane',
  ({ fastLane }) => {
    let harness: Harness
    beforeAll(async () => {
      harness = await startHarness({
        gateway: { fastLane, requestLog: false, ...trustedOnly },
      })
    })
    afterAll(() => harness.close())

    it.each([
      ['a text that would validate', 'query Mine { clientSessions { clientSessionId } }'],
      ['a text that would not validate', '{ clientSessions { noSuchField } }'],
      ['a text that reads __typename beside a field', '{ __typename clientSessions { clientSessionId } }'],
      ['the trusted document sent as text', trusted],
    ])('refuses %s with PERSISTED_QUERY_ID_REQUIRED, without validating it', async (_, query) => {
      validations.mockClear()
      const answer = await post(harness, { query })
      expect(answer).toMatchObject({ status: 400, code: 'PERSISTED_QUERY_ID_REQUIRED' })
      expect(validations).not.toHaveBeenCalled()
    })

    it('still validates and serves the SDL read', async () => {
      validations.mockClear()
      const answer = await post(harness, { query: '{ _service { sdl } }' })
      expect(answer.status).toBe(200)
      expect(answer.data).toMatchObject({ _service: { sdl: expect.stringContaining('type ClientSession') } })
      expect(validations).toHaveBeenCalledTimes(1)
    })
  },
)
