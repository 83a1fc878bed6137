/**
 * The README's commands in child processes: `npm start` and `npm run demo` are `npm run build` and then
 * `node dist/main.js` / `node dist/demo.js`. The build runs once before all tests
 * (test/support/build-once.ts); the processes are started with node itself so a signal reaches the
 * gateway and its exit code is the gateway's, not npm's.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { demoApiKey } from '../src/fake-seam/demo-data.js'
import { FakeSeam } from '../src/fake-seam/fake-seam.js'
import { apiKey, clientSession, workspaceId } from './support/harness.js'
import { audience, claims, issuer, publicKeyPem, sign, signingKey } from './support/identity-provider.js'
import { startGatewayProcess } from './support/gateway-process.js'
import { waitFor } from './support/wait-for.js'

async function post(url: string, query: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  })
  return (await response.json()) as { data?: any; errors?: any[] }
}

describe.sequential('npm start and npm run demo', () => {
  let fakeSeam: FakeSeam
  let seamEndpoint: string
  beforeAll(async () => {
    fakeSeam = new FakeSeam({ workspaceId, apiKeys: [apiKey], clientSessions: [clientSession()] })
    seamEndpoint = await fakeSeam.listen()
    // The build is a full type-check: on a busy machine it takes longer than vitest's 10 s for a hook.
  }, 120_000)
  afterAll(() => fakeSeam.close())

  it('stops on a bad setting with a message that names the variable, and no stack trace', async () => {
    const started = startGatewayProcess('main', { PORT: 'eighty' })
    expect(await started.exited).toBe(1)
    expect(started.output()).toContain('PORT must be a whole number')
    expect(started.output()).not.toMatch(/^\s+at /m)
  })

  it('stops on a trusted document that cannot run with a message that names it, and no stack trace', async () => {
    const manifest = join(mkdtempSync(join(tmpdir(), 'trusted-')), 'manifest.json')
    writeFileSync(manifest, JSON.stringify({ 'good-one': '{ __typename }', 'broken-one': '{ nothing }' }))
    const started = startGatewayProcess('main', { PORT: '0', SEAM_ENDPOINT: seamEndpoint, TRUSTED_DOCUMENTS: manifest })
    expect(await started.exited).toBe(1)
    expect(started.output()).toContain('"broken-one"')
    expect(started.output()).not.toContain('"good-one"')
    expect(started.output()).not.toMatch(/^\s+at /m)
  })

  it('serves with a server-held SEAM_API_KEY and exits 0 on SIGTERM', async () => {
    const started = startGatewayProcess('main', { PORT: '0', SEAM_ENDPOINT: seamEndpoint, SEAM_API_KEY: apiKey })
    const url = await started.graphqlUrl
    const answer = await post(url, '{ clientSession(userIdentifierKey: "user_42") { clientSessionId } }')

    expect(answer).toEqual({ data: { clientSession: { clientSessionId: clientSession().client_session_id } } })
    expect(fakeSeam.requests.at(-1)?.headers.authorization).toBe(`Bearer ${apiKey}`)
    expect(started.output()).not.toContain(apiKey)
    // HOST is loopback: no warning that anyone may use the credential.
    expect(started.output()).not.toContain('Warning')
    started.child.kill('SIGTERM')
    expect(await started.exited).toBe(0)
  })

  it('verifies callers with AUTH_*: 401 without a token, served with one, the token never printed', async () => {
    const key = await signingKey('k1', 'ES256')
    const started = startGatewayProcess('main', {
      PORT: '0',
      SEAM_ENDPOINT: seamEndpoint,
      SEAM_API_KEY: apiKey,
      // Written on one line, as an environment often holds it.
      AUTH_JWT_PUBLIC_KEY: (await publicKeyPem(key)).replaceAll('\n', '\\n'),
      AUTH_ISSUER: issuer,
      AUTH_AUDIENCE: audience,
    })
    const url = await started.graphqlUrl
    const query = '{ clientSession(userIdentifierKey: "user_42") { clientSessionId } }'
    expect(await post(url, query)).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] })
    const token = await sign(key, claims('user_42'))
    expect(await post(url, query, { authorization: `Bearer ${token}` })).toEqual({
      data: { clientSession: { clientSessionId: clientSession().client_session_id } },
    })
    expect(started.output()).toContain('callers verified')
    expect(started.output()).not.toContain(token)
    started.child.kill('SIGTERM')
    expect(await started.exited).toBe(0)
  })

  it('on SIGTERM stops accepting, lets the request in flight finish, then exits 0', async () => {
    const started = startGatewayProcess('main', {
      PORT: '0',
      SEAM_ENDPOINT: seamEndpoint,
      SEAM_API_KEY: apiKey,
      SHUTDOWN_DRAIN_MS: '10000',
    })
    const url = await started.graphqlUrl
    const { port } = new URL(url)
    const requestsBefore = fakeSeam.requests.length
    fakeSeam.failNext({ delayMs: 1_000 })
    const inFlight = post(url, '{ clientSession(userIdentifierKey: "user_42") { clientSessionId } }')
    await waitFor(() => fakeSeam.requests.length > requestsBefore, 'the request to reach Seam')
    started.child.kill('SIGTERM')

    // New connections are refused from now on, while the request above is still waiting for Seam.
    const refused = await new Promise<string>((resolve) => {
      const attempt = () => {
        const socket = connect(Number(port), '127.0.0.1')
        socket.once('connect', () => {
          socket.destroy()
          setTimeout(attempt, 20)
        })
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? ''))
      }
      attempt()
    })
    // Refused by the closed listener, or reset: a connection the kernel had queued before the close is
    // dropped with it, never served.
    expect(['ECONNREFUSED', 'ECONNRESET']).toContain(refused)

    expect(await inFlight).toEqual({ data: { clientSession: { clientSessionId: clientSession().client_session_id } } })
    expect(await started.exited).toBe(0)
    expect(fakeSeam.requests.length - requestsBefore).toBe(1)
  })

  it('cuts what is still in flight after SHUTDOWN_DRAIN_MS, aborting its upstream call, and exits 0', async () => {
    const started = startGatewayProcess('main', {
      PORT: '0',
      SEAM_ENDPOINT: seamEndpoint,
      SEAM_API_KEY: apiKey,
      SHUTDOWN_DRAIN_MS: '200',
    })
    const url = await started.graphqlUrl
    const requestsBefore = fakeSeam.requests.length
    const abandonedBefore = fakeSeam.abandonedAnswers
    fakeSeam.failNext({ delayMs: 8_000 })
    const inFlight = post(url, '{ clientSession(userIdentifierKey: "user_42") { clientSessionId } }').catch(
      (error: Error) => error,
    )
    await waitFor(() => fakeSeam.requests.length > requestsBefore, 'the request to reach Seam')
    const signalled = performance.now()
    started.child.kill('SIGTERM')

    expect(await started.exited).toBe(0)
    // Long before Seam's 8 s answer: the drain time ended the wait.
    expect(performance.now() - signalled).toBeLessThan(5_000)
    expect(await inFlight).toBeInstanceOf(Error)
    await waitFor(() => fakeSeam.abandonedAnswers > abandonedBefore, 'the fake to see its answer abandoned')
  })

  it('hands every setting from the environment to the gateway (NODE_ENV=production)', async () => {
    const origin = 'https://app.example.com'
    const started = startGatewayProcess('main', {
      PORT: '0',
      SEAM_ENDPOINT: seamEndpoint,
      SEAM_API_KEY: apiKey,
      NODE_ENV: 'production',
      MAX_ALIASES: '1',
      MAX_TOKENS: '100',
      SEAM_CALL_BUDGET: '1',
      BATCH_LIMIT: '2',
      MAX_REQUEST_BODY_BYTES: '2048',
      SEAM_TIMEOUT_MS: '500',
      SEAM_RETRIES: '0',
      SEAM_MAX_RESPONSE_BYTES: '4096',
      LOG_REQUESTS: 'false',
      METRICS_ENABLED: 'true',
      CORS_ORIGINS: origin,
      KEEP_ALIVE_TIMEOUT_MS: '70000',
    })
    const url = await started.graphqlUrl
    const read = '{ clientSession(userIdentifierKey: "user_42") { clientSessionId } }'
    const codeOf = (answer: { errors?: any[] }) => answer.errors?.[0]?.extensions?.code
    const requestsBefore = fakeSeam.requests.length

    // NODE_ENV=production: no introspection, no GraphiQL.
    expect(codeOf(await post(url, '{ __schema { queryType { name } } }'))).toBe('GRAPHQL_VALIDATION_FAILED')
    const page = await fetch(url, { headers: { accept: 'text/html' } })
    expect(page.headers.get('content-type') ?? '').not.toContain('text/html')
    await page.body?.cancel()
    // MAX_ALIASES, MAX_TOKENS, SEAM_CALL_BUDGET: refused before any call.
    expect(codeOf(await post(url, `{ a: ${read.slice(2, -2)} b: ${read.slice(2, -2)} }`))).toBe(
      'OPERATION_LIMIT_EXCEEDED',
    )
    expect(codeOf(await post(url, `{ ${Array(100).fill('__typename').join(' ')} }`))).toBe('OPERATION_LIMIT_EXCEEDED')
    const grant = `mutation { grantClientSessionAccess(input: { userIdentifierKey: "user_42" }) {
      clientSession { clientSessionId } } }`
    expect(codeOf(await post(url, grant))).toBe('UPSTREAM_CALL_BUDGET_EXCEEDED')
    expect(fakeSeam.requests.length).toBe(requestsBefore)
    // BATCH_LIMIT and MAX_REQUEST_BODY_BYTES.
    const batch = (body: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(async (response) => ({
        status: response.status,
        body: await response.json(),
      }))
    expect(await batch(JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]))).toMatchObject({
      status: 200,
      body: [{ data: { __typename: 'Query' } }, { data: { __typename: 'Query' } }],
    })
    expect((await batch(JSON.stringify({ query: `{ __typename }${' '.repeat(3000)}` }))).status).toBe(413)
    // SEAM_TIMEOUT_MS (the default would wait for this answer), SEAM_RETRIES (a read is sent once),
    // SEAM_MAX_RESPONSE_BYTES (the answer is cut off, not read to its end).
    fakeSeam.failNext({ delayMs: 2_000 })
    expect(codeOf(await post(url, read))).toBe('GATEWAY_TIMEOUT')
    fakeSeam.failNext({ status: 503 })
    expect(codeOf(await post(url, read))).toBe('UPSTREAM_ERROR')
    expect(fakeSeam.requests.length).toBe(requestsBefore + 2)
    const abandonedBefore = fakeSeam.abandonedAnswers
    // Far more than the loopback socket buffers hold, so the fake cannot finish sending before the cut.
    fakeSeam.failNext({ bodyBytes: 32 * 1024 * 1024 })
    expect(codeOf(await post(url, read))).toBe('UPSTREAM_ERROR')
    await waitFor(() => fakeSeam.abandonedAnswers > abandonedBefore, 'the fake to see its answer abandoned')
    // METRICS_ENABLED and CORS_ORIGINS.
    expect((await fetch(new URL('/metrics', url))).status).toBe(200)
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST' },
    })
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin)
    // KEEP_ALIVE_TIMEOUT_MS: Node names it, in seconds, in every keep-alive answer.
    expect(preflight.headers.get('keep-alive')).toBe('timeout=70')

    started.child.kill('SIGTERM')
    expect(await started.exited).toBe(0)
    // LOG_REQUESTS=false: the start-up line, and no request line.
    expect(started.output()).not.toContain('"msg":"request"')
  })

  it('npm run demo answers the example mutation with the demo credential, and serves GraphiQL', async () => {
    const started = startGatewayProcess('demo', { PORT: '0' })
    const url = await started.graphqlUrl
    expect(started.output()).toContain(`Bearer ${demoApiKey}`)

    const answer = await post(
      url,
      `mutation { grantClientSessionAccess(input: {
        clientSessionId: "3ada79d3-2848-4320-b2ef-a82e1e6dafac"
        connectWebviewIds: ["dad03fb2-f801-449c-ab88-0529728c7c38"]
      }) { clientSession { clientSessionId connectWebviewIds } } }`,
      { authorization: `Bearer ${demoApiKey}` },
    )
    expect(answer).toEqual({
      data: {
        grantClientSessionAccess: {
          clientSession: {
            clientSessionId: '3ada79d3-2848-4320-b2ef-a82e1e6dafac',
            connectWebviewIds: ['dad03fb2-f801-449c-ab88-0529728c7c38'],
          },
        },
      },
    })

    // GraphiQL comes inlined from the installed package: nothing loads from a CDN, so it works offline.
    const page = await fetch(url, { headers: { accept: 'text/html' } })
    const html = await page.text()
    expect(page.status).toBe(200)
    expect(html).toContain('<title>Seam GraphQL gateway</title>')
    expect(html).toContain('renderYogaGraphiQL')
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/)

    started.child.kill('SIGTERM')
    expect(await started.exited).toBe(0)
  })
})
