/**
 * Every upstream fault the gateway must turn into a clean error, with what a read and a mutation each
 * make of it. Shared by the fault suite (codes and upstream call counts) and the leak check (nothing of
 * the fault reaches a response or a log line).
 */
import type { Fault } from '../../src/fake-seam/fake-seam.js'
import type { GatewayOptions } from '../../src/gateway.js'
import type { ErrorCode } from '../../src/seam/errors.js'
import { clientSession } from './harness.js'

/** Small limits, so that faults past them are quick to produce. */
export const faultSuiteGateway = {
  upstreamTimeoutMs: 300,
  upstreamMaxResponseBytes: 16 * 1024,
  upstreamRetryDelayMs: 1,
  upstreamRetryMaxDelayMs: 1_500,
} satisfies Partial<GatewayOptions>

/** Things an upstream answer carries that must never reach a client or a log. */
export const secrets = {
  html: '<html><body><h1>Bad Gateway</h1><p>SECRET_HTML_MARKER</p></body></html>',
  jsonWithInternals: JSON.stringify({
    error: { type: 'internal_server_error', message: 'Something broke', request_id: 'req-body-1' },
    stack: 'Error: boom\n    at handler (/srv/seam/SECRET_STACK_MARKER.js:10:5)',
    internal_url: 'http://db.internal.example/SECRET_URL_MARKER',
  }),
}

export const readDocument = 'query Session { clientSession(userIdentifierKey: "user_42") { clientSessionId } }'
export const mutationDocument = `mutation Grant {
  grantClientSessionAccess(input: { clientSessionId: "${clientSession().client_session_id}" }) {
    clientSession { clientSessionId }
  }
}`

export const listDocument = 'query Sessions { clientSessions { clientSessionId token } }'
export const createDocument = `mutation Create {
  createClientSession(input: { userIdentifierKey: "user_new" }) { clientSession { clientSessionId token } }
}`
/** As a federation gateway fetches a session from this subgraph. */
export const entitiesDocument = `query Entities {
  _entities(representations: [{ __typename: "ClientSession", userIdentifierKey: "user_42" }]) {
    ... on ClientSession { clientSessionId token }
  }
}`

/** Each with the path of the field a fault fails. Reads are retried, mutations never. */
export const operations = [
  { kind: 'read', name: 'clientSession', path: ['clientSession'], document: readDocument },
  { kind: 'read', name: 'clientSessions', path: ['clientSessions'], document: listDocument },
  { kind: 'read', name: '_entities', path: ['_entities', 0], document: entitiesDocument },
  {
    kind: 'mutation',
    name: 'grantClientSessionAccess',
    path: ['grantClientSessionAccess'],
    document: mutationDocument,
  },
  { kind: 'mutation', name: 'createClientSession', path: ['createClientSession'], document: createDocument },
] as const

export interface FaultCase {
  name: string
  /** What the fake answers to each attempt. */
  fault: Fault
  code: ErrorCode
  /** Whether a read sends the request again (three times in all): a mutation never does. */
  retriedRead: boolean
}

const html = (status: number): Fault => ({ status, contentType: 'text/html', body: secrets.html })
const seamError = (status: number, type: string, message: string): Fault => ({
  status,
  body: JSON.stringify({ error: { type, message } }),
})

export const faultCases: FaultCase[] = [
  { name: 'a slow answer past the deadline', fault: { delayMs: 3_000 }, code: 'GATEWAY_TIMEOUT', retriedRead: false },
  {
    name: 'an answer that trickles past the deadline',
    fault: { trickle: 30, delayMs: 50 },
    code: 'GATEWAY_TIMEOUT',
    retriedRead: false,
  },
  { name: 'a connection reset', fault: { reset: true }, code: 'UPSTREAM_UNAVAILABLE', retriedRead: true },
  { name: '500 with an HTML page', fault: html(500), code: 'UPSTREAM_ERROR', retriedRead: false },
  { name: '502 with an HTML page', fault: html(502), code: 'UPSTREAM_ERROR', retriedRead: true },
  { name: '503 with an HTML page', fault: html(503), code: 'UPSTREAM_ERROR', retriedRead: true },
  { name: '504 with an HTML page', fault: html(504), code: 'UPSTREAM_ERROR', retriedRead: true },
  {
    name: '200 with invalid JSON',
    fault: { status: 200, body: '{"client_session": {"token": "SECRET_PARTIAL' },
    code: 'UPSTREAM_ERROR',
    retriedRead: false,
  },
  {
    name: '500 with a Seam error body, a stack and an internal URL',
    fault: { status: 500, body: secrets.jsonWithInternals },
    code: 'UPSTREAM_ERROR',
    retriedRead: false,
  },
  { name: 'a body over the maximum', fault: { bodyBytes: 1024 * 1024 }, code: 'UPSTREAM_ERROR', retriedRead: false },
  {
    name: '429 with a Retry-After beyond the cap',
    fault: { ...seamError(429, 'rate_limited', 'Slow down'), headers: { 'retry-after': '30' } },
    code: 'RATE_LIMITED',
    retriedRead: false,
  },
  {
    name: '429 without Retry-After',
    fault: seamError(429, 'rate_limited', 'Slow down'),
    code: 'RATE_LIMITED',
    retriedRead: true,
  },
  { name: '401', fault: seamError(401, 'unauthorized', 'Unauthorized'), code: 'UNAUTHENTICATED', retriedRead: false },
  { name: '403', fault: seamError(403, 'forbidden', 'Forbidden'), code: 'FORBIDDEN', retriedRead: false },
  {
    name: '400 with validation errors',
    fault: {
      status: 400,
      body: JSON.stringify({
        error: {
          type: 'invalid_input',
          message: 'Invalid input',
          validation_errors: { client_session_id: { _errors: ['Invalid uuid'] } },
        },
      }),
    },
    code: 'BAD_USER_INPUT',
    retriedRead: false,
  },
]

/** How many requests the fake sees for a fault case. */
export const attemptsFor = (faultCase: FaultCase, kind: 'read' | 'mutation') =>
  kind === 'read' && faultCase.retriedRead ? 3 : 1
