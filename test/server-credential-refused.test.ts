import { afterEach, describe, expect, it } from 'vitest'

import { credentialFromToken } from '../src/seam/credentials.js'
import { codesOf, type Harness, personalAccessToken, startHarness, withApiKey, workspaceId } from './support/harness.js'

let harness: Harness
let lines: string[]
afterEach(() => harness.close())

async function start(gateway: NonNullable<Parameters<typeof startHarness>[0]>['gateway']) {
  lines = []
  harness = await startHarness({ gateway: { requestLog: (line) => lines.push(line), ...gateway } })
}

const read = '{ clientSession(userIdentifierKey: "user_42") { clientSessionId } }'
/** A key of the right shape that the fake's workspace does not have: Seam answers 401. */
const revokedKey = 'seam_revoked1_SECRETrevokedKEY0123'

const errorLines = () => harness.logs.filter((line) => line.startsWith('error ') || line.startsWith('console.error '))
const upstreamCallErrors = () =>
  lines.flatMap((line) =>
    (JSON.parse(line) as { upstreamCalls: { error?: string }[] }).upstreamCalls.map((c) => c.error),
  )

describe('Seam refusing the server-held credential', () => {
  it('answers UPSTREAM_ERROR, not UNAUTHENTICATED, and logs an error naming the credential, never its value', async () => {
    await start({ serverCredential: credentialFromToken(revokedKey) })
    const answer = await harness.graphql(read, { headers: withApiKey })

    expect(codesOf(answer)).toEqual(['UPSTREAM_ERROR'])
    const [error] = answer.body.errors!
    expect(error?.message).toBe(
      "Seam refused the credential this gateway is configured with: a fault of the gateway's setup, not of this request.",
    )
    expect(error?.extensions['seam']).toMatchObject({ status: 401 })
    expect(upstreamCallErrors()).toEqual(['UPSTREAM_ERROR'])
    expect(errorLines()).toEqual([
      expect.stringMatching(
        /^error Seam refused the gateway's server-held credential, the API key \(SEAM_API_KEY\), with HTTP 401 on \/client_sessions\/get \(seam-request-id [0-9a-f-]{36}\)\./,
      ),
    ])
    for (const text of [answer.text, ...harness.logs]) expect(text).not.toContain(revokedKey)
  })

  it('treats a 403 the same way, naming a personal access token as such', async () => {
    await start({ serverCredential: credentialFromToken(personalAccessToken, workspaceId) })
    harness.fakeSeam.failNext({ status: 403, body: JSON.stringify({ error: { type: 'forbidden', message: 'No' } }) })
    const answer = await harness.graphql(read)

    expect(codesOf(answer)).toEqual(['UPSTREAM_ERROR'])
    expect(errorLines()).toEqual([
      expect.stringContaining('the personal access token (SEAM_PERSONAL_ACCESS_TOKEN), with HTTP 403'),
    ])
    for (const text of [answer.text, ...harness.logs]) expect(text).not.toContain(personalAccessToken)
  })

  it('leaves a caller’s own credential that Seam refuses as the caller’s: UNAUTHENTICATED, FORBIDDEN, no error log', async () => {
    await start({})
    harness.fakeSeam.failNext({ status: 403, body: JSON.stringify({ error: { type: 'forbidden', message: 'No' } }) })
    const forbidden = await harness.graphql(read, { headers: withApiKey })
    const unauthenticated = await harness.graphql(read, { headers: { authorization: `Bearer ${revokedKey}` } })

    expect(codesOf(forbidden)).toEqual(['FORBIDDEN'])
    expect(codesOf(unauthenticated)).toEqual(['UNAUTHENTICATED'])
    expect(errorLines()).toEqual([])
  })
})
