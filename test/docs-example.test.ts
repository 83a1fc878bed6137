/**
 * The README's worked example is true: its curl command, sent to a gateway in front of the demo's
 * workspace (what `npm run demo` serves), gets the answer printed below it, with HTTP 200, after one call
 * to Seam's grant endpoint with the caller's credential, as the text says.
 */
import type { Tokens } from 'marked'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { demoWorkspace } from '../src/fake-seam/demo-data.js'
import { allTokens, readMarkdown } from './support/docs.js'
import { type Harness, startHarness } from './support/harness.js'

interface CurlCommand {
  url: URL
  headers: Record<string, string>
  body: string
}

/**
 * The words of a shell command as the README writes them: unquoted words, 'single-quoted' strings and
 * line continuations; one pass, nothing else of the shell.
 */
function shellWords(command: string): string[] {
  const words: string[] = []
  let word: string | undefined
  for (let at = 0; at < command.length; at++) {
    const character = command[at]!
    if (character === "'") {
      const end = command.indexOf("'", at + 1)
      if (end === -1) throw new Error(`An unterminated quote in: ${command}`)
      word = (word ?? '') + command.slice(at + 1, end)
      at = end
    } else if (character === '\\' && command[at + 1] === '\n') {
      at++
    } else if (/\s/.test(character)) {
      if (word !== undefined) words.push(word)
      word = undefined
    } else {
      word = (word ?? '') + character
    }
  }
  if (word !== undefined) words.push(word)
  return words
}

function curlCommand(command: string): CurlCommand {
  const [program, ...words] = shellWords(command)
  expect(program).toBe('curl')
  const headers: Record<string, string> = {}
  let url: URL | undefined
  let body: string | undefined
  for (let at = 0; at < words.length; at++) {
    const word = words[at]!
    if (word === '-H') {
      const header = words[++at] ?? ''
      const colon = header.indexOf(':')
      headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim()
    } else if (word === '-d') {
      body = words[++at]
    } else if (word.startsWith('-')) {
      throw new Error(`A curl option this test does not know: ${word}`)
    } else {
      url = new URL(word)
    }
  }
  if (url === undefined || body === undefined) throw new Error(`No URL or no body in: ${command}`)
  return { url, headers, body }
}

/**
 * Each curl command in the code blocks of the README's "An example" section, with the JSON block that
 * follows it as its answer. (The example of verified callers, whose token the reader's provider signs,
 * is held true by test/auth-policy.test.ts.)
 */
function examples(): { command: CurlCommand; answer: unknown }[] {
  let section = ''
  const blocks = [...allTokens(readMarkdown('README.md'))].filter((token): token is Tokens.Code => {
    if (token.type === 'heading' && (token as Tokens.Heading).depth === 2) section = (token as Tokens.Heading).text
    return token.type === 'code' && section === 'An example'
  })
  return blocks.flatMap((block, index) => {
    const next = blocks[index + 1]
    if (block.lang !== 'sh' || !block.text.startsWith('curl ')) return []
    if (next?.lang !== 'json') throw new Error(`No answer (a json block) after: ${block.text}`)
    return [{ command: curlCommand(block.text), answer: JSON.parse(next.text) as unknown }]
  })
}

describe("the README's example", () => {
  let harness: Harness
  beforeAll(async () => {
    harness = await startHarness({ fake: demoWorkspace })
  })
  afterAll(() => harness.close())

  it('answers as printed, after one grant call to Seam with the caller credential', async () => {
    const found = examples()
    expect(found).toHaveLength(1)
    const [{ command, answer }] = found as [(typeof found)[number]]
    expect(command.url.href).toBe('http://127.0.0.1:4000/graphql')

    const response = await fetch(new URL(command.url.pathname, harness.gatewayUrl), {
      method: 'POST',
      headers: command.headers,
      body: command.body,
    })

    expect(response.status).toBe(200)
    expect(await response.json()).toEqual(answer)
    expect(harness.fakeSeam.requests.map(({ method, path }) => `${method} ${path}`)).toEqual([
      'POST /client_sessions/grant_access',
    ])
    expect(harness.fakeSeam.requests[0]?.headers.authorization).toBe(command.headers['authorization'])
  })
})
