/**
 * GraphiQL in a real browser (Debian's Chromium, driven by playwright-core), against `npm run demo`:
 * the page loads nothing from outside the gateway's origin, its docs show the deprecations with their
 * reasons, and the prefilled example runs with the demo credential.
 *
 * The screenshot goes to the system's temporary directory; `npm run screenshot` writes it to
 * docs/graphiql.png, which the README shows.
 *
 * The same browser also stands in for a front end on another origin: a page of a listed origin reads the
 * gateway's 413 for a body over the limit, its code and request id, where one of an unlisted origin gets
 * nothing.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { demoWorkspace } from '../src/fake-seam/demo-data.js'
import { startHarness, withApiKey } from './support/harness.js'

const projectRoot = fileURLToPath(new URL('..', import.meta.url))
const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const screenshotPath = process.env['GRAPHIQL_SCREENSHOT'] ?? join(tmpdir(), 'seam-gateway-graphiql.png')
/** Generous for a loaded machine, yet bounded: a step that hangs fails the test instead of stalling it. */
const stepTimeoutMs = 20_000

const jane = demoWorkspace.clientSessions?.find((session) => session.user_identifier_key === 'jane_doe')

let demo: ChildProcessWithoutNullStreams
let graphqlUrl: string
let browser: Browser

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`No Chromium at ${chromiumPath}: install it (apt-get install chromium) or set CHROMIUM_PATH.`)
  }
  demo = spawn(process.execPath, ['dist/demo.js'], { cwd: projectRoot, env: { ...process.env, PORT: '0' } })
  graphqlUrl = await new Promise<string>((resolve, reject) => {
    let output = ''
    demo.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const url = output.match(/ at (http:\/\/\S+\/graphql)/)?.[1]
      if (url !== undefined) resolve(url)
    })
    demo.on('exit', (code) => reject(new Error(`npm run demo exited with ${code}: ${output}`)))
  })
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: stepTimeoutMs,
  })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  if (demo !== undefined && demo.exitCode === null) {
    const exited = new Promise((resolve) => demo.once('exit', resolve))
    demo.kill('SIGTERM')
    await exited
  }
})

/** Whether a URL the page asked for stays on the gateway's origin (blob: URLs are the page's own). */
function onOrigin(url: string, origin: string): boolean {
  if (url.startsWith('data:')) return true
  const target = url.startsWith('blob:') ? url.slice('blob:'.length) : url
  return URL.canParse(target) && new URL(target).origin === origin
}

async function openDocs(page: Page, ...path: string[]) {
  const docs = page.locator('.graphiql-doc-explorer')
  for (const name of path) await docs.getByRole('link', { name, exact: true }).first().click()
  await docs.getByRole('button', { name: 'Show Deprecated Fields' }).click()
  return docs
}

describe('GraphiQL in Chromium', () => {
  it('loads offline, shows the deprecations, and runs the example with the demo credential', async () => {
    expect(jane).toBeDefined()
    const origin = new URL(graphqlUrl).origin
    const context = await browser.newContext({ viewport: { width: 1400, height: 800 } })
    context.setDefaultTimeout(stepTimeoutMs)
    const requested: string[] = []
    context.on('request', (request) => requested.push(request.url()))
    try {
      const page = await context.newPage()
      await page.goto(graphqlUrl)
      await page.getByRole('button', { name: 'Show Documentation Explorer' }).click()
      const back = page.locator('.graphiql-doc-explorer-back')

      // CreateClientSessionInput.userIdentityIds: each input's reason is its own endpoint's ("instead." here).
      const createInputDocs = await openDocs(page, 'Mutation', 'createClientSession', 'CreateClientSessionInput')
      const createInputField = createInputDocs
        .locator('.graphiql-doc-explorer-item')
        .filter({ has: page.getByRole('link', { name: 'userIdentityIds', exact: true }) })
      expect(await createInputField.locator('.graphiql-markdown-deprecation').innerText()).toBe(
        'Use userIdentityId instead.',
      )
      await back.click()
      await back.click()

      // ClientSession.userIdentityIds, an output field: Mutation → grant → payload → ClientSession.
      const clientSessionDocs = await openDocs(
        page,
        'grantClientSessionAccess',
        'GrantClientSessionAccessPayload',
        'ClientSession',
      )
      await expect.poll(() => clientSessionDocs.innerText()).toContain('Deprecated Fields')
      const outputField = clientSessionDocs
        .locator('.graphiql-doc-explorer-item')
        .filter({ has: page.getByRole('link', { name: 'userIdentityIds', exact: true }) })
      expect(await outputField.locator('.graphiql-markdown-deprecation').innerText()).toBe(
        'Use userIdentityId instead.',
      )

      // GrantClientSessionAccessInput.userIdentityIds, an input field: only there when GraphiQL's
      // introspection asks for deprecated input values.
      await back.click()
      await back.click()
      const inputDocs = await openDocs(page, 'GrantClientSessionAccessInput')
      const inputField = inputDocs
        .locator('.graphiql-doc-explorer-item')
        .filter({ has: page.getByRole('link', { name: 'userIdentityIds', exact: true }) })
      expect(await inputField.locator('.graphiql-markdown-deprecation').innerText()).toBe('Use userIdentityId.')

      // The prefilled example, with the demo credential in the Headers tab: press Run.
      const answered = page.waitForResponse(
        (response) => response.request().method() === 'POST' && /GrantAccess/.test(response.request().postData() ?? ''),
      )
      await page.locator('.graphiql-execute-button').click()
      expect((await answered).status()).toBe(200)
      const resultPane = page.locator('.graphiql-response')
      await expect.poll(() => resultPane.innerText(), { timeout: stepTimeoutMs }).toContain('clientSessionId')
      // The pane wraps long lines anywhere; the IDs have no spaces, so whitespace can go.
      const result = (await resultPane.innerText()).replace(/\s+/g, '')
      expect(result).not.toContain('"errors"')
      expect(result.match(/"clientSessionId":"([^"]+)"/)?.[1]).toBe(jane?.client_session_id)
      expect(result.match(/"userIdentifierKey":"([^"]+)"/)?.[1]).toBe(jane?.user_identifier_key)

      await page.screenshot({ path: screenshotPath })
    } finally {
      await context.close()
    }

    expect(requested.filter((url) => !onOrigin(url, origin))).toEqual([])
    // The page, its introspection and the mutation all went to the gateway.
    expect(requested.filter((url) => url === graphqlUrl).length).toBeGreaterThanOrEqual(3)
  }, 90_000)
})

describe.each([
  ['on', true],
  ['off', false],
])('A front end on another origin in Chromium, lean lane %s', (_lane, fastLane) => {
  it('reads the 413 of a body over the limit, its code and request id, from a listed origin only', async () => {
    // The front end's page, served on its own port: http://127.0.0.1:<port> is listed, http://localhost:<port>
    // (the same server, another origin) is not.
    const pages = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Front end</title>')
    })
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve))
    const pagePort = (pages.address() as AddressInfo).port
    const listed = `http://127.0.0.1:${pagePort}`
    const harness = await startHarness({ gateway: { corsOrigins: [listed], maxRequestBodyBytes: 1024, fastLane } })
    const context = await browser.newContext()
    context.setDefaultTimeout(stepTimeoutMs)
    try {
      const page = await context.newPage()
      /** What a script of the page at `origin` can read of the answer to an oversized JSON POST. */
      const oversizedPostFrom = async (origin: string) => {
        await page.goto(`${origin}/`)
        return page.evaluate(
          async ({ url, authorization }) => {
            try {
              const response = await fetch(url, {
                method: 'POST',
                // A JSON body and an Authorization header: the browser sends a preflight first.
                headers: { 'content-type': 'application/json', authorization },
                body: JSON.stringify({ query: `{ __typename }${' '.repeat(2000)}` }),
              })
              const body = (await response.json()) as { errors: { extensions: { code: string } }[] }
              return {
                status: response.status,
                code: body.errors[0]?.extensions.code,
                requestId: response.headers.get('x-request-id') !== null,
              }
            } catch (error) {
              return { failed: String(error) }
            }
          },
          { url: harness.gatewayUrl, authorization: withApiKey.authorization },
        )
      }

      expect(await oversizedPostFrom(listed)).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE', requestId: true })
      expect(await oversizedPostFrom(`http://localhost:${pagePort}`)).toEqual({
        failed: 'TypeError: Failed to fetch',
      })
    } finally {
      await context.close()
      await harness.close()
      await new Promise((resolve) => pages.close(resolve))
    }
  }, 60_000)
})
