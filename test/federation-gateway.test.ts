/**
 * The gateway as one subgraph of a real supergraph: Apollo's federation gateway plans each query across
 * the test subgraphs and ours, and fetches client sessions from us through `_entities`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import {
  apiKey,
  clientSession,
  codesOf,
  type Harness,
  personalAccessToken,
  startHarness,
  withApiKey,
  workspaceId,
} from './support/harness.js'
import { type Booking, type Supergraph, startSupergraph } from './support/federation.js'

const number = (index: number) => String(index).padStart(2, '0')
/** Fifteen sessions, `user_01` … `user_15`, each the session of the user with that ID. */
const sessions = Array.from({ length: 15 }, (_, index) =>
  clientSession({
    client_session_id: `00000000-0000-4000-8000-0000000000${number(index + 1)}`,
    user_identifier_key: `user_${number(index + 1)}`,
    token: `seam_cst1_SECRETsession${number(index + 1)}`,
    device_count: index + 1,
  }),
)
const session = (index: number) => sessions[index - 1]!
const bookings: Booking[] = [
  { id: 'booking-1', room: 'Room 101', clientSessionId: session(3).client_session_id },
  { id: 'booking-2', room: 'Room 102', clientSessionId: '00000000-0000-4000-8000-00000000dead' },
]

let harness: Harness
let supergraph: Supergraph
beforeAll(async () => {
  harness = await startHarness({ fake: { clientSessions: sessions } })
  supergraph = await startSupergraph(harness.gatewayUrl, bookings)
})
afterAll(async () => {
  await supergraph?.close()
  await harness?.close()
})
beforeEach(() => {
  harness.fakeSeam.requests.length = 0
  harness.fakeSeam.peakInFlight = 0
})

const sessionReads = () => harness.fakeSeam.requests.filter((request) => request.path === '/client_sessions/get')

const usersQuery = (ids: string[]) => `{
  users(ids: ${JSON.stringify(ids)}) {
    id
    name
    clientSession { clientSessionId userIdentifierKey deviceCount expiresAt }
  }
}`

describe('through a federation gateway', () => {
  it('joins User from another subgraph with ClientSession from the gateway, by user identifier key', async () => {
    const answer = await supergraph.graphql(usersQuery(['user_01', 'user_02']), withApiKey)

    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({
      data: {
        users: [1, 2].map((index) => ({
          id: `user_${number(index)}`,
          name: `User user_${number(index)}`,
          clientSession: {
            clientSessionId: session(index).client_session_id,
            userIdentifierKey: `user_${number(index)}`,
            deviceCount: index,
            expiresAt: session(index).expires_at,
          },
        })),
      },
    })
    expect(sessionReads().map((request) => request.body)).toEqual([
      { user_identifier_key: 'user_01' },
      { user_identifier_key: 'user_02' },
    ])
  })

  it('joins Booking with ClientSession by client session ID', async () => {
    const answer = await supergraph.graphql(
      '{ bookings { id room clientSession { clientSessionId userIdentifierKey deviceCount } } }',
      withApiKey,
    )

    expect(answer.body.errors).toBeUndefined()
    expect(answer.body).toMatchObject({
      data: {
        bookings: [
          {
            id: 'booking-1',
            room: 'Room 101',
            clientSession: {
              clientSessionId: session(3).client_session_id,
              userIdentifierKey: 'user_03',
              deviceCount: 3,
            },
          },
          // Seam does not know this one: the gateway's `_entities` answers null for it, which leaves the
          // session without its non-null `deviceCount`, so the federation gateway nulls the session.
          { id: 'booking-2', room: 'Room 102', clientSession: null },
        ],
      },
    })
    expect(sessionReads().map((request) => request.body)).toEqual([
      { client_session_id: session(3).client_session_id },
      { client_session_id: bookings[1]!.clientSessionId },
    ])
  })

  it('sends Seam the credential the client sent the federation gateway', async () => {
    const answer = await supergraph.graphql(usersQuery(['user_04']), {
      authorization: `Bearer ${personalAccessToken}`,
      'seam-workspace': workspaceId,
    })

    expect(answer.body.data?.['users'][0].clientSession.clientSessionId).toBe(session(4).client_session_id)
    const [read] = sessionReads()
    expect(read?.headers.authorization).toBe(`Bearer ${personalAccessToken}`)
    expect(read?.headers['seam-workspace']).toBe(workspaceId)
  })

  it('answers UNAUTHENTICATED, and calls nobody, when the client sent no credential', async () => {
    const answer = await supergraph.graphql(usersQuery(['user_01']))

    expect(answer.status).toBe(200)
    expect(codesOf(answer)).toEqual(['UNAUTHENTICATED'])
    expect(answer.body.data?.['users']).toEqual([{ id: 'user_01', name: 'User user_01', clientSession: null }])
    expect(harness.fakeSeam.requests).toEqual([])
  })

  it('resolves a user identifier key Seam does not know to null, and the others in the list', async () => {
    const answer = await supergraph.graphql(usersQuery(['user_05', 'nobody', 'user_06']), withApiKey)

    expect(answer.body.errors).toBeUndefined()
    expect(
      answer.body.data?.['users'].map((user: { clientSession: { clientSessionId: string } | null }) =>
        user.clientSession === null ? null : user.clientSession.clientSessionId,
      ),
    ).toEqual([session(5).client_session_id, null, session(6).client_session_id])
  })

  it('passes on the code of an upstream error on an entity lookup', async () => {
    // Seam stays down through the gateway's two retries of the read.
    const unavailable = { status: 503, body: '<html>Service Unavailable</html>', contentType: 'text/html' }
    harness.fakeSeam.failNext(unavailable, unavailable, unavailable)

    const answer = await supergraph.graphql(usersQuery(['user_07']), withApiKey)

    expect(answer.status).toBe(200)
    expect(codesOf(answer)).toEqual(['UPSTREAM_ERROR'])
    expect(answer.body.errors?.[0]?.extensions['seam']).toEqual({ status: 503 })
    expect(answer.body.data?.['users']).toEqual([{ id: 'user_07', name: 'User user_07', clientSession: null }])
    expect(answer.text).not.toContain('<html>')
  })

  it('reads 20 references with 5 duplicates with 15 upstream calls, never more than 8 at once', async () => {
    const ids = Array.from({ length: 20 }, (_, index) => `user_${number((index % 15) + 1)}`)
    // Slow answers, so that every call the gateway may start is in flight together.
    harness.fakeSeam.failNext(...Array.from({ length: 15 }, () => ({ delayMs: 100 })))

    const answer = await supergraph.graphql(usersQuery(ids), withApiKey)

    expect(answer.body.errors).toBeUndefined()
    expect(
      answer.body.data?.['users'].map((user: { clientSession: { userIdentifierKey: string } }) => [
        user.clientSession.userIdentifierKey,
      ]),
    ).toEqual(ids.map((id) => [id]))
    const keys = sessionReads().map((request) => (request.body as { user_identifier_key: string }).user_identifier_key)
    expect(keys).toHaveLength(15)
    expect(new Set(keys)).toEqual(new Set(ids))
    // The default cap, and reached: the calls did run concurrently.
    expect(harness.fakeSeam.peakInFlight).toBe(8)
    expect(sessionReads().every((request) => request.headers.authorization === `Bearer ${apiKey}`)).toBe(true)
  })
})
