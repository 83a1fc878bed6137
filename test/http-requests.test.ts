import { connect } from 'node:net'

import { afterEach, describe, expect, it } from 'vitest'

import { type Harness, startHarness, withApiKey } from './support/harness.js'

let harness: Harness
afterEach(() => harness.close())

const read = '{ clientSession(userIdentifierKey: "user_42") { clientSessionId } }'
const withApiKeyHeader = `authorization: ${withApiKey.authorization}`

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(harness.gatewayUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...withApiKey,
      ...headers,
    },
    body,
  })

describe('batched requests', () => {
  it('are refused by default, before any upstream call', async () => {
    harness = await startHarness()
    const response = await post(JSON.stringify([{ query: read }, { query: read }]))

    expect(response.status).toBe(400)
    expect((await response.json()).errors).toEqual([
      { message: 'Batching is not supported.', extensions: { code: 'BAD_REQUEST' } },
    ])
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })

  it('are served up to the configured limit, and refused beyond it', async () => {
    harness = await startHarness({ gateway: { batchLimit: 2 } })
    const two = await post(JSON.stringify([{ query: read }, { query: read }]))
    expect(two.status).toBe(200)
    expect(await two.json()).toHaveLength(2)
    expect(harness.fakeSeam.requests).toHaveLength(2)

    const three = await post(JSON.stringify([{ query: read }, { query: read }, { query: read }]))
    expect(three.status).toBe(413)
    expect((await three.json()).errors[0].extensions.code).toBe('BAD_REQUEST')
    expect(harness.fakeSeam.requests).toHaveLength(2)
  })
})

describe('request bodies over the limit', () => {
  const maxRequestBodyBytes = 4096
  /** A valid request whose body is `size` bytes long: the query padded with spaces. */
  const paddedBody = (size: number) => {
    const body = JSON.stringify({ query: read })
    return body.replace(/}$/, `${' '.repeat(size - body.length)}}`)
  }

  it('get 413 and PAYLOAD_TOO_LARGE when content-length says so, and one byte less is served', async () => {
    harness = await startHarness({ gateway: { maxRequestBodyBytes } })
    const atLimit = await post(paddedBody(maxRequestBodyBytes))
    expect(atLimit.status).toBe(200)
    expect(harness.fakeSeam.requests).toHaveLength(1)

    const over = await post(paddedBody(maxRequestBodyBytes + 1))
    expect(over.status).toBe(413)
    expect(await over.json()).toEqual({
      errors: [{ message: 'The request body is larger than 4096 bytes.', extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
    })
    expect(harness.fakeSeam.requests).toHaveLength(1)
  })

  it('get 413 when sent in chunks without a length', async () => {
    harness = await startHarness({ gateway: { maxRequestBodyBytes } })
    const chunk = new TextEncoder().encode(' '.repeat(1024))
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Starts like a GraphQL request, then never ends unless the server stops reading.
        controller.enqueue(sent === 0 ? new TextEncoder().encode(`{"query":"{ __typename }"`) : chunk)
        sent += 1
        if (sent > 64) controller.close()
      },
    })
    const response = await fetch(harness.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit)

    expect(response.status).toBe(413)
    expect((await response.json()).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE')
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })

  it.each([
    ['announced with content-length', true],
    ['sent in chunks', false],
  ])('are answered while the client, %s, is still sending, without resetting the connection', async (_, withLength) => {
    harness = await startHarness({ gateway: { maxRequestBodyBytes } })
    const { hostname, port, pathname } = new URL(harness.gatewayUrl)
    // Half-open: like a client busy uploading, it goes on sending whatever the server does.
    const socket = connect({ port: Number(port), host: hostname, allowHalfOpen: true })
    const framing = withLength ? 'content-length: 10000000' : 'transfer-encoding: chunked'
    socket.write(
      `POST ${pathname} HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\n${framing}\r\n\r\n`,
    )
    const piece = ' '.repeat(512)
    let received = ''
    let resetBeforeAnswer = false
    const answered = new Promise<void>((resolve, reject) => {
      socket.on('data', (data) => {
        received += data.toString()
        if (received.includes('PAYLOAD_TOO_LARGE')) resolve()
      })
      socket.on('error', (error) => {
        resetBeforeAnswer = !received.includes('PAYLOAD_TOO_LARGE')
        reject(error)
      })
    })
    // Keeps sending, as a client uploading a large body does, until the answer has been read.
    const sending = setInterval(() => {
      if (!socket.writable) return
      socket.write(withLength ? piece : `${piece.length.toString(16)}\r\n${piece}\r\n`)
    }, 2)
    try {
      await answered
      // And it goes on sending for a while after reading the answer: still no reset.
      await new Promise((resolve) => setTimeout(resolve, 200))
    } finally {
      clearInterval(sending)
      socket.destroy()
    }

    expect(resetBeforeAnswer).toBe(false)
    expect(received).toMatch(/^HTTP\/1\.1 413 /)
    expect(socket.errored).toBeNull()
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })
})

describe('GET', () => {
  it('refuses a mutation with 405, with a JSON content type too, before any upstream call', async () => {
    harness = await startHarness()
    const mutation =
      'mutation { grantClientSessionAccess(input: { userIdentifierKey: "user_42" }) { clientSession { token } } }'
    const url = `${harness.gatewayUrl}?query=${encodeURIComponent(mutation)}`
    for (const headers of [
      { 'content-type': 'application/json' },
      { 'content-type': 'application/json', 'x-graphql-yoga-csrf': '1' },
    ]) {
      const response = await fetch(url, { headers: { ...withApiKey, ...headers } })

      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('POST')
      expect((await response.json()).errors[0].extensions.code).toBe('BAD_REQUEST')
    }
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })
})

/** Sends `head` (the request line and headers) and `body` on a socket of its own, and reads the whole answer. */
function exchangeRaw(head: string, body = ''): Promise<{ status: number; headers: string; body: string }> {
  const { hostname, port } = new URL(harness.gatewayUrl)
  return new Promise((resolve, reject) => {
    const socket = connect({ port: Number(port), host: hostname })
    let received = ''
    socket.on('data', (data) => (received += data.toString()))
    socket.on('error', reject)
    socket.on('end', () => {
      const [headers = '', ...rest] = received.split('\r\n\r\n')
      resolve({ status: Number(headers.split(' ')[1]), headers, body: rest.join('\r\n\r\n') })
    })
    socket.end(`${head}\r\nconnection: close\r\n\r\n${body}`)
  })
}

describe.each([
  ['on', true],
  ['off', false],
])('malformed requests, lean lane %s', (_, fastLane) => {
  it.each([
    ['content-length: 0', 'content-length: 0'],
    ['no chunks', 'transfer-encoding: chunked'],
  ])('answers an empty JSON POST (%s) with 400 and BAD_REQUEST', async (__, framing) => {
    harness = await startHarness({ gateway: { fastLane } })
    const answer = await exchangeRaw(
      `POST /graphql HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n${framing}`,
      framing.startsWith('transfer') ? '0\r\n\r\n' : '',
    )

    expect(answer.status).toBe(400)
    expect(JSON.parse(answer.body)).toMatchObject({
      errors: [{ message: 'POST body sent invalid JSON.', extensions: { code: 'BAD_REQUEST' } }],
    })
  })

  it.each([
    ['a Host that is no host name', 'POST /graphql HTTP/1.1\r\nhost: exa mple'],
    ['a port over 65535', 'POST /graphql HTTP/1.1\r\nhost: localhost:99999'],
    ['a target in absolute form', 'POST http://gateway.example/graphql HTTP/1.1\r\nhost: gateway.example:4000'],
    ['a Host that is no host name, on /health', 'GET /health HTTP/1.1\r\nhost: exa mple'],
  ])('refuses %s with 400 and BAD_REQUEST, no stack trace', async (__, head) => {
    const lines: string[] = []
    harness = await startHarness({ gateway: { fastLane, requestLog: (line) => lines.push(line) } })
    const body = JSON.stringify({ query: read })
    const answer = await exchangeRaw(
      `${head}\r\ncontent-type: application/json\r\n${withApiKeyHeader}\r\ncontent-length: ${body.length}`,
      body,
    )

    expect(answer.status).toBe(400)
    expect(JSON.parse(answer.body)).toEqual({
      errors: [{ message: 'The Host header and the request target make no URL.', extensions: { code: 'BAD_REQUEST' } }],
    })
    expect(answer.headers).toMatch(/^x-request-id: [0-9a-f-]{36}$/im)
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ status: 400, errorCodes: ['BAD_REQUEST'] }),
    ])
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })

  it('serves a Host with a port, and an HTTP/1.0 request without one', async () => {
    harness = await startHarness({ gateway: { fastLane } })
    const body = JSON.stringify({ query: '{ __typename }' })
    for (const head of ['POST /graphql HTTP/1.1\r\nhost: gateway.example:4000', 'POST /graphql HTTP/1.0']) {
      const answer = await exchangeRaw(
        `${head}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}`,
        body,
      )

      expect(answer.status).toBe(200)
      expect(JSON.parse(answer.body)).toEqual({ data: { __typename: 'Query' } })
    }
  })
})
