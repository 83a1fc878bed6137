import { createServer } from 'node:net'

import { afterEach, describe, expect, it } from 'vitest'

import type { Fault } from '../src/fake-seam/fake-seam.js'
import { type SeamCaller, SeamClient, type UpstreamCall } from '../src/seam/client.js'
import { grantClientSessionAccess } from '../src/seam/client-sessions.js'
import { credentialFromToken } from '../src/seam/credentials.js'
import { SeamUnavailableError } from '../src/seam/errors.js'
import {
  apiKey,
  clientSession,
  codesOf,
  type GraphQLAnswer,
  type Harness,
  startHarness,
  withApiKey,
} from './support/harness.js'

const grant = `mutation { grantClientSessionAccess(input: { clientSessionId: "${clientSession().client_session_id}" }) {
  clientSession { clientSessionId token } } }`
const read = '{ clientSession(userIdentifierKey: "user_42") { clientSessionId token } }'

/** Things an upstream error carries that must never reach a client. */
const secrets = {
  html: '<html><body><h1>502 Bad Gateway</h1><p>SECRET_HTML_MARKER</p></body></html>',
  jsonWithInternals: JSON.stringify({
    error: { type: 'internal_server_error', message: 'Something broke', request_id: 'req-body-1' },
    stack: 'Error: boom\n    at handler (/srv/seam/SECRET_STACK_MARKER.js:10:5)',
    internal_url: 'http://db.internal.example/SECRET_URL_MARKER',
  }),
}

let harness: Harness
afterEach(() => harness.close())

function expectNothingLeaked(answer: GraphQLAnswer) {
  for (const text of [answer.text, harness.logs.join('\n')]) {
    expect(text).not.toContain(apiKey)
    expect(text).not.toContain(clientSession().token)
    expect(text).not.toContain('SECRET_')
    expect(text).not.toContain('<html')
  }
  expect(answer.text).not.toContain(new URL(harness.seamEndpoint).host)
  expect(answer.text).not.toContain('/srv/')
  expect(answer.text).not.toMatch(/\bat \S+:\d+:\d+/)
}

const sessionId = clientSession().client_session_id
const operations = [
  { name: 'grantClientSessionAccess', document: grant, dataOnError: null, retried: false },
  { name: 'clientSession', document: read, dataOnError: { clientSession: null }, retried: true },
  {
    name: 'clientSessions',
    document: '{ clientSessions { clientSessionId token } }',
    dataOnError: null,
    retried: true,
  },
  {
    name: 'createClientSession',
    document: 'mutation { createClientSession(input: { userIdentifierKey: "new" }) { clientSession { token } } }',
    dataOnError: null,
    retried: false,
  },
  {
    name: 'getOrCreateClientSession',
    document: 'mutation { getOrCreateClientSession(input: { userIdentifierKey: "new" }) { clientSession { token } } }',
    dataOnError: null,
    retried: false,
  },
  {
    name: 'revokeClientSession',
    document: `mutation { revokeClientSession(input: { clientSessionId: "${sessionId}" }) { clientSessionId } }`,
    dataOnError: null,
    retried: false,
  },
  {
    name: 'deleteClientSession',
    document: `mutation { deleteClientSession(input: { clientSessionId: "${sessionId}" }) { clientSessionId } }`,
    dataOnError: null,
    retried: false,
  },
]

/** A read meets a 502 or 503 three times (the first attempt and two retries) before it gives up. */
const attemptsFor = (retried: boolean, fault: Fault) =>
  retried && (fault.status === 502 || fault.status === 503) ? 3 : 1

describe.each(operations)('upstream answers that are errors, for $name', ({ name, document, dataOnError, retried }) => {
  it.each<[string, Fault, string, object]>([
    [
      '400 with validation errors',
      {
        status: 400,
        body: JSON.stringify({
          error: {
            type: 'invalid_input',
            message: 'Invalid input',
            request_id: 'req-400',
            validation_errors: {
              _errors: ['Body is odd'],
              user_identity_id: { _errors: ['Must be a UUID'] },
              connected_account_ids: { _errors: [], 1: { _errors: ['Expected string'] } },
            },
          },
        }),
      },
      'BAD_USER_INPUT',
      {
        message: 'Invalid input',
        extensions: {
          seam: {
            status: 400,
            type: 'invalid_input',
            requestId: 'req-400',
            validationErrors: [
              { field: null, messages: ['Body is odd'] },
              { field: 'userIdentityId', messages: ['Must be a UUID'] },
              { field: 'connectedAccountIds.1', messages: ['Expected string'] },
            ],
          },
        },
      },
    ],
    [
      '422',
      { status: 422, body: JSON.stringify({ error: { type: 'invalid_input', message: 'Unprocessable' } }) },
      'BAD_USER_INPUT',
      { message: 'Unprocessable', extensions: { seam: { status: 422, type: 'invalid_input' } } },
    ],
    [
      '409 with a Seam error type that says the resource already exists',
      {
        status: 409,
        body: JSON.stringify({ error: { type: 'client_session_already_exists', message: 'Already there' } }),
      },
      'ALREADY_EXISTS',
      { message: 'Already there', extensions: { seam: { status: 409, type: 'client_session_already_exists' } } },
    ],
    [
      '401',
      { status: 401, body: JSON.stringify({ error: { type: 'unauthorized', message: 'Unauthorized' } }) },
      'UNAUTHENTICATED',
      { extensions: { seam: { status: 401, type: 'unauthorized' } } },
    ],
    [
      '403',
      { status: 403, body: JSON.stringify({ error: { type: 'forbidden', message: 'Not in this workspace' } }) },
      'FORBIDDEN',
      { message: 'Not in this workspace', extensions: { seam: { status: 403, type: 'forbidden' } } },
    ],
    [
      '429 with Retry-After',
      {
        status: 429,
        headers: { 'retry-after': '7', 'seam-request-id': 'req-429' },
        body: JSON.stringify({ error: { type: 'rate_limited', message: 'Slow down' } }),
      },
      'RATE_LIMITED',
      { message: 'Slow down', extensions: { retryAfterSeconds: 7, seam: { status: 429, requestId: 'req-429' } } },
    ],
    [
      // HTTP header names are case-insensitive: Seam's, or a proxy's before it, may come in any case.
      '429 with Retry-After and the request id in mixed case',
      {
        status: 429,
        headers: { 'Retry-After': '9', 'SEAM-Request-Id': 'req-429-mixed' },
        body: JSON.stringify({ error: { type: 'rate_limited', message: 'Slow down' } }),
      },
      'RATE_LIMITED',
      { extensions: { retryAfterSeconds: 9, seam: { status: 429, requestId: 'req-429-mixed' } } },
    ],
    [
      // Informational answers come before the answer and say nothing of it: only the last answer's headers count.
      '429 after a 103 Early Hints with a request id of its own',
      {
        earlyHints: { link: '</app.js>; rel=preload', 'seam-request-id': 'req-hint' },
        status: 429,
        headers: { 'retry-after': '7', 'seam-request-id': 'req-429-after-hints' },
        body: JSON.stringify({ error: { type: 'rate_limited', message: 'Slow down' } }),
      },
      'RATE_LIMITED',
      { extensions: { retryAfterSeconds: 7, seam: { status: 429, requestId: 'req-429-after-hints' } } },
    ],
    [
      '500 with a Seam error body and internals beside it',
      { status: 500, body: secrets.jsonWithInternals },
      'UPSTREAM_ERROR',
      { message: 'Something broke', extensions: { seam: { status: 500, requestId: 'req-body-1' } } },
    ],
    [
      '502 with an HTML page',
      { status: 502, contentType: 'text/html', body: secrets.html },
      'UPSTREAM_ERROR',
      { message: 'Seam API answered with HTTP 502.', extensions: { seam: { status: 502 } } },
    ],
    ['503 with an empty body', { status: 503 }, 'UPSTREAM_ERROR', { extensions: { seam: { status: 503 } } }],
    [
      '200 with a body that is not JSON',
      { status: 200, contentType: 'text/html', body: secrets.html },
      'UPSTREAM_ERROR',
      { extensions: { seam: { status: 200 } } },
    ],
    ['200 with a JSON array', { status: 200, body: '[1,2]' }, 'UPSTREAM_ERROR', {}],
    [
      '429 with Retry-After as an HTTP date',
      {
        status: 429,
        headers: { 'retry-after': new Date(Date.now() + 120_000).toUTCString() },
        body: JSON.stringify({ error: { type: 'rate_limited', message: 'Slow down' } }),
      },
      'RATE_LIMITED',
      { extensions: { retryAfterSeconds: expect.toSatisfy((seconds: number) => seconds > 100 && seconds <= 120) } },
    ],
    [
      '404 that is not Seam’s (an HTML page from a proxy or a wrong SEAM_ENDPOINT)',
      { status: 404, contentType: 'text/html', body: secrets.html },
      'UPSTREAM_ERROR',
      { extensions: { seam: { status: 404 } } },
    ],
  ])('maps %s to its code, and leaks nothing', async (_, fault, code, expected) => {
    harness = await startHarness()
    const attempts = attemptsFor(retried, fault)
    harness.fakeSeam.failNext(...Array.from({ length: attempts }, () => fault))
    const answer = await harness.graphql(document, { headers: withApiKey })

    expect(codesOf(answer)).toEqual([code])
    expect(answer.body.errors?.[0]).toMatchObject({ path: [name], ...expected })
    expect(answer.body.data).toEqual(dataOnError)
    expect(harness.fakeSeam.requests).toHaveLength(attempts)
    expectNothingLeaked(answer)
  })
})

describe('Retry-After on a 429', () => {
  const later = new Date(Date.now() + 120_000)
  const [weekday, day, month, year, time] = later.toUTCString().replace(',', '').split(' ') as [string, ...string[]]
  const longWeekday = later.toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' })
  const soon = expect.toSatisfy((seconds: number) => seconds > 100 && seconds <= 120)

  it.each<[string, string, unknown]>([
    ['whole seconds', ' 7 ', 7],
    ['an IMF-fixdate', later.toUTCString(), soon],
    ['an RFC 850 date', `${longWeekday}, ${day}-${month}-${year!.slice(2)} ${time} GMT`, soon],
    ['an asctime date', `${weekday} ${month} ${day!.padStart(2, ' ')} ${time} ${year}`, soon],
    // Date.parse reads each of these as a date in 2001 or later: a wait of nothing.
    ['a fraction', '1.5', undefined],
    ['a negative number', '-5', undefined],
    ['a word', 'soon', undefined],
    ['a date without its time', `${weekday}, ${day} ${month} ${year}`, undefined],
  ])('is read from %s, and is no Retry-After otherwise', async (_, retryAfter, seconds) => {
    harness = await startHarness()
    const body = JSON.stringify({ error: { type: 'rate_limited', message: 'Slow down' } })
    harness.fakeSeam.failNext({ status: 429, headers: { 'retry-after': retryAfter }, body })
    const answer = await harness.graphql(grant, { headers: withApiKey })

    expect(codesOf(answer)).toEqual(['RATE_LIMITED'])
    expect(answer.body.errors?.[0]?.extensions['retryAfterSeconds']).toEqual(seconds)
  })
})

describe('Seam’s "not found"', () => {
  it('is NOT_FOUND on a mutation but null on the clientSession query', async () => {
    harness = await startHarness()
    const notFound = JSON.stringify({
      error: { type: 'client_session_not_found', message: 'Client session not found' },
    })
    harness.fakeSeam.failNext({ status: 404, body: notFound }, { status: 404, body: notFound })

    expect(codesOf(await harness.graphql(grant, { headers: withApiKey }))).toEqual(['NOT_FOUND'])
    expect((await harness.graphql(read, { headers: withApiKey })).body).toEqual({ data: { clientSession: null } })
  })
})

describe('upstream faults', () => {
  it('answers GATEWAY_TIMEOUT when Seam is slower than the configured time limit, long before Seam would', async () => {
    harness = await startHarness({ gateway: { upstreamTimeoutMs: 200 } })
    harness.fakeSeam.failNext({ delayMs: 10_000 })
    const started = performance.now()
    const answer = await harness.graphql(read, { headers: withApiKey })

    expect(codesOf(answer)).toEqual(['GATEWAY_TIMEOUT'])
    // Not a performance bound: a gateway that waited for Seam would take 10 s; one that honours the
    // 200 ms time limit answers in a fraction of that, however busy the machine.
    expect(performance.now() - started).toBeLessThan(2_000)
    expectNothingLeaked(answer)
  })

  it('holds the deadline over the whole call, even when Seam keeps sending a little at a time', async () => {
    harness = await startHarness({ gateway: { upstreamTimeoutMs: 300 } })
    // 30 pieces 100 ms apart: never idle for as long as the time limit, but 3 s in all.
    harness.fakeSeam.failNext({ trickle: 30, delayMs: 100 })
    const answer = await harness.graphql(read, { headers: withApiKey })

    expect(codesOf(answer)).toEqual(['GATEWAY_TIMEOUT'])
  })

  it.each(operations)(
    'answers UPSTREAM_UNAVAILABLE to $name when Seam resets the connection every time',
    async ({ document, retried }) => {
      harness = await startHarness()
      const attempts = retried ? 3 : 1
      harness.fakeSeam.failNext(...Array.from({ length: attempts }, () => ({ reset: true })))
      const answer = await harness.graphql(document, { headers: withApiKey })

      expect(codesOf(answer)).toEqual(['UPSTREAM_UNAVAILABLE'])
      expect(harness.fakeSeam.requests).toHaveLength(attempts)
      expectNothingLeaked(answer)
    },
  )

  it('answers UPSTREAM_UNAVAILABLE when nothing listens at SEAM_ENDPOINT', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number }
        probe.close(() => resolve(port))
      })
    })
    harness = await startHarness({ gateway: { seamEndpoint: `http://127.0.0.1:${closedPort}` } })
    const answer = await harness.graphql(read, { headers: withApiKey })

    expect(codesOf(answer)).toEqual(['UPSTREAM_UNAVAILABLE'])
    expect(answer.text).not.toContain(String(closedPort))
    expect(answer.text).not.toContain('ECONNREFUSED')
  })

  it('reads every error answer to the end, so the keep-alive connection is reused', async () => {
    harness = await startHarness()
    const html = { status: 502, contentType: 'text/html', body: secrets.html.repeat(20_000) }
    const seamError = { status: 500, body: secrets.jsonWithInternals }
    harness.fakeSeam.failNext(html, seamError, html, seamError, html)
    // The mutation, which is never retried: one request per call.
    for (let call = 0; call < 6; call += 1) await harness.graphql(grant, { headers: withApiKey })

    expect(harness.fakeSeam.requests).toHaveLength(6)
    // An answer left unread holds its socket; the next call would need a new connection.
    expect(harness.fakeSeam.connections).toBe(1)
  })

  it('keeps serving after faults: the next call is answered normally', async () => {
    harness = await startHarness()
    harness.fakeSeam.failNext({ reset: true }, { status: 502, body: secrets.html })
    await harness.graphql(read, { headers: withApiKey })
    await harness.graphql(read, { headers: withApiKey })
    const answer = await harness.graphql(read, { headers: withApiKey })

    expect(answer.body.errors).toBeUndefined()
    expect(answer.body.data?.['clientSession'].clientSessionId).toBe(clientSession().client_session_id)
  })
})

describe('what reads an answer', () => {
  async function recordingCaller() {
    harness = await startHarness()
    const calls: UpstreamCall[] = []
    const client = new SeamClient({ endpoint: harness.seamEndpoint, timeoutMs: 2_000 })
    const caller = client.withCredential(credentialFromToken(apiKey), { onCall: (call) => calls.push(call) })
    return { caller, calls, close: () => client.close() }
  }
  const revoke = { client_session_id: clientSession().client_session_id }

  it('must be given: without one nothing is sent, and the call is a rejection', async () => {
    const { caller, calls, close } = await recordingCaller()
    const posted = caller.post('/client_sessions/revoke', revoke, undefined as never)

    await expect(posted).rejects.toThrow(TypeError)
    expect([harness!.fakeSeam.requests.length, calls.length]).toEqual([0, 0])
    await close()
  })

  it('failing, fails the call, which is recorded with the status and request id Seam answered with', async () => {
    const { caller, calls, close } = await recordingCaller()
    const posted = caller.post('/client_sessions/get', revoke, () => {
      throw new TypeError('a fault of the reader')
    })

    await expect(posted).rejects.toThrow('a fault of the reader')
    expect(calls).toEqual([
      expect.objectContaining({ status: 200, requestId: expect.any(String), errorCode: 'INTERNAL_SERVER_ERROR' }),
    ])
    await close()
  })

  it('failing, never has a read sent again, whatever it threw: the answer would be the same', async () => {
    const { caller, calls, close } = await recordingCaller()
    const posted = caller.post('/client_sessions/get', revoke, () => {
      throw new SeamUnavailableError()
    })

    await expect(posted).rejects.toThrow(SeamUnavailableError)
    expect(harness!.fakeSeam.requests).toHaveLength(1)
    expect(calls).toEqual([expect.objectContaining({ status: 200, attempts: 1, errorCode: 'UPSTREAM_UNAVAILABLE' })])
    await close()
  })

  it('of a grant answered without its session, and nothing to read it back by, fails the grant’s call', async () => {
    const { caller, calls, close } = await recordingCaller()
    harness!.fakeSeam.failNext({ status: 200, body: '{}' })

    await expect(grantClientSessionAccess(caller, {} as never)).rejects.toThrow('client_session is missing')
    expect(harness!.fakeSeam.requests).toHaveLength(1)
    expect(calls).toEqual([
      expect.objectContaining({ endpoint: '/client_sessions/grant_access', status: 200, errorCode: 'UPSTREAM_ERROR' }),
    ])
    await close()
  })
})

describe('failures that are not Seam’s', () => {
  it('stay masked: "Unexpected error." with INTERNAL_SERVER_ERROR, and nothing of the cause', async () => {
    class BrokenSeamClient extends SeamClient {
      override withCredential(): SeamCaller {
        return {
          post: () => Promise.reject(new TypeError('SECRET_INTERNAL detail at /srv/gateway/x.js:1:1')),
        }
      }
    }
    harness = await startHarness({
      dependencies: (seamEndpoint) => ({
        seamClient: new BrokenSeamClient({ endpoint: seamEndpoint, timeoutMs: 1_000 }),
      }),
    })
    const answer = await harness.graphql(read, { headers: withApiKey })

    expect(answer.body.errors).toEqual([
      expect.objectContaining({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
    ])
    expect(answer.text).not.toContain('SECRET_INTERNAL')
    expect(answer.text).not.toContain('/srv/')
  })

  it('are not taken for an outage when undici refuses the request: masked, logged with the cause, never retried', async () => {
    const lines: string[] = []
    // An embedding application that read its key from a file, newline and all: undici refuses the
    // header value before sending anything, and would every time.
    harness = await startHarness({
      gateway: { serverCredential: credentialFromToken(`${apiKey}\n`), requestLog: (line) => lines.push(line) },
    })
    const answer = await harness.graphql(read)

    expect(answer.body.errors).toEqual([
      expect.objectContaining({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
    ])
    expect(harness.fakeSeam.requests).toHaveLength(0)
    expect(lines.map((line) => JSON.parse(line).upstreamCalls)).toEqual([
      [expect.objectContaining({ endpoint: '/client_sessions/get', attempts: 1, error: 'INTERNAL_SERVER_ERROR' })],
    ])
    expect(harness.logs.filter((line) => line.startsWith('error '))).toEqual([
      expect.stringContaining('InvalidArgumentError: invalid authorization header'),
    ])
    expectNothingLeaked(answer)
  })
})

describe('documents and variables the gateway refuses', () => {
  it.each([
    ['a document that does not parse', '{ clientSession(userIdentifierKey: "x") { token }', {}, 'GRAPHQL_PARSE_FAILED'],
    [
      'a document that does not validate',
      '{ clientSession(userIdentifierKey: "x") { password } }',
      {},
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'variables of the wrong type',
      'mutation ($input: GrantClientSessionAccessInput!) { grantClientSessionAccess(input: $input) { clientSession { token } } }',
      { input: { connectedAccountIds: [{ id: 1 }] } },
      'BAD_USER_INPUT',
    ],
    [
      'a list where an input object is due',
      'query ($filter: ClientSessionsFilter) { clientSessions(filter: $filter) { token } }',
      { filter: [] },
      'BAD_USER_INPUT',
    ],
  ])('gives %s a code and makes no upstream call', async (_, query, variables, code) => {
    harness = await startHarness()
    const answer = await harness.graphql(query, { variables, headers: withApiKey })

    expect(codesOf(answer)).toEqual([code])
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })
})
