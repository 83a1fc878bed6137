import { register as globalRegistry } from 'prom-client'
import { describe, expect, it } from 'vitest'

import { clientSession, type Harness, startHarnessPerTest, withApiKey } from './support/harness.js'
import { parseSamples, type Sample, samplesOf, valueOf } from './support/prometheus.js'

const sessionId = clientSession().client_session_id
const grant = `mutation GrantAccess { grantClientSessionAccess(input: { clientSessionId: "${sessionId}" }) {
  clientSession { clientSessionId } } }`
// Selects the deprecated userIdentityIds: the Prometheus plugin counts deprecated fields in use.
const read = `query Session { clientSession(userIdentifierKey: "user_42") { clientSessionId userIdentityIds } }`

const start = startHarnessPerTest()

/**
 * How many requests yoga served: it logs each at debug level, the lean lane none. The requests these
 * tests send as JSON POSTs of one operation are the lane's, and their metrics must be recorded there.
 */
const servedByYoga = (harness: Harness) => harness.logs.filter((line) => line.startsWith('debug ')).length

const metricsUrl = (harness: Harness) => new URL('/metrics', harness.gatewayUrl)

async function scrape(harness: Harness, headers: Record<string, string> = {}): Promise<Sample[]> {
  const response = await fetch(metricsUrl(harness), { headers })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return parseSamples(await response.text())
}

describe('/metrics', () => {
  it('is not served unless turned on', async () => {
    const harness = await start({})
    await harness.graphql(read, { headers: withApiKey })
    const response = await fetch(metricsUrl(harness))

    expect(response.status).toBe(404)
    expect(await response.text()).not.toContain('graphql_gateway_requests_total')
  })

  it('counts requests by operation and outcome, errors by code, and upstream calls by endpoint and status', async () => {
    // Without retries each fault below is one failed call.
    const harness = await start({ gateway: { metrics: {}, upstreamRetries: 0 } })
    expect((await harness.graphql(grant, { headers: withApiKey })).body.errors).toBeUndefined()
    expect((await harness.graphql(read, { headers: withApiKey })).body.errors).toBeUndefined()
    harness.fakeSeam.failNext({ status: 503, body: '{}', headers: { 'seam-request-id': 'req-503' } })
    await harness.graphql(read, { headers: withApiKey })
    harness.fakeSeam.failNext({ reset: true })
    await harness.graphql(read, { headers: withApiKey })
    await harness.graphql('query Broken { clientSession(', { headers: withApiKey })
    expect(servedByYoga(harness)).toBe(0)
    // A GET without the CSRF header is refused before any operation is read.
    const refused = await fetch(`${harness.gatewayUrl}?query=${encodeURIComponent('{ __typename }')}`)
    expect(refused.status).toBe(403)

    const samples = await scrape(harness)
    const requests = (operationName: string, operationType: string, outcome: string) =>
      valueOf(samples, 'graphql_gateway_requests_total', { operationName, operationType, outcome })
    expect(requests('GrantAccess', 'mutation', 'success')).toBe(1)
    expect(requests('Session', 'query', 'success')).toBe(1)
    expect(requests('Session', 'query', 'error')).toBe(2)
    // The document did not parse: its name is what the request said, and the request says none.
    expect(requests('anonymous', 'unknown', 'error')).toBe(1)
    expect(requests('', 'none', 'error')).toBe(1)
    expect(samplesOf(samples, 'graphql_gateway_requests_total').reduce((sum, { value }) => sum + value, 0)).toBe(6)

    const errors = (code: string, operationName: string) =>
      valueOf(samples, 'graphql_gateway_errors_total', { code, operationName })
    expect(errors('UPSTREAM_ERROR', 'Session')).toBe(1)
    expect(errors('UPSTREAM_UNAVAILABLE', 'Session')).toBe(1)
    expect(errors('GRAPHQL_PARSE_FAILED', 'anonymous')).toBe(1)
    expect(errors('BAD_REQUEST', '')).toBe(1)
    expect(samplesOf(samples, 'graphql_gateway_errors_total')).toHaveLength(4)

    const upstream = (endpoint: string, status: string, outcome: string) =>
      valueOf(samples, 'seam_upstream_requests_total', { endpoint, status, outcome })
    expect(upstream('/client_sessions/grant_access', '200', 'success')).toBe(1)
    expect(upstream('/client_sessions/get', '200', 'success')).toBe(1)
    expect(upstream('/client_sessions/get', '503', 'UPSTREAM_ERROR')).toBe(1)
    expect(upstream('/client_sessions/get', 'none', 'UPSTREAM_UNAVAILABLE')).toBe(1)
    expect(samplesOf(samples, 'seam_upstream_requests_total')).toHaveLength(4)

    const durations = { endpoint: '/client_sessions/get', status: '200' }
    expect(valueOf(samples, 'seam_upstream_request_duration_seconds_count', durations)).toBe(1)
    expect(valueOf(samples, 'seam_upstream_request_duration_seconds_sum', durations)).toBeGreaterThan(0)
    expect(valueOf(samples, 'seam_upstream_request_duration_seconds_bucket', { ...durations, le: '+Inf' })).toBe(1)
  })

  it('counts a retried read as one call, with its retries, and the calls of every operation by endpoint', async () => {
    const harness = await start({ gateway: { metrics: {}, upstreamRetryDelayMs: 0 } })
    // Two 503s, then the answer: one call of three attempts.
    harness.fakeSeam.failNext({ status: 503, body: '{}' }, { status: 503, body: '{}' })
    expect((await harness.graphql(read, { headers: withApiKey })).body.errors).toBeUndefined()
    const list = 'query List { clientSessions { clientSessionId } }'
    expect((await harness.graphql(list, { headers: withApiKey })).body.errors).toBeUndefined()
    const create =
      'mutation Create { createClientSession(input: { userIdentifierKey: "new_user" }) { clientSession { clientSessionId } } }'
    expect((await harness.graphql(create, { headers: withApiKey })).body.errors).toBeUndefined()
    expect(harness.fakeSeam.requests).toHaveLength(5)
    expect(servedByYoga(harness)).toBe(0)

    const samples = await scrape(harness)
    expect(samplesOf(samples, 'seam_upstream_requests_total')).toEqual(
      ['/client_sessions/get', '/client_sessions/list', '/client_sessions/create'].map((endpoint) => ({
        name: 'seam_upstream_requests_total',
        labels: { endpoint, status: '200', outcome: 'success' },
        value: 1,
      })),
    )
    expect(samplesOf(samples, 'seam_upstream_retries_total')).toEqual([
      { name: 'seam_upstream_retries_total', labels: { endpoint: '/client_sessions/get' }, value: 2 },
    ])
    const durations = { endpoint: '/client_sessions/get', status: '200' }
    expect(valueOf(samples, 'seam_upstream_request_duration_seconds_count', durations)).toBe(1)
    expect(
      valueOf(samples, 'graphql_gateway_requests_total', {
        operationName: 'Create',
        operationType: 'mutation',
        outcome: 'success',
      }),
    ).toBe(1)
  })

  it('counts each label set apart when one operation ends in several ways: by status, outcome and code', async () => {
    // The lane finds an operation's series once, then writes them: each status and outcome has its own.
    const harness = await start({ gateway: { metrics: {}, upstreamRetries: 0 } })
    const byKey = `query ByKey($key: String!) { clientSession(userIdentifierKey: $key) { clientSessionId } }`
    expect((await harness.graphql(byKey, { headers: withApiKey, variables: { key: 'user_42' } })).status).toBe(200)
    // Of the wrong type: refused before it runs, 400.
    expect((await harness.graphql(byKey, { headers: withApiKey, variables: { key: 7 } })).status).toBe(400)
    // Answered 200 by Seam, but not with JSON: the same endpoint and status, another outcome.
    harness.fakeSeam.failNext({ status: 200, body: '{"client_session": ' })
    expect((await harness.graphql(byKey, { headers: withApiKey, variables: { key: 'user_42' } })).status).toBe(200)
    expect(servedByYoga(harness)).toBe(0)

    const samples = await scrape(harness)
    const operation = { operationName: 'ByKey', operationType: 'query' }
    const http = (statusCode: string) =>
      valueOf(samples, 'graphql_yoga_http_duration_count', { ...operation, method: 'POST', statusCode })
    expect([http('200'), http('400')]).toEqual([2, 1])
    const requests = (outcome: string) => valueOf(samples, 'graphql_gateway_requests_total', { ...operation, outcome })
    expect([requests('success'), requests('error')]).toEqual([1, 2])
    const upstream = (outcome: string) =>
      valueOf(samples, 'seam_upstream_requests_total', { endpoint: '/client_sessions/get', status: '200', outcome })
    expect([upstream('success'), upstream('UPSTREAM_ERROR')]).toEqual([1, 1])
    expect(
      valueOf(samples, 'seam_upstream_request_duration_seconds_count', {
        endpoint: '/client_sessions/get',
        status: '200',
      }),
    ).toBe(2)
  })

  it('counts a body the listener refuses, before yoga, as yoga counts one it refuses itself', async () => {
    const harness = await start({ gateway: { metrics: {}, maxRequestBodyBytes: 1024 } })
    const tooLarge = () =>
      new Request(harness.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ __typename }${' '.repeat(2048)}` }),
      })
    // Over HTTP, the listener refuses it; handed to yoga itself (as an embedding framework would), yoga does.
    const refusedByListener = await fetch(tooLarge())
    const refusedByYoga = await harness.gateway.yoga.fetch(tooLarge())
    expect([refusedByListener.status, refusedByYoga.status]).toEqual([413, 413])

    const samples = await scrape(harness)
    expect(samplesOf(samples, 'graphql_gateway_requests_total')).toEqual([
      {
        name: 'graphql_gateway_requests_total',
        labels: { operationName: '', operationType: 'none', outcome: 'error' },
        value: 2,
      },
    ])
    expect(samplesOf(samples, 'graphql_gateway_errors_total')).toEqual([
      { name: 'graphql_gateway_errors_total', labels: { code: 'PAYLOAD_TOO_LARGE', operationName: '' }, value: 2 },
    ])
  })

  it('labels by the operations of the document, never by an operationName the request only claims', async () => {
    const harness = await start({ gateway: { metrics: {} } })
    for (const invented of ['Invented1', 'Invented2']) {
      const answer = await harness.graphql('query Session { __typename }', {
        headers: withApiKey,
        operationName: invented,
      })
      expect(answer.body.errors?.length).toBeGreaterThan(0)
    }
    const text = await (await fetch(metricsUrl(harness))).text()
    expect(text).toContain('graphql_gateway_requests_total')
    expect(text).not.toContain('Invented')
  })

  it("keeps the Prometheus plugin's request duration histogram, without the URL, and counts deprecated fields", async () => {
    const harness = await start({ gateway: { metrics: {} } })
    await harness.graphql(read, { headers: withApiKey })
    await harness.graphql(read, { headers: withApiKey })
    expect(servedByYoga(harness)).toBe(0)
    const samples = await scrape(harness)

    const http = samplesOf(samples, 'graphql_yoga_http_duration_count', { operationName: 'Session' })
    expect(http).toEqual([
      {
        name: 'graphql_yoga_http_duration_count',
        labels: { operationName: 'Session', operationType: 'query', method: 'POST', statusCode: '200' },
        value: 2,
      },
    ])
    expect(samplesOf(samples, 'graphql_envelop_request_duration_count', { operationName: 'Session' })[0]?.value).toBe(2)
    expect(
      valueOf(samples, 'graphql_envelop_deprecated_field', {
        operationName: 'Session',
        operationType: 'query',
        fieldName: 'userIdentityIds',
        typeName: 'ClientSession',
      }),
    ).toBe(2)
  })

  it('labels each request by the operation it names in a document of several, on every series', async () => {
    const harness = await start({ gateway: { metrics: {} } })
    const document = `query First { __typename }\n${read.replace('query Session', 'query Second')}`
    for (const operationName of ['First', 'Second', 'Second']) {
      expect((await harness.graphql(document, { headers: withApiKey, operationName })).body.errors).toBeUndefined()
    }
    expect(servedByYoga(harness)).toBe(0)
    const samples = await scrape(harness)

    for (const [operationName, count] of [
      ['First', 1],
      ['Second', 2],
    ] as const) {
      const operation = { operationName, operationType: 'query' }
      expect(valueOf(samples, 'graphql_gateway_requests_total', { ...operation, outcome: 'success' })).toBe(count)
      expect(valueOf(samples, 'graphql_envelop_phase_execute_count', operation)).toBe(count)
      expect(
        valueOf(samples, 'graphql_yoga_http_duration_count', { ...operation, method: 'POST', statusCode: '200' }),
      ).toBe(count)
    }
    // As the Prometheus plugin counts them: the document's deprecated fields, under the operation named.
    const deprecated = { fieldName: 'userIdentityIds', typeName: 'ClientSession' }
    expect(samplesOf(samples, 'graphql_envelop_deprecated_field').map(({ labels, value }) => [labels, value])).toEqual([
      [{ operationName: 'First', operationType: 'query', ...deprecated }, 1],
      [{ operationName: 'Second', operationType: 'query', ...deprecated }, 2],
    ])
  })

  it('asks for the bearer token when one is configured', async () => {
    const token = 'scrape-token-0123456789'
    const harness = await start({ gateway: { metrics: { token } } })
    await harness.graphql(read, { headers: withApiKey })

    for (const authorization of [undefined, 'Bearer wrong-token', token]) {
      const response = await fetch(metricsUrl(harness), {
        headers: authorization === undefined ? {} : { authorization },
      })
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe('Bearer')
      expect(await response.text()).toBe('')
    }
    const samples = await scrape(harness, { authorization: `Bearer ${token}` })
    expect(
      valueOf(samples, 'graphql_gateway_requests_total', {
        operationName: 'Session',
        operationType: 'query',
        outcome: 'success',
      }),
    ).toBe(1)
  })

  it('gives each gateway a registry of its own, and leaves the global one alone', async () => {
    const first = await start({ gateway: { metrics: {} } })
    const second = await start({ gateway: { metrics: {} } })
    await first.graphql(grant, { headers: withApiKey })
    await second.graphql(read, { headers: withApiKey })

    const firstSamples = await scrape(first)
    const secondSamples = await scrape(second)
    expect(samplesOf(firstSamples, 'graphql_gateway_requests_total').map(({ labels }) => labels.operationName)).toEqual(
      ['GrantAccess'],
    )
    expect(
      samplesOf(secondSamples, 'graphql_gateway_requests_total').map(({ labels }) => labels.operationName),
    ).toEqual(['Session'])
    expect(globalRegistry.getMetricsAsArray()).toEqual([])
  })
})
