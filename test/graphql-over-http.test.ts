/**
 * The GraphQL-over-HTTP audit suite of the `graphql-http` package, against the live server, with no
 * credential (so its queries must be served without any upstream call).
 */
import { serverAudits } from 'graphql-http'
import { afterEach, describe, expect, it } from 'vitest'

import { loadConfig } from '../src/config.js'
import { type Harness, startHarness } from './support/harness.js'

let harness: Harness
afterEach(() => harness.close())

interface AuditOutcome {
  name: string
  status: 'ok' | 'notice' | 'warn' | 'error'
  reason: string | undefined
  /** The documents the audit sent, from the body or the `query` parameter. */
  documents: string[]
}

/** Runs every MUST and SHOULD audit, one at a time, and notes what each sent. */
async function runAudits(url: string): Promise<AuditOutcome[]> {
  let documents: string[] = []
  const recordingFetch = async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init)
    const query = new URL(request.url).searchParams.get('query')
    const body = await request.clone().text()
    documents.push(query ?? body)
    return fetch(request)
  }
  const outcomes: AuditOutcome[] = []
  for (const audit of serverAudits({ url, fetchFn: recordingFetch })) {
    if (audit.name.startsWith('MAY')) continue
    documents = []
    const result = await audit.fn()
    outcomes.push({
      name: audit.name,
      status: result.status,
      reason: result.status === 'ok' ? undefined : result.reason,
      documents,
    })
  }
  return outcomes
}

const gatewayFor = (env: Record<string, string>) => {
  const { introspection, graphiql } = loadConfig(env)
  return { introspection, graphiql }
}

describe.each([
  ['on', true],
  ['off', false],
])('GraphQL over HTTP (graphql-http audits), lean lane %s', (_, fastLane) => {
  it('passes every MUST and SHOULD audit in the default configuration', async () => {
    harness = await startHarness({ gateway: { ...gatewayFor({}), fastLane } })
    const outcomes = await runAudits(harness.gatewayUrl)

    expect(outcomes.length).toBeGreaterThan(30)
    expect(outcomes.filter((outcome) => outcome.status !== 'ok')).toEqual([])
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })

  it('with NODE_ENV=production, fails only the audits that need introspection', async () => {
    harness = await startHarness({ gateway: { ...gatewayFor({ NODE_ENV: 'production' }), fastLane } })
    const outcomes = await runAudits(harness.gatewayUrl)
    const failed = outcomes.filter((outcome) => outcome.status !== 'ok')
    const onlyIntrospection = (outcome: AuditOutcome) =>
      outcome.documents.length > 0 && outcome.documents.every((document) => /__type|__schema/.test(document))

    // Each audit that fails sent nothing but introspection, which production refuses; some do.
    expect(failed.filter((outcome) => !onlyIntrospection(outcome))).toEqual([])
    expect(failed.length).toBeGreaterThan(0)
    expect(outcomes.length).toBeGreaterThan(30)
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })
})
