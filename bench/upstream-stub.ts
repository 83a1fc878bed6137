/**
 * The benchmark's upstream: a stand-in for the Seam API that answers as fast as Node can, so the
 * benchmark measures the gateway and not the upstream. Answers follow the contract's shapes for the
 * endpoints the scenarios call; bodies are serialised once at start-up, and only the fields a caller
 * names (the session ID of a `/client_sessions/get`) are spliced in per request.
 *
 * Not the FakeSeam of the tests: that one validates, records and injects faults, which costs time on
 * every request. This one checks only that a credential came along.
 *
 * Run as its own process; prints `{"port":…}` once it listens. `POST /_bench/list_size {"size":N}` sets
 * how many sessions `/client_sessions/list` answers with (a control call of the benchmark, not Seam's).
 * `POST /v1/traces` answers 200, as an OpenTelemetry collector does, for the gateway with tracing on.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

const workspaceId = '5d7c1b8e-2f4a-4c6d-9e0f-1a2b3c4d5e6f'

/** A `client_session` as the contract describes it, every field filled. */
function clientSession(index: number, clientSessionId = `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`) {
  return {
    client_session_id: clientSessionId,
    workspace_id: workspaceId,
    created_at: '2026-11-01T09:30:00.000Z',
    expires_at: '2027-11-01T09:30:00.000Z',
    token: `seam_cst1_benchToken${index}`,
    user_identifier_key: `bench_user_${index}`,
    device_count: 2,
    connected_account_ids: ['c35ecf64-474a-466a-95a6-7b35cb4c8bb4'],
    connect_webview_ids: ['dad03fb2-f801-449c-ab88-0529728c7c38'],
    user_identity_id: 'bde98963-3615-4e92-943e-17de3017232b',
    user_identity_ids: ['bde98963-3615-4e92-943e-17de3017232b'],
    customer_key: 'customer_bench',
  }
}

const grantAnswer = JSON.stringify({ client_session: clientSession(0), ok: true })

// `/client_sessions/get` answers with the session the caller asked for: a federated `_entities` resolver
// may match answers to keys by ID. The answer is split around the ID so that splicing it in is cheap.
const idMarker = '__CLIENT_SESSION_ID__'
const [getAnswerHead, getAnswerTail] = JSON.stringify({ client_session: clientSession(0, idMarker), ok: true }).split(
  JSON.stringify(idMarker),
) as [string, string]

const listAnswers = new Map<number, string>()
function listAnswer(size: number): string {
  let answer = listAnswers.get(size)
  if (answer === undefined) {
    answer = JSON.stringify({
      client_sessions: Array.from({ length: size }, (_, index) => clientSession(index)),
      ok: true,
    })
    listAnswers.set(size, answer)
  }
  return answer
}
let listSize = 10

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => (body += chunk))
    request.on('end', () => resolve(body))
    request.on('error', reject)
  })
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

function send(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'seam-request-id': 'bench-request',
  })
  response.end(body)
}

const unauthorized = JSON.stringify({ error: { type: 'unauthorized', message: 'Unauthorized' } })
const notFound = JSON.stringify({ error: { type: 'not_found', message: 'Not found' } })
const badRequest = JSON.stringify({ error: { type: 'invalid_input', message: 'size must be a whole number' } })

async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readBody(request)
  if (request.url === '/_bench/list_size') {
    const size = parseObject(body)['size']
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) return send(response, 400, badRequest)
    listSize = size
    listAnswer(size)
    return send(response, 200, JSON.stringify({ ok: true }))
  }
  if (request.method !== 'POST') return send(response, 404, notFound)
  // An OTLP/HTTP collector's answer, for the gateway with tracing on: spans are accepted and dropped. An
  // empty ExportTraceServiceResponse, the same in both encodings: no bytes of protobuf, `{}` of JSON.
  if (request.url === '/v1/traces') {
    const protobuf = request.headers['content-type'] === 'application/x-protobuf'
    response.writeHead(200, { 'content-type': protobuf ? 'application/x-protobuf' : 'application/json' })
    return void response.end(protobuf ? '' : '{}')
  }
  if (request.headers.authorization === undefined) return send(response, 401, unauthorized)
  switch (request.url) {
    case '/client_sessions/grant_access':
      return send(response, 200, grantAnswer)
    case '/client_sessions/get': {
      const id = parseObject(body)['client_session_id']
      return send(response, 200, getAnswerHead + JSON.stringify(typeof id === 'string' ? id : 'bench') + getAnswerTail)
    }
    case '/client_sessions/list':
      return send(response, 200, listAnswer(listSize))
    default:
      return send(response, 404, notFound)
  }
}

const server = createServer((request, response) => {
  answer(request, response).catch(() => response.destroy())
})
server.keepAliveTimeout = 60_000
server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }))
})
process.once('SIGTERM', () => process.exit(0))
