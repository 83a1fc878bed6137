/**
 * The metrics record at most `maxOperationNames` (METRICS_MAX_OPERATION_NAMES) distinct operation names:
 * a client that sends operations of ever new names must not grow the series without end, on either lane,
 * in our series or the Prometheus plugin's.
 */
import { describe, expect, it } from 'vitest'

import { createGateway } from '../src/index.js'
import { type Harness, startHarnessPerTest, withApiKey } from './support/harness.js'
import { parseSamples, type Sample, valueOf } from './support/prometheus.js'

const json = { 'content-type': 'application/json' }

const start = startHarnessPerTest()

/** A read of the deprecated userIdentityIds (so that the deprecated-field count is labelled too), named `name`. */
const readNamed = (name: string) =>
  `query ${name} { clientSession(userIdentifierKey: "user_42") { clientSessionId userIdentityIds } }`

/** Whether yoga served what `send` sent: it logs what it serves at debug level, the lean lane nothing. */
async function servedByYoga(harness: Harness, send: () => Promise<Response>): Promise<boolean> {
  const logged = harness.logs.length
  const response = await send()
  await response.text()
  return harness.logs.slice(logged).some((line) => line.startsWith('debug '))
}

/** A JSON POST of one operation: the lean lane's. */
async function post(harness: Harness, query: string): Promise<void> {
  const body = JSON.stringify({ query })
  const send = () => fetch(harness.gatewayUrl, { method: 'POST', headers: { ...withApiKey, ...json }, body })
  expect(await servedByYoga(harness, send)).toBe(false)
}

/** A GET: yoga's. */
async function get(harness: Harness, query: string): Promise<void> {
  const url = new URL(harness.gatewayUrl)
  url.searchParams.set('query', query)
  const send = () => fetch(url, { headers: { ...withApiKey, 'x-graphql-yoga-csrf': '1' } })
  expect(await servedByYoga(harness, send)).toBe(true)
}

/** A batch: yoga's. */
async function batch(harness: Harness, queries: string[]): Promise<void> {
  const body = JSON.stringify(queries.map((query) => ({ query })))
  const send = () => fetch(harness.gatewayUrl, { method: 'POST', headers: { ...withApiKey, ...json }, body })
  expect(await servedByYoga(harness, send)).toBe(true)
}

async function scrape(harness: Harness): Promise<Sample[]> {
  const response = await fetch(new URL('/metrics', harness.gatewayUrl))
  expect(response.status).toBe(200)
  return parseSamples(await response.text())
}

/** Each metric labelled by operation name (buckets, sums and counts under the metric's name), with the names it holds. */
function operationNamesByMetric(samples: Sample[]): Map<string, Set<string>> {
  const byMetric = new Map<string, Set<string>>()
  for (const { name, labels } of samples) {
    const operationName = labels['operationName']
    if (operationName === undefined) continue
    const metric = name.replace(/_(?:bucket|sum|count)$/, '')
    byMetric.set(metric, (byMetric.get(metric) ?? new Set()).add(operationName))
  }
  return byMetric
}

/** Every metric the gateway labels by operation name, ours and the Prometheus plugin's. */
const labelledMetrics = [
  'graphql_gateway_requests_total',
  'graphql_gateway_errors_total',
  'graphql_envelop_phase_validate',
  'graphql_envelop_phase_context',
  'graphql_envelop_phase_execute',
  'graphql_envelop_request_duration',
  'graphql_envelop_request_time_summary',
  'graphql_envelop_deprecated_field',
  'graphql_yoga_http_duration',
].sort()

const boundWarnings = (harness: Harness) =>
  harness.logs.filter((line) => line.startsWith('warn ') && line.includes('METRICS_MAX_OPERATION_NAMES'))

describe('the operation names the metrics record', () => {
  it('are the first few seen, on both lanes; the later ones are counted under "(other)", and the operator is told once', async () => {
    const harness = await start({ gateway: { metrics: { maxOperationNames: 3 }, batchLimit: 2 } })
    // Three names, one per way in: the lean lane, a GET and a batch (yoga).
    await post(harness, readNamed('Op1'))
    await get(harness, readNamed('Op2'))
    await batch(harness, [readNamed('Op3'), '{ __typename }'])
    // Seven more, the same ways; Op10 does not validate, so that an error is counted under its name.
    await post(harness, readNamed('Op4'))
    await get(harness, readNamed('Op5'))
    await batch(harness, [readNamed('Op6'), readNamed('Op7')])
    await post(harness, readNamed('Op8'))
    await post(harness, `fragment Op9 on Query { __typename } query Op9b { ...Op9 }`)
    await post(harness, 'query Op10 { nothing }')
    // The names admitted keep counting, whichever way they come in.
    await get(harness, readNamed('Op1'))
    await post(harness, readNamed('Op2'))
    await post(harness, readNamed('Op3'))

    const samples = await scrape(harness)
    const byMetric = operationNamesByMetric(samples)
    expect([...byMetric.keys()].sort()).toEqual(labelledMetrics)
    const allowed = new Set(['Op1', 'Op2', 'Op3', '(other)', 'anonymous', 'Anonymous'])
    for (const [metric, names] of byMetric) {
      expect([metric, [...names].filter((name) => !allowed.has(name))]).toEqual([metric, []])
    }
    const requests = (operationName: string, outcome = 'success') =>
      valueOf(samples, 'graphql_gateway_requests_total', { operationName, operationType: 'query', outcome })
    expect([requests('Op1'), requests('Op2'), requests('Op3')]).toEqual([2, 2, 2])
    expect([requests('(other)'), requests('(other)', 'error')]).toEqual([6, 1])
    expect(
      valueOf(samples, 'graphql_gateway_errors_total', { code: 'GRAPHQL_VALIDATION_FAILED', operationName: '(other)' }),
    ).toBe(1)
    const executed = (operationName: string) =>
      valueOf(samples, 'graphql_envelop_phase_execute_count', { operationName, operationType: 'query' })
    expect([executed('Op1'), executed('Op2'), executed('Op3'), executed('(other)')]).toEqual([2, 2, 2, 6])
    const deprecated = (operationName: string) =>
      valueOf(samples, 'graphql_envelop_deprecated_field', {
        operationName,
        operationType: 'query',
        fieldName: 'userIdentityIds',
        typeName: 'ClientSession',
      })
    expect([deprecated('Op1'), deprecated('Op2'), deprecated('Op3'), deprecated('(other)')]).toEqual([2, 2, 2, 5])

    expect(boundWarnings(harness)).toEqual([
      'warn Metrics: METRICS_MAX_OPERATION_NAMES (3) operation names have series of their own; the operations of any other name are counted under operationName="(other)".',
    ])
  })

  it('are not bounded by unnamed operations or requests refused before any operation', async () => {
    const harness = await start({ gateway: { metrics: { maxOperationNames: 1 } } })
    await post(harness, '{ __typename }')
    await post(harness, 'query anonymous { __typename }')
    await post(harness, '{ broken')
    const refused = await fetch(harness.gatewayUrl, { method: 'POST', headers: { ...withApiKey, ...json }, body: '{' })
    expect(refused.status).toBe(400)
    await post(harness, readNamed('Named'))

    const samples = await scrape(harness)
    expect(
      valueOf(samples, 'graphql_gateway_requests_total', {
        operationName: 'Named',
        operationType: 'query',
        outcome: 'success',
      }),
    ).toBe(1)
    expect(boundWarnings(harness)).toEqual([])
  })

  it('are at most 128 characters long: a longer name is counted under "(other)", on both lanes, and takes no room', async () => {
    const harness = await start({ gateway: { metrics: { maxOperationNames: 2 } } })
    const longest = `L${'x'.repeat(127)}`
    const tooLong = (first: string) => `${first}${'x'.repeat(2_000)}`
    await post(harness, readNamed(tooLong('A')))
    await get(harness, readNamed(tooLong('B')))
    await post(harness, readNamed(longest))
    await post(harness, readNamed(`${longest}x`))
    await post(harness, readNamed('Short'))

    const text = await (await fetch(new URL('/metrics', harness.gatewayUrl))).text()
    // Each series' line repeats its name: a long one would make the scrape as long as the name, many times over.
    expect(text.length).toBeLessThan(100_000)
    const samples = parseSamples(text)
    const byMetric = operationNamesByMetric(samples)
    expect([...byMetric.keys()].sort()).toEqual(
      labelledMetrics.filter((name) => name !== 'graphql_gateway_errors_total'),
    )
    for (const [metric, names] of byMetric) {
      expect([metric, [...names].sort()]).toEqual([metric, ['(other)', longest, 'Short'].sort()])
    }
    const requests = (operationName: string) =>
      valueOf(samples, 'graphql_gateway_requests_total', { operationName, operationType: 'query', outcome: 'success' })
    expect([requests('(other)'), requests(longest), requests('Short')]).toEqual([3, 1, 1])
    expect(boundWarnings(harness)).toEqual([])
  })

  it("give the trusted documents' operations series of their own, beyond the bound", async () => {
    const frontEnd = readNamed('FrontEnd')
    const harness = await start({
      gateway: {
        metrics: { maxOperationNames: 1 },
        trustedDocuments: new Map([['front-end', frontEnd]]),
        trustedDocumentsOnly: false,
      },
    })
    await post(harness, readNamed('Stranger1'))
    await post(harness, readNamed('Stranger2'))
    const answer = await fetch(harness.gatewayUrl, {
      method: 'POST',
      headers: { ...withApiKey, ...json },
      body: JSON.stringify({ documentId: 'front-end' }),
    })
    expect(answer.status).toBe(200)
    await answer.text()

    const samples = await scrape(harness)
    const requests = (operationName: string) =>
      valueOf(samples, 'graphql_gateway_requests_total', { operationName, operationType: 'query', outcome: 'success' })
    expect([requests('FrontEnd'), requests('Stranger1'), requests('(other)')]).toEqual([1, 1, 1])
    expect(boundWarnings(harness)).toHaveLength(1)
  })

  it('name the operation that runs, not a fragment that comes first in its document, on both lanes', async () => {
    const harness = await start({ gateway: { metrics: {} } })
    const document = 'fragment Typename on Query { __typename } query Runs { ...Typename }'
    await post(harness, document)
    await get(harness, document)

    const samples = await scrape(harness)
    const names = operationNamesByMetric(samples)
    for (const metric of labelledMetrics.filter((name) => names.has(name))) {
      expect([metric, [...names.get(metric)!]]).toEqual([metric, ['Runs']])
    }
    expect(
      valueOf(samples, 'graphql_envelop_phase_execute_count', { operationName: 'Runs', operationType: 'query' }),
    ).toBe(2)
  })

  it('name no operation, and take no room, for a request whose operationName names none of its document', async () => {
    const harness = await start({ gateway: { metrics: { maxOperationNames: 1 } } })
    const claimed = { query: readNamed('NeverRuns'), operationName: 'Claimed' }
    const posted = await fetch(harness.gatewayUrl, {
      method: 'POST',
      headers: { ...withApiKey, ...json },
      body: JSON.stringify(claimed),
    })
    const url = new URL(harness.gatewayUrl)
    for (const [key, value] of Object.entries(claimed)) url.searchParams.set(key, value)
    const got = await fetch(url, { headers: { ...withApiKey, 'x-graphql-yoga-csrf': '1' } })
    for (const answer of [posted, got]) {
      expect(answer.status).toBe(400)
      expect(await answer.json()).toMatchObject({ errors: [{ extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }] })
    }
    await post(harness, readNamed('Named'))

    const samples = await scrape(harness)
    // The operation that never ran is in no series, and left its place to the next name.
    for (const [metric, names] of operationNamesByMetric(samples)) {
      expect([metric, [...names].filter((name) => !['anonymous', 'Anonymous', 'Named'].includes(name))]).toEqual([
        metric,
        [],
      ])
    }
    expect(
      valueOf(samples, 'graphql_gateway_requests_total', {
        operationName: 'Named',
        operationType: 'query',
        outcome: 'success',
      }),
    ).toBe(1)
    const refused = (method: string) =>
      valueOf(samples, 'graphql_yoga_http_duration_count', {
        method,
        statusCode: '400',
        operationType: 'unknown',
        operationName: 'Anonymous',
      })
    expect([refused('POST'), refused('GET')]).toEqual([1, 1])
    expect(boundWarnings(harness)).toEqual([])
  })

  it('are bounded by a whole number of at least 1, or the embedding application is told', () => {
    for (const maxOperationNames of [0, 2.5, Number.NaN]) {
      expect(() =>
        createGateway({ seamEndpoint: 'http://127.0.0.1:9', upstreamTimeoutMs: 1_000, metrics: { maxOperationNames } }),
      ).toThrow(`metrics.maxOperationNames must be a whole number of at least 1, not ${maxOperationNames}.`)
    }
  })
})
