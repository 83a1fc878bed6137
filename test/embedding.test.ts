/**
 * The public entry as a team would use it: the gateway mounted in a node:http server of their own, next
 * to the routes that server already has; and the package's `exports` resolving to the built entry.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { printSchema } from 'graphql'
import { afterEach, describe, expect, it } from 'vitest'

import { FakeSeam } from '../src/fake-seam/fake-seam.js'
import { createGateway, type Gateway, loadConfig, schema } from '../src/index.js'
import { apiKey, clientSession, workspaceId } from './support/harness.js'

const projectRoot = fileURLToPath(new URL('..', import.meta.url))
const closers: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

describe('embedding', () => {
  it('mounts in a plain node:http server beside its other routes', async () => {
    const fakeSeam = new FakeSeam({ workspaceId, apiKeys: [apiKey], clientSessions: [clientSession()] })
    const seamEndpoint = await fakeSeam.listen()
    closers.push(() => fakeSeam.close())

    // What a team writes: the settings from the environment, the gateway owns /graphql, the application
    // keeps the rest. `requestListener` is yoga behind the request body limit.
    const gateway: Gateway = createGateway({
      ...loadConfig({ MAX_REQUEST_BODY_BYTES: '2048', LOG_REQUESTS: 'false' }),
      seamEndpoint,
    })
    const server = createServer((request, response) => {
      if (request.url?.startsWith(gateway.yoga.graphqlEndpoint)) return gateway.requestListener(request, response)
      response.writeHead(200, { 'content-type': 'text/plain' }).end('the application')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    closers.push(async () => {
      await new Promise((resolve) => server.close(resolve))
      await gateway.close()
    })
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

    const response = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({
        query: '{ clientSession(userIdentifierKey: "user_42") { clientSessionId deviceCount } }',
      }),
    })
    expect(await response.json()).toEqual({
      data: {
        clientSession: {
          clientSessionId: clientSession().client_session_id,
          deviceCount: clientSession().device_count,
        },
      },
    })
    expect(fakeSeam.requests.map(({ path }) => path)).toEqual(['/client_sessions/get'])
    expect(await (await fetch(`${origin}/health-of-the-app`)).text()).toBe('the application')

    // The body limit from the configuration holds in the host's server too.
    const tooLarge = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ query: `{ __typename }${' '.repeat(2048)}` }),
    })
    expect(tooLarge.status).toBe(413)
    expect(((await tooLarge.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      'PAYLOAD_TOO_LARGE',
    )
    expect(fakeSeam.requests).toHaveLength(1)
  })

  it('refuses request bodies over the limit when mounted without its own listener', async () => {
    const fakeSeam = new FakeSeam({ workspaceId, apiKeys: [apiKey], clientSessions: [clientSession()] })
    const seamEndpoint = await fakeSeam.listen()
    closers.push(() => fakeSeam.close())
    const maxRequestBodyBytes = 2048
    const gateway = createGateway({ seamEndpoint, upstreamTimeoutMs: 5_000, maxRequestBodyBytes, requestLog: false })
    const server = createServer((request, response) => void gateway.yoga(request, response))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    closers.push(async () => {
      await new Promise((resolve) => server.close(resolve))
      await gateway.close()
    })
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`
    const query = '{ clientSession(userIdentifierKey: "user_42") { deviceCount } }'
    const post = (body: BodyInit) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body,
        duplex: 'half',
      } as RequestInit)
    /** A valid request of `size` bytes: the query padded with spaces. */
    const padded = (size: number) => {
      const body = JSON.stringify({ query })
      return body.replace(/}$/, `${' '.repeat(size - body.length)}}`)
    }
    /** The same bytes, sent in chunks without a content-length. */
    const chunked = (text: string) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          const bytes = new TextEncoder().encode(text)
          for (let at = 0; at < bytes.length; at += 512) controller.enqueue(bytes.slice(at, at + 512))
          controller.close()
        },
      })

    const served = { data: { clientSession: { deviceCount: clientSession().device_count } } }
    expect(await (await post(padded(maxRequestBodyBytes))).json()).toEqual(served)
    expect(await (await post(chunked(padded(maxRequestBodyBytes)))).json()).toEqual(served)
    for (const body of [padded(maxRequestBodyBytes + 1), chunked(padded(maxRequestBodyBytes + 1))]) {
      const refused = await post(body)
      expect(refused.status).toBe(413)
      expect((await refused.json()).errors).toEqual([
        { message: 'The request body is larger than 2048 bytes.', extensions: { code: 'PAYLOAD_TOO_LARGE' } },
      ])
    }
    expect(fakeSeam.requests).toHaveLength(2)
  })

  it('exports the schema it serves', () => {
    expect(printSchema(schema)).toContain('grantClientSessionAccess(input: GrantClientSessionAccessInput!)')
  })

  it('resolves the package name to the built entry, with its types', () => {
    // The package refers to itself by name through its `exports`, as a dependent package would.
    const script = `
      import { createRequire } from 'node:module'
      const entry = await import('seam-graphql-gateway')
      const manifest = createRequire(import.meta.url)('seam-graphql-gateway/package.json')
      console.log(JSON.stringify({ exported: Object.keys(entry).sort(), types: manifest.exports['.'].types }))`
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: projectRoot,
      encoding: 'utf8',
    })
    const { exported, types } = JSON.parse(output) as { exported: string[]; types: string }
    expect(exported).toEqual([
      'ConfigError',
      'SeamClient',
      'createGateway',
      'credentialFromToken',
      'loadConfig',
      'readManifest',
      'schema',
    ])
    const declarations = readFileSync(join(projectRoot, types), 'utf8')
    expect(declarations).toContain('createGateway')
    expect(declarations).toContain('GatewayOptions')
  })
})
