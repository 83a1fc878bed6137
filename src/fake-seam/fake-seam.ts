/**
 * A stand-in for the Seam Connect API on loopback: the seven `/client_sessions/*` endpoints and
 * `/health`, with Seam's credential rules, validation and error bodies
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
  // Optional in the contract, and not nullable: the fake's own sessions leave them out. A test may seed
  // null here (and in user_identity_ids) to hold the gateway to a Seam that strays from its contract.
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
  /** Publishable keys (`seam_pk…`), sent in a `seam-publishable-key` header; create and get_or_create take them. */
  publishableKeys?: string[]
  clientSessions?: FakeClientSession[]
  /**
   * What grant_access answers: the contract's schema says `{ client_session, ok }`, its cURL sample
   * says `{}`. Both are served so the gateway can be held to either.
   */
  grantAnswer?: 'client_session' | 'empty'
  /**
   * How many requests `requests` keeps, the latest ones; by default every one. A long-running demo
   * bounds it, tests keep them all to assert on.
   */
  maxRecordedRequests?: number
  /**
   * Whether `requests` keeps the headers that carry a credential (see `credentialHeaders`); by default
   * it does, for tests that assert what the gateway forwarded. The demo keeps none.
   */
  recordCredentials?: boolean
}

/**
 * The request headers that authenticate, as Seam's SDK sends them: the bearer token, the client session
 * token it repeats beside it, the publishable key, and what a browser or proxy might add. Not
 * `seam-workspace`: a workspace ID names a workspace, it grants nothing without a token.
 */
const credentialHeaders = [
  'authorization',
  'client-session-token',
  'seam-publishable-key',
  'cookie',
  'proxy-authorization',
]

const withoutCredentials = (headers: IncomingHttpHeaders): IncomingHttpHeaders =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !credentialHeaders.includes(name)))

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
  /**
   * Send an informational answer, 103 Early Hints with these headers (`link` among them: Node sends none
   * without), before the answer: a CDN in front of an API may.
   */
  earlyHints?: Record<string, string>
  /** Cut the connection without answering. */
  reset?: boolean
  /** Never answer: the request waits until its client gives up or the fake closes. */
  hang?: boolean
  /** Send the (normal or given) body in this many pieces, `delayMs` apart: slow, yet never idle for long. */
  trickle?: number
  /**
   * Answer 200 with a valid JSON body of about this many bytes, sent as fast as the client reads it (with
   * `headers`, when given).
   */
  bodyBytes?: number
}

type Scheme = 'api_key' | 'client_session' | 'pat_with_workspace' | 'console_session_with_workspace' | 'publishable_key'

/** The credentials each endpoint's contract lists (`security`). */
const workspaceSchemes: Scheme[] = ['api_key', 'pat_with_workspace', 'console_session_with_workspace']
const creationSchemes: Scheme[] = ['publishable_key', ...workspaceSchemes]

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

/** What a request body field must hold, as the contract's type, format and length constraints have it. */
type BodyRule =
  'string' | 'non-empty string' | 'uuid' | 'boolean' | 'date-time' | 'string[]' | 'one-string[]' | 'one-uuid[]'

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const isDateTime = (value: string) =>
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/.test(value) &&
  !Number.isNaN(Date.parse(value))

function checkString(field: string, value: unknown, rule: BodyRule): void {
  if (typeof value !== 'string') throw invalidInput(field, 'must be a string')
  if (rule === 'non-empty string' && value.length === 0) throw invalidInput(field, 'must contain at least 1 character')
  if (rule === 'uuid' && !uuidPattern.test(value)) throw invalidInput(field, 'must be a UUID')
  if (rule === 'date-time' && !isDateTime(value)) throw invalidInput(field, 'must be an ISO 8601 date-time')
}

function validate(body: Record<string, unknown>, rules: Record<string, BodyRule>, required: string[] = []): void {
  for (const field of required) {
    if (body[field] === undefined) throw invalidInput(field, 'is required')
  }
  for (const [field, value] of Object.entries(body)) {
    const rule = rules[field]
    if (rule === undefined) {
      throw new SeamFailure(400, 'invalid_input', `Unrecognized key in body: ${field}`, {
        _errors: [`Unrecognized key(s) in object: '${field}'`],
      })
    }
    if (rule === 'boolean') {
      if (typeof value !== 'boolean') throw invalidInput(field, 'must be a boolean')
    } else if (rule.endsWith('[]')) {
      if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
        throw invalidInput(field, 'must be an array of strings')
      }
      if (rule !== 'string[]' && value.length !== 1) throw invalidInput(field, 'must contain exactly 1 element')
      if (rule === 'one-uuid[]' && !value.every((item) => uuidPattern.test(item))) {
        throw invalidInput(field, 'must hold UUIDs')
      }
    } else {
      checkString(field, value, rule)
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

const getRules: Record<string, BodyRule> = { client_session_id: 'uuid', user_identifier_key: 'string' }

const listRules: Record<string, BodyRule> = {
  client_session_id: 'string',
  connect_webview_id: 'string',
  user_identifier_key: 'string',
  user_identity_id: 'string',
  without_user_identifier_key: 'boolean',
}

const getOrCreateRules: Record<string, BodyRule> = {
  connect_webview_ids: 'string[]',
  connected_account_ids: 'string[]',
  expires_at: 'date-time',
  user_identifier_key: 'non-empty string',
  user_identity_id: 'uuid',
  user_identity_ids: 'one-uuid[]',
}

const createRules: Record<string, BodyRule> = {
  ...getOrCreateRules,
  customer_id: 'string',
  customer_key: 'non-empty string',
}

const byIdRules: Record<string, BodyRule> = { client_session_id: 'uuid' }

/** How long a new session lives when the request names no `expires_at`. */
const defaultLifetimeMs = 24 * 60 * 60 * 1000

/** A UUID made from a number, so seeded sessions have IDs a test or a benchmark can name again. */
const seededId = (index: number) => `5eed0000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`

const union = (current: string[], added: unknown) => [...new Set([...current, ...((added as string[]) ?? [])])]

export class FakeSeam {
  /** What it received, oldest first: every request, or the latest `maxRecordedRequests`. */
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
  readonly #maxRecordedRequests: number
  readonly #sessions = new Map<string, FakeClientSession>()
  readonly #revoked = new Set<string>()
  #seeded = 0
  readonly #faults: Fault[] = []
  #randomFaults: { rate: number; faults: Fault[]; random: () => number } | undefined
  readonly #server: Server

  constructor(options: FakeSeamOptions) {
    this.#options = options
    const maxRecorded = options.maxRecordedRequests ?? Infinity
    if (!(maxRecorded >= 0 && (Number.isInteger(maxRecorded) || maxRecorded === Infinity))) {
      throw new RangeError('maxRecordedRequests must be a whole number, 0 or more')
    }
    this.#maxRecordedRequests = maxRecorded
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

  /** Whether the session was revoked: its token no longer authenticates. */
  isRevoked(id: string): boolean {
    return this.#revoked.has(id)
  }

  /**
   * Adds `count` sessions to the workspace, with IDs, tokens and user identifier keys numbered from
   * the sessions seeded so far (`seeded_user_0`, …), and answers them. `overrides` adjusts each one.
   */
  seedClientSessions(
    count: number,
    overrides: (index: number) => Partial<FakeClientSession> = () => ({}),
  ): FakeClientSession[] {
    const seeded: FakeClientSession[] = []
    for (let offset = 0; offset < count; offset += 1) {
      const index = this.#seeded++
      const session: FakeClientSession = {
        client_session_id: seededId(index),
        workspace_id: this.#options.workspaceId,
        created_at: new Date(Date.UTC(2026, 0, 1) + index * 1000).toISOString(),
        expires_at: new Date(Date.UTC(2027, 0, 1)).toISOString(),
        token: `seam_cst1_seeded${index}`,
        user_identifier_key: `seeded_user_${index}`,
        device_count: index % 5,
        connected_account_ids: [],
        connect_webview_ids: [],
        user_identity_ids: [],
        ...overrides(index),
      }
      this.#sessions.set(session.client_session_id, session)
      seeded.push(session)
    }
    return seeded
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
    this.#record({
      method: request.method ?? '',
      path: url.pathname,
      headers: this.#options.recordCredentials === false ? withoutCredentials(request.headers) : request.headers,
      body: parseJson(text) ?? text,
      receivedAt: performance.now(),
    })
    const fault = this.#nextFault()
    if (fault?.earlyHints !== undefined) response.writeEarlyHints(fault.earlyHints)
    if (fault?.hang === true) return
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
      await sendLarge(response, fault.bodyBytes, fault.headers)
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

  #record(request: RecordedRequest): void {
    this.requests.push(request)
    const excess = this.requests.length - this.#maxRecordedRequests
    if (excess > 0) this.requests.splice(0, excess)
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
        this.#authenticate(headers, workspaceSchemes)
        const input = this.#input(method, ['POST', 'PATCH'], url, text)
        validate(input, grantRules)
        const session = this.#grant(input)
        return this.grantAnswer === 'client_session' ? { client_session: session } : {}
      }
      case '/client_sessions/list': {
        this.#authenticate(headers, workspaceSchemes)
        const input = this.#input(method, ['GET', 'POST'], url, text)
        validate(input, listRules)
        return { client_sessions: this.#list(input) }
      }
      case '/client_sessions/create': {
        const scheme = this.#authenticate(headers, creationSchemes)
        const input = this.#input(method, ['POST', 'PUT'], url, text)
        validate(input, createRules)
        return { client_session: this.#create(input, scheme, method) }
      }
      case '/client_sessions/get_or_create': {
        const scheme = this.#authenticate(headers, creationSchemes)
        const input = this.#input(method, ['POST'], url, text)
        validate(input, getOrCreateRules)
        return { client_session: this.#getOrCreate(input, scheme) }
      }
      case '/client_sessions/revoke': {
        this.#authenticate(headers, workspaceSchemes)
        const input = this.#input(method, ['POST'], url, text)
        validate(input, byIdRules, ['client_session_id'])
        this.#revoked.add(this.#lookup(input).client_session_id)
        return {}
      }
      case '/client_sessions/delete': {
        this.#authenticate(headers, workspaceSchemes)
        const input = this.#input(method, ['POST', 'DELETE'], url, text)
        validate(input, byIdRules, ['client_session_id'])
        this.#sessions.delete(this.#lookup(input).client_session_id)
        return {}
      }
      default:
        throw new SeamFailure(404, 'not_found', `No route ${url.pathname}`)
    }
  }

  #authenticate(headers: IncomingHttpHeaders, accepted: Scheme[]): Scheme {
    const token = headers.authorization?.match(/^Bearer (\S+)$/)?.[1]
    const publishableKey = headers['seam-publishable-key']
    const workspace = headers['seam-workspace']
    const withWorkspace = workspace === this.#options.workspaceId
    let scheme: Scheme | undefined
    if (token === undefined) {
      scheme =
        typeof publishableKey === 'string' && this.#options.publishableKeys?.includes(publishableKey)
          ? 'publishable_key'
          : undefined
    } else if (this.#options.apiKeys?.includes(token)) scheme = 'api_key'
    else if (this.#options.personalAccessTokens?.includes(token) && withWorkspace) scheme = 'pat_with_workspace'
    else if (this.#options.consoleSessionTokens?.includes(token) && withWorkspace) {
      scheme = 'console_session_with_workspace'
    } else if (this.#sessionWithToken(token) !== undefined) scheme = 'client_session'
    if (scheme === undefined) throw new SeamFailure(401, 'unauthorized', 'Unauthorized')
    if (!accepted.includes(scheme)) throw new SeamFailure(403, 'forbidden', 'This credential cannot use this endpoint')
    return scheme
  }

  #input(method: string, methods: string[], url: URL, text: string): Record<string, unknown> {
    if (!methods.includes(method)) throw new SeamFailure(405, 'method_not_allowed', `Use ${methods.join(' or ')}`)
    // The contract's GET and DELETE take their fields as query parameters, every other method a JSON body.
    if (method === 'GET' || method === 'DELETE') return Object.fromEntries(url.searchParams)
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
      const own = this.#sessionWithToken(headers.authorization?.slice('Bearer '.length) ?? '')
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

  /** The live session a client session token belongs to; a revoked session's token is dead. */
  #sessionWithToken(token: string): FakeClientSession | undefined {
    for (const session of this.#sessions.values()) {
      if (session.token === token) return this.#revoked.has(session.client_session_id) ? undefined : session
    }
    return undefined
  }

  /** The sessions that match every filter given. */
  #list(input: Record<string, unknown>): FakeClientSession[] {
    const { client_session_id, user_identifier_key, connect_webview_id, user_identity_id } = input
    return [...this.#sessions.values()].filter(
      (session) =>
        (client_session_id === undefined || session.client_session_id === client_session_id) &&
        (user_identifier_key === undefined || session.user_identifier_key === user_identifier_key) &&
        (connect_webview_id === undefined || session.connect_webview_ids.includes(connect_webview_id as string)) &&
        (user_identity_id === undefined ||
          session.user_identity_id === user_identity_id ||
          (session.user_identity_ids ?? []).includes(user_identity_id as string)) &&
        (input['without_user_identifier_key'] !== true || session.user_identifier_key === null),
    )
  }

  #sessionWithKey(key: unknown): FakeClientSession | undefined {
    if (key === undefined) return undefined
    return [...this.#sessions.values()].find((session) => session.user_identifier_key === key)
  }

  /**
   * A new session. As Seam's own fake does: a publishable key must name the user, and a POST for a user
   * who has a session already is refused (a PUT answers that session).
   */
  #create(input: Record<string, unknown>, scheme: Scheme, method: string): FakeClientSession {
    if (scheme === 'publishable_key' && input['user_identifier_key'] === undefined) {
      throw new SeamFailure(400, 'missing_user_identifier_key', 'A publishable key needs a user_identifier_key')
    }
    const existing = this.#sessionWithKey(input['user_identifier_key'])
    if (existing !== undefined) {
      if (method === 'PUT') return existing
      throw new SeamFailure(
        400,
        'client_session_token_already_exists',
        'A client session already exists for this user_identifier_key; use /client_sessions/get_or_create',
      )
    }
    const identityId =
      (input['user_identity_id'] as string | undefined) ?? (input['user_identity_ids'] as string[] | undefined)?.[0]
    const id = randomUUID()
    const session: FakeClientSession = {
      client_session_id: id,
      workspace_id: this.#options.workspaceId,
      created_at: new Date().toISOString(),
      expires_at: new Date((input['expires_at'] as string | undefined) ?? Date.now() + defaultLifetimeMs).toISOString(),
      token: `seam_cst1_${id.replaceAll('-', '')}`,
      user_identifier_key: (input['user_identifier_key'] as string | undefined) ?? null,
      device_count: 0,
      connected_account_ids: union([], input['connected_account_ids']),
      connect_webview_ids: union([], input['connect_webview_ids']),
      user_identity_ids: identityId === undefined ? [] : [identityId],
      // Optional in the contract, and never null: left out when there is none.
      ...(identityId !== undefined && { user_identity_id: identityId }),
      ...(typeof input['customer_key'] === 'string' && { customer_key: input['customer_key'] }),
    }
    this.#sessions.set(id, session)
    return session
  }

  /**
   * The session of the user (by `user_identifier_key`, else `user_identity_id`), with the given access
   * added and the expiry moved, or a new one with these characteristics.
   */
  #getOrCreate(input: Record<string, unknown>, scheme: Scheme): FakeClientSession {
    const identityId =
      (input['user_identity_id'] as string | undefined) ?? (input['user_identity_ids'] as string[] | undefined)?.[0]
    if (input['user_identifier_key'] === undefined && identityId === undefined) {
      throw invalidInput('user_identifier_key', 'or user_identity_id is required')
    }
    const existing =
      this.#sessionWithKey(input['user_identifier_key']) ??
      (input['user_identifier_key'] === undefined
        ? [...this.#sessions.values()].find((session) => session.user_identity_id === identityId)
        : undefined)
    if (existing === undefined) return this.#create(input, scheme, 'POST')
    existing.connected_account_ids = union(existing.connected_account_ids, input['connected_account_ids'])
    existing.connect_webview_ids = union(existing.connect_webview_ids, input['connect_webview_ids'])
    if (typeof input['expires_at'] === 'string') existing.expires_at = new Date(input['expires_at']).toISOString()
    return existing
  }

  #grant(input: Record<string, unknown>): FakeClientSession {
    if (input['client_session_id'] === undefined && input['user_identifier_key'] === undefined) {
      throw invalidInput('client_session_id', 'or user_identifier_key is required')
    }
    const session = this.#lookup(input)
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
async function sendLarge(response: ServerResponse, bytes: number, headers?: Record<string, string>): Promise<void> {
  const piece = '"' + 'x'.repeat(64 * 1024 - 3) + '",'
  response.writeHead(200, { 'content-type': 'application/json', ...headers })
  response.write('{"ok":true,"padding":[')
  for (let sent = 0; sent < bytes; sent += piece.length) {
    if (response.destroyed) return
    if (!response.write(piece)) {
      // Each wait takes both its listeners away again: a long answer waits many times.
      await new Promise<void>((resolve) => {
        const resume = () => {
          response.off('drain', resume)
          response.off('close', resume)
          resolve()
        }
        response.once('drain', resume)
        response.once('close', resume)
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
