/**
 * A stand-in for the Seam Connect API on loopback: the `/client_sessions/get` and `/grant_access`
 * endpoints and `/health`, with Seam's credential rules, validation and error bodies
 * (`{ error: { type, message, request_id, validation_errors } }` plus a `seam-request-id` header).
 *
 * `npm run demo` serves it with a few seeded sessions; the tests use the same server, read what it
 * received from `requests`, and queue faults with `failNext`. It is written from the contract and
 * shares no code with the gateway, so a misreading of the contract in one does not hide in the other.
 */
import { randomUUID } from 'node:crypto'
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeClientSession {
  client_session_id: string
  workspace_id: string
  created_at: string
  expires_at: string
  token: string
  user_identifier_key: string | null
  device_count: number
  connected_account_ids: string[]
  connect_webview_ids: string[]
  // Optional in the contract: Seam may leave them out, or send null.
  user_identity_id?: string | null
  user_identity_ids: string[] | null
  customer_key?: string | null
}

export interface FakeSeamOptions {
  workspaceId: string
  /** API keys of the workspace (`seam_…`). */
  apiKeys?: string[]
  /** Personal access tokens (`seam_at…`); Seam wants a `seam-workspace` header with them. */
  personalAccessTokens?: string[]
  /** Console session tokens (JWTs, `ey…`); Seam wants a `seam-workspace` header with them. */
  consoleSessionTokens?: string[]
  clientSessions?: FakeClientSession[]
  /**
   * What grant_access answers: the contract's schema says `{ client_session, ok }`, its cURL sample
   * says `{}`. Both are served so the gateway can be held to either.
   */
  grantAnswer?: 'client_session' | 'empty'
}

export interface RecordedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown
  /** When it arrived, in `performance.now()` time. */
  receivedAt: number
}

/** What the next request gets instead of (or before) its normal answer. */
export interface Fault {
  /** Wait this long before answering. */
  delayMs?: number
  /** Answer with this status and body instead of the normal answer. */
  status?: number
  body?: string
  contentType?: string
  headers?: Record<string, string>
  /** Cut the connection without answering. */
  reset?: boolean
  /** Send the (normal or given) body in this many pieces, `delayMs` apart: slow, yet never idle for long. */
  trickle?: number
  /** Answer 200 with a valid JSON body of about this many bytes, sent as fast as the client reads it. */
  bodyBytes?: number
}

type Scheme = 'api_key' | 'client_session' | 'pat_with_workspace' | 'console_session_with_workspace'

class SeamFailure extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    /** zod's format, as Seam sends it: `{ _errors: [...], field: { _errors: [...] } }` */
    readonly validationErrors?: Record<string, unknown>,
  ) {
    super(message)
  }
}

const invalidInput = (field: string, message: string) =>
  new SeamFailure(400, 'invalid_input', `Invalid input: ${field} ${message}`, { [field]: { _errors: [message] } })

type BodyRule = 'string' | 'string[]' | 'one-string[]'

function validate(body: Record<string, unknown>, rules: Record<string, BodyRule>): void {
  for (const [field, value] of Object.entries(body)) {
    const rule = rules[field]
    if (rule === undefined) {
      throw new SeamFailure(400, 'invalid_input', `Unrecognized key in body: ${field}`, {
        _errors: [`Unrecognized key(s) in object: '${field}'`],
      })
    }
    if (rule === 'string' && typeof value !== 'string') throw invalidInput(field, 'must be a string')
    if (rule !== 'string') {
      if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
        throw invalidInput(field, 'must be an array of strings')
      }
      if (rule === 'one-string[]' && value.length !== 1) throw invalidInput(field, 'must contain exactly 1 element')
    }
  }
}

const grantRules: Record<string, BodyRule> = {
  client_session_id: 'string',
  user_identifier_key: 'string',
  connected_account_ids: 'string[]',
  connect_webview_ids: 'string[]',
  user_identity_id: 'string',
  user_identity_ids: 'one-string[]',
}

const getRules: Record<string, BodyRule> = { client_session_id: 'string', user_identifier_key: 'string' }

export class FakeSeam {
  readonly requests: RecordedRequest[] = []
  /** TCP connections accepted so far: with keep-alive, one client that reads its answers needs one. */
  connections = 0
  /** The most requests it was answering at one time (tests slow answers with `failNext({ delayMs })`). */
  peakInFlight = 0
  #inFlight = 0
  /** TCP connections open now. */
  liveConnections = 0
  /** Requests received and not answered yet. */
  answersInFlight = 0
  /** Answers the client walked away from before they were complete (not counting the fake's own resets). */
  abandonedAnswers = 0
  grantAnswer: 'client_session' | 'empty'
  readonly #options: FakeSeamOptions
  readonly #sessions = new Map<string, FakeClientSession>()
  readonly #faults: Fault[] = []
  #randomFaults: { rate: number; faults: Fault[]; random: () => number } | undefined
  readonly #server: Server

  constructor(options: FakeSeamOptions) {
    this.#options = options
    this.grantAnswer = options.grantAnswer ?? 'client_session'
    for (const session of options.clientSessions ?? []) this.#sessions.set(session.client_session_id, { ...session })
    this.#server = createServer((request, response) => {
      this.#inFlight += 1
      this.peakInFlight = Math.max(this.peakInFlight, this.#inFlight)
      response.on('close', () => {
        this.#inFlight -= 1
      })
      // A client that goes away mid-request must not take the fake down with an unhandled rejection.
      this.#handle(request, response).catch(() => response.destroy())
    })
    this.#server.on('connection', (socket) => {
      this.connections += 1
      this.liveConnections += 1
      socket.once('close', () => {
        this.liveConnections -= 1
      })
    })
  }

  /** Listens on loopback; answers the origin, e.g. http://127.0.0.1:43123 */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(port, host, resolve))
    const { port: actualPort } = this.#server.address() as AddressInfo
    return `http://${host}:${actualPort}`
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve())
      this.#server.closeAllConnections()
    })
  }

  /** Queues faults for the next requests, one each, in order. */
  failNext(...faults: Fault[]): void {
    this.#faults.push(...faults)
  }

  /**
   * From now on, each request without a queued fault gets one of `faults` at random with probability
   * `rate`; `rate` 0 stops it.
   */
  failRandomly(rate: number, faults: Fault[], random: () => number = Math.random): void {
    this.#randomFaults = rate > 0 ? { rate, faults, random } : undefined
  }

  #nextFault(): Fault | undefined {
    const queued = this.#faults.shift()
    if (queued !== undefined || this.#randomFaults === undefined) return queued
    const { rate, faults, random } = this.#randomFaults
    return random() < rate ? faults[Math.floor(random() * faults.length)] : undefined
  }

  clientSession(id: string): FakeClientSession | undefined {
    return this.#sessions.get(id)
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID()
    this.answersInFlight += 1
    let resetByFake = false
    response.once('close', () => {
      this.answersInFlight -= 1
      if (!response.writableFinished && !resetByFake) this.abandonedAnswers += 1
    })
    const text = await readBody(request)
    const url = new URL(request.url ?? '/', 'http://fake-seam')
    this.requests.push({
      method: request.method ?? '',
      path: url.pathname,
      headers: request.headers,
      body: parseJson(text) ?? text,
      receivedAt: performance.now(),
    })
    const fault = this.#nextFault()
    if (fault?.trickle !== undefined) {
      await trickle(response, fault.trickle, fault.delayMs ?? 0)
      return
    }
    if (fault?.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, fault.delayMs))
    if (response.destroyed) return
    if (fault?.reset === true) {
      resetByFake = true
      request.socket.destroy()
      return
    }
    if (fault?.bodyBytes !== undefined) {
      await sendLarge(response, fault.bodyBytes)
      return
    }
    if (fault?.status !== undefined) {
      response.writeHead(fault.status, { 'content-type': fault.contentType ?? 'application/json', ...fault.headers })
      response.end(fault.body ?? '')
      return
    }

    response.setHeader('seam-request-id', requestId)
    try {
      const answer = this.#route(request.method ?? '', url, request.headers, text)
      send(response, 200, { ...answer, ok: true })
    } catch (error) {
      const failure =
        error instanceof SeamFailure ? error : new SeamFailure(500, 'internal_server_error', 'Internal server error')
      send(response, failure.status, {
        error: {
          type: failure.type,
          message: failure.message,
          request_id: requestId,
          ...(failure.validationErrors !== undefined && { validation_errors: failure.validationErrors }),
        },
      })
    }
  }

  #route(method: string, url: URL, headers: IncomingHttpHeaders, text: string): Record<string, unknown> {
    switch (url.pathname) {
      case '/health':
        return { msg: "I'm one with the Force. The Force is with me." }
      case '/client_sessions/get': {
        const scheme = this.#authenticate(headers, [
          'client_session',
          'pat_with_workspace',
          'console_session_with_workspace',
          'api_key',
        ])
        const input = this.#input(method, ['GET', 'POST'], url, text)
        validate(input, getRules)
        return { client_session: this.#findSession(input, scheme, headers) }
      }
      case '/client_sessions/grant_access': {
        this.#authenticate(headers, ['api_key', 'pat_with_workspace', 'console_session_with_workspace'])
        const input = this.#input(method, ['POST', 'PATCH'], url, text)
        validate(input, grantRules)
        const session = this.#grant(input)
        return this.grantAnswer === 'client_session' ? { client_session: session } : {}
      }
      default:
        throw new SeamFailure(404, 'not_found', `No route ${url.pathname}`)
    }
  }

  #authenticate(headers: IncomingHttpHeaders, accepted: Scheme[]): Scheme {
    const token = headers.authorization?.match(/^Bearer (\S+)$/)?.[1]
    const workspace = headers['seam-workspace']
    const withWorkspace = workspace === this.#options.workspaceId
    let scheme: Scheme | undefined
    if (token === undefined) scheme = undefined
    else if (this.#options.apiKeys?.includes(token)) scheme = 'api_key'
    else if (this.#options.personalAccessTokens?.includes(token) && withWorkspace) scheme = 'pat_with_workspace'
    else if (this.#options.consoleSessionTokens?.includes(token) && withWorkspace) {
      scheme = 'console_session_with_workspace'
    } else if ([...this.#sessions.values()].some((session) => session.token === token)) scheme = 'client_session'
    if (scheme === undefined) throw new SeamFailure(401, 'unauthorized', 'Unauthorized')
    if (!accepted.includes(scheme)) throw new SeamFailure(403, 'forbidden', 'This credential cannot use this endpoint')
    return scheme
  }

  #input(method: string, methods: string[], url: URL, text: string): Record<string, unknown> {
    if (!methods.includes(method)) throw new SeamFailure(405, 'method_not_allowed', `Use ${methods.join(' or ')}`)
    if (method === 'GET') return Object.fromEntries(url.searchParams)
    const body = parseJson(text)
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new SeamFailure(400, 'invalid_input', 'The body must be a JSON object')
    }
    return body as Record<string, unknown>
  }

  #lookup(input: Record<string, unknown>): FakeClientSession {
    const { client_session_id: id, user_identifier_key: key } = input
    const session =
      typeof id === 'string'
        ? this.#sessions.get(id)
        : [...this.#sessions.values()].find((candidate) => candidate.user_identifier_key === key)
    if (session === undefined) throw new SeamFailure(404, 'client_session_not_found', 'Client session not found')
    return session
  }

  #findSession(input: Record<string, unknown>, scheme: Scheme, headers: IncomingHttpHeaders): FakeClientSession {
    if (scheme === 'client_session') {
      // A client session token reads only its own session.
      const own = [...this.#sessions.values()].find((session) => headers.authorization === `Bearer ${session.token}`)
      if (own === undefined || (input['client_session_id'] ?? own.client_session_id) !== own.client_session_id) {
        throw new SeamFailure(404, 'client_session_not_found', 'Client session not found')
      }
      return own
    }
    if (input['client_session_id'] === undefined && input['user_identifier_key'] === undefined) {
      throw invalidInput('client_session_id', 'or user_identifier_key is required')
    }
    return this.#lookup(input)
  }

  #grant(input: Record<string, unknown>): FakeClientSession {
    if (input['client_session_id'] === undefined && input['user_identifier_key'] === undefined) {
      throw invalidInput('client_session_id', 'or user_identifier_key is required')
    }
    const session = this.#lookup(input)
    const union = (current: string[], added: unknown) => [...new Set([...current, ...((added as string[]) ?? [])])]
    session.connected_account_ids = union(session.connected_account_ids, input['connected_account_ids'])
    session.connect_webview_ids = union(session.connect_webview_ids, input['connect_webview_ids'])
    const identityIds = input['user_identity_ids'] as string[] | undefined
    const identityId = (input['user_identity_id'] as string | undefined) ?? identityIds?.[0]
    if (identityId !== undefined) {
      session.user_identity_id = identityId
      session.user_identity_ids = [identityId]
    }
    if (typeof input['user_identifier_key'] === 'string') session.user_identifier_key = input['user_identifier_key']
    return session
  }
}

async function trickle(response: ServerResponse, pieces: number, intervalMs: number): Promise<void> {
  response.writeHead(200, { 'content-type': 'application/json' })
  response.write('{"ok":true')
  for (let piece = 0; piece < pieces; piece += 1) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
    if (response.destroyed) return
    response.write(' ')
  }
  response.end('}')
}

/** A valid JSON object of about `bytes` bytes, written in 64 KiB pieces as the client takes them. */
async function sendLarge(response: ServerResponse, bytes: number): Promise<void> {
  const piece = '"' + 'x'.repeat(64 * 1024 - 3) + '",'
  response.writeHead(200, { 'content-type': 'application/json' })
  response.write('{"ok":true,"padding":[')
  for (let sent = 0; sent < bytes; sent += piece.length) {
    if (response.destroyed) return
    if (!response.write(piece)) {
      await new Promise((resolve) => {
        response.once('drain', resolve)
        response.once('close', resolve)
      })
    }
  }
  if (!response.destroyed) response.end('""]}')
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
  response.end(JSON.stringify(body))
}
