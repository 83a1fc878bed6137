/**
 * What the listener's body limit hands on for a body within the limit: the whole body, read once, on a
 * request marked as bounded so that yoga's own check (src/plugins/use-request-body-limit.ts) skips it.
 * The refusals themselves are tested through the gateway in http-requests.test.ts and embedding.test.ts.
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterEach, describe, expect, it } from 'vitest'

import { isBodyBounded, limitRequestBody } from '../src/request-body-limit.js'

interface Seen {
  bounded: boolean
  body: string
}

const closers: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

/** A server behind `limitRequestBody` that tells what its listener saw of each request. */
async function startServer(): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = []
  const listener = limitRequestBody((request: IncomingMessage & { body?: Buffer }, response) => {
    seen.push({ bounded: isBodyBounded(request), body: request.body?.toString('utf8') ?? '(none)' })
    response.writeHead(204).end()
  }, 1024)
  const server = createServer(listener)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(() => new Promise((resolve) => server.close(resolve)))
  return { port: (server.address() as AddressInfo).port, seen }
}

/** POSTs `parts` as separate writes of one chunked body, each after the server has had time to read the last. */
async function post(port: number, parts: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/graphql' }, (response) => {
      response.resume()
      response.on('end', () => resolve(response.statusCode ?? 0))
    })
    request.on('error', reject)
    request.setNoDelay(true)
    const writeFrom = (index: number) => {
      if (index === parts.length) return void request.end()
      request.write(parts[index])
      setTimeout(() => writeFrom(index + 1), 20)
    }
    writeFrom(0)
  })
}

describe('limitRequestBody', () => {
  it('hands on a body sent at once, marked as bounded', async () => {
    const { port, seen } = await startServer()
    expect(await post(port, ['{"query":"{ __typename }"}'])).toBe(204)
    expect(seen).toEqual([{ bounded: true, body: '{"query":"{ __typename }"}' }])
  })

  it('hands on a body sent in several chunks whole and in order', async () => {
    const { port, seen } = await startServer()
    expect(await post(port, ['{"query":', '"{ __typename }"', '}'])).toBe(204)
    expect(seen).toEqual([{ bounded: true, body: '{"query":"{ __typename }"}' }])
  })

  it('marks only the requests it read itself', () => {
    expect(isBodyBounded({ body: Buffer.from('{}') })).toBe(false)
    expect(isBodyBounded(undefined)).toBe(false)
  })
})
