/**
 * The baseline: what Node can do with no GraphQL at all. A `node:http` server that forwards each request
 * body to the same path upstream on one keep-alive undici Pool (as the gateway's client does) and
 * returns the answer. The gateway's throughput is reported as a share of this one's.
 *
 * `?fanout=N` makes it send the body N times at once and answer with the N bodies as a JSON array: the
 * ceiling for a GraphQL request that needs N upstream calls (`_entities` with N keys).
 *
 * Run as its own process with UPSTREAM set to the upstream's origin; prints `{"port":…}` once it listens.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { Pool } from 'undici'

const upstream = process.env['UPSTREAM']
if (upstream === undefined) throw new Error('UPSTREAM is not set')
const pool = new Pool(upstream, { keepAliveTimeout: 30_000 })

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks)))
    request.on('error', reject)
  })
}

async function forward(path: string, body: Buffer, authorization: string | undefined) {
  const answer = await pool.request({
    method: 'POST',
    path,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(authorization !== undefined && { authorization }),
    },
    body,
  })
  return { status: answer.statusCode, text: await answer.body.text() }
}

async function proxy(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost')
  const fanout = Number(url.searchParams.get('fanout') ?? '1')
  const body = await readBody(request)
  const answers = await Promise.all(
    Array.from({ length: fanout }, () => forward(url.pathname, body, request.headers.authorization)),
  )
  const text = fanout === 1 ? answers[0]!.text : `[${answers.map((answer) => answer.text).join(',')}]`
  response.writeHead(answers[0]!.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  })
  response.end(text)
}

const server = createServer((request, response) => {
  proxy(request, response).catch(() => {
    response.writeHead(502).end()
  })
})
server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }))
})
process.once('SIGTERM', () => process.exit(0))
