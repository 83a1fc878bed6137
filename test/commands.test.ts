/**
 * The README's commands in child processes: `npm start` and `npm run demo` are `npm run build` and then
 * `node dist/main.js` / `node dist/demo.js`. The build runs once before all tests
 * (test/support/build-once.ts); the processes are started with node itself so a signal reaches the
 * gateway and its exit code is the gateway's, not npm's.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { demoApiKey } from '../src/fake-seam/demo-data.js'
import { FakeSeam } from '../src/fake-seam/fake-seam.js'
import { apiKey, clientSession, workspaceId } from './support/harness.js'
import { waitFor } from './support/wait-for.js'

const projectRoot = fileURLToPath(new URL('..', import.meta.url))

interface Started {
  child: ChildProcessWithoutNullStreams
  output: () => string
  graphqlUrl: Promise<string>
  exited: Promise<number | null>
}

function run(entry: 'main' | 'demo', env: Record<string, string>): Started {
  const child = spawn(process.execPath, [`dist/${entry}.js`], {
    cwd: projectRoot,
    env: { ...process.env, ...env, NODE_ENV: '' },
  })
  let output = ''
  const graphqlUrl = new Promise<string>((resolve) => {
    const collect = (chunk: Buffer) => {
      output += chunk.toString()
      const url = output.match(/ at (http:\/\/\S+\/graphql)/)?.[1]
      if (url !== undefined) resolve(url)
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => output, graphqlUrl, exited }
}

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
    const started = run('main', { PORT: 'eighty' })
    expect(await started.exited).toBe(1)
    expect(started.output()).toContain('PORT must be a whole number')
    expect(started.output()).not.toMatch(/^\s+at /m)
  })

  it('serves with a server-held SEAM_API_KEY and exits 0 on SIGTERM', async () => {
    const started = run('main', { PORT: '0', SEAM_ENDPOINT: seamEndpoint, SEAM_API_KEY: apiKey })
    const url = await started.graphqlUrl
    const answer = await post(url, '{ clientSession(userIdentifierKey: "user_42") { clientSessionId } }')

    expect(answer).toEqual({ data: { clientSession: { clientSessionId: clientSession().client_session_id } } })
    expect(fakeSeam.requests.at(-1)?.headers.authorization).toBe(`Bearer ${apiKey}`)
    expect(started.output()).not.toContain(apiKey)
    started.child.kill('SIGTERM')
    expect(await started.exited).toBe(0)
  })

  it('on SIGTERM stops accepting, lets the request in flight finish, then exits 0', async () => {
    const started = run('main', {
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
    expect(refused).toBe('ECONNREFUSED')

    expect(await inFlight).toEqual({ data: { clientSession: { clientSessionId: clientSession().client_session_id } } })
    expect(await started.exited).toBe(0)
    expect(fakeSeam.requests.length - requestsBefore).toBe(1)
  })

  it('cuts what is still in flight after SHUTDOWN_DRAIN_MS, aborting its upstream call, and exits 0', async () => {
    const started = run('main', {
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

  it('npm run demo answers the example mutation with the demo credential, and serves GraphiQL', async () => {
    const started = run('demo', { PORT: '0' })
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
