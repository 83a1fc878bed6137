/**
 * One gateway in front of one fake Seam, both listening on loopback ports, and a GraphQL client that
 * talks to the gateway over HTTP. Every test file builds its own and closes it afterwards.
 */
import { afterEach, vi } from 'vitest'

import { type FakeClientSession, FakeSeam, type FakeSeamOptions } from '../../src/fake-seam/fake-seam.js'
import * as accessControl from '../../src/access-control.js'
import * as observability from '../../src/observability.js'
import { createGateway, type Gateway, type GatewayDependencies, type GatewayOptions } from '../../src/gateway.js'
import { listen, type RunningServer } from '../../src/server.js'
import { flushStdoutLines } from '../../src/stdout-lines.js'

export const workspaceId = '11111111-2222-4333-8444-555555555555'
export const apiKey = 'seam_testkey1_SECRETapiKEY0123456789'
export const personalAccessToken = 'seam_at1_SECRETpatTOKEN0123456789'
export const consoleSessionToken = 'eyJhbGciOiJIUzI1NiJ9.SECRETconsole.session'
export const publishableKey = 'seam_pk1_SECRETpublishableKEY0123'

export function clientSession(overrides: Partial<FakeClientSession> = {}): FakeClientSession {
  return {
    client_session_id: 'd2c1b0a9-8f7e-4d6c-9b5a-4f3e2d1c0b9a',
    workspace_id: workspaceId,
    created_at: '2026-10-01T08:00:00.000Z',
    expires_at: '2027-10-01T08:00:00.000Z',
    token: 'seam_cst1_SECRETsessionTOKEN',
    user_identifier_key: 'user_42',
    device_count: 3,
    connected_account_ids: ['c35ecf64-474a-466a-95a6-000000000001'],
    connect_webview_ids: [],
    user_identity_ids: [],
    ...overrides,
  }
}

export interface GraphQLAnswer {
  status: number
  headers: Headers
  text: string
  body: {
    data?: Record<string, any> | null
    errors?: { message: string; path?: string[]; extensions: Record<string, any> }[]
  }
}

export interface Harness {
  fakeSeam: FakeSeam
  gateway: Gateway
  seamEndpoint: string
  gatewayUrl: string
  /** Everything the gateway logged, through yoga's logger or the console, one string per call. */
  logs: string[]
  graphql(
    query: string,
    options?: { variables?: object; headers?: Record<string, string>; operationName?: string },
  ): Promise<GraphQLAnswer>
  close(): Promise<void>
}

export const withApiKey = { authorization: `Bearer ${apiKey}` }

/** The headers the fake received that did not come from undici itself. */
export function forwardedHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const { host: _host, connection: _connection, 'content-length': _length, ...rest } = headers
  return rest
}

export async function startHarness(
  options: {
    fake?: Partial<FakeSeamOptions>
    gateway?: Partial<GatewayOptions>
    dependencies?: (seamEndpoint: string) => GatewayDependencies
  } = {},
): Promise<Harness> {
  const fakeSeam = new FakeSeam({
    workspaceId,
    apiKeys: [apiKey],
    personalAccessTokens: [personalAccessToken],
    consoleSessionTokens: [consoleSessionToken],
    publishableKeys: [publishableKey],
    clientSessions: [clientSession()],
    ...options.fake,
  })
  const seamEndpoint = await fakeSeam.listen()
  const logs: string[] = []
  const record =
    (level: string) =>
    (...args: unknown[]) =>
      logs.push(`${level} ${args.map((arg) => (arg instanceof Error ? `${arg.stack}` : String(arg))).join(' ')}`)
  // The gateway runs in this process: whatever it prints through the console is caught here too.
  const consoleSpies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation(record(`console.${level}`)),
  )
  // The request log writes to process.stdout directly, not through the console: caught here, one entry a line.
  const stdoutSpy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()
    for (const line of text.split('\n')) if (line !== '') logs.push(`stdout ${line}`)
    return true
  })
  const gateway = createGateway(
    {
      seamEndpoint,
      upstreamTimeoutMs: 2_000,
      // Retries as in production, but without the wait.
      upstreamRetryDelayMs: 1,
      upstreamRetryMaxDelayMs: 1_500,
      logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
      ...options.gateway,
    },
    { observability, accessControl, ...options.dependencies?.(seamEndpoint) },
  )
  const server: RunningServer = await listen(gateway, 0, '127.0.0.1', { drainMs: 1_000 })

  return {
    fakeSeam,
    gateway,
    seamEndpoint,
    gatewayUrl: server.graphqlUrl,
    /**
     * What was printed so far, with the request-log lines gathered for stdout's next write (../../src/stdout-lines.ts):
     * those are written at the end of the event loop's turn, which may come after a client read its answer.
     */
    get logs() {
      flushStdoutLines()
      return logs
    },
    async graphql(query, { variables, headers, operationName } = {}) {
      const response = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
        body: JSON.stringify({ query, variables, operationName }),
      })
      const text = await response.text()
      return { status: response.status, headers: response.headers, text, body: JSON.parse(text) }
    },
    async close() {
      await server.close()
      await fakeSeam.close()
      for (const spy of consoleSpies) spy.mockRestore()
      // Lines gathered for stdout's next write are this harness's: caught before the spy goes.
      flushStdoutLines()
      stdoutSpy.mockRestore()
    },
  }
}

/** The error codes of an answer, in order. */
export const codesOf = (answer: GraphQLAnswer) => answer.body.errors?.map((error) => error.extensions['code']) ?? []

/**
 * `startHarness` for a file whose tests each start gateways of their own: every harness it started is
 * closed after each test.
 */
export function startHarnessPerTest(): typeof startHarness {
  const started: Harness[] = []
  afterEach(async () => {
    await Promise.all(started.splice(0).map((harness) => harness.close()))
  })
  return async (...args) => {
    const harness = await startHarness(...args)
    started.push(harness)
    return harness
  }
}
