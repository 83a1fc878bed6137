/**
 * The APQ store shared through Redis: two gateway processes (`node dist/main.js`, as `npm start` runs it,
 * each with its own memory) that name the same REDIS_URL run each other's registered documents; with
 * Redis stopped, both keep answering from their own store, and when it is back, sharing resumes. A real
 * redis-server on a loopback port (test/support/redis-server.ts); the processes are real child processes,
 * as in test/commands.test.ts.
 */
import { createHash } from 'node:crypto'

import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { apqKeyPrefix } from '../src/persisted/apq-store.js'
import { FakeSeam } from '../src/fake-seam/fake-seam.js'
import { type GatewayProcess, startGatewayProcess } from './support/gateway-process.js'
import { apiKey, clientSession, workspaceId } from './support/harness.js'
import { RedisServer } from './support/redis-server.js'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

interface Replica extends GatewayProcess {
  url: string
}

async function startReplica(env: Record<string, string>): Promise<Replica> {
  const started = startGatewayProcess('main', { PORT: '0', LOG_REQUESTS: 'false', ...env })
  return { ...started, url: await started.graphqlUrl }
}

const stopReplica = (replica: Replica) => replica.stop()

interface Answer {
  status: number
  body: { data?: unknown; errors?: { extensions: { code: string } }[] }
}

async function post(replica: Replica, parameters: object): Promise<Answer> {
  const response = await fetch(replica.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(parameters),
  })
  return { status: response.status, body: (await response.json()) as Answer['body'] }
}

const persistedQuery = (query: string) => ({
  extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } },
})
/** Registers `query` with `replica` (Apollo Client's second request: the hash and the text). */
const register = (replica: Replica, query: string) => post(replica, { query, ...persistedQuery(query) })
/** Runs `query` on `replica` by its hash alone (Apollo Client's first request). */
const byHash = (replica: Replica, query: string) => post(replica, persistedQuery(query))
const codeOf = (answer: Answer) => answer.body.errors?.[0]?.extensions.code

const document = (name: string) => `query ${name} { clientSession(userIdentifierKey: "user_42") { clientSessionId } }`
const expected = { data: { clientSession: { clientSessionId: clientSession().client_session_id } } }

describe.sequential('two gateway processes sharing one Redis', () => {
  let fakeSeam: FakeSeam
  let redisServer: RedisServer
  let replicas: Replica[]
  let inspector: Redis

  beforeAll(async () => {
    fakeSeam = new FakeSeam({ workspaceId, apiKeys: [apiKey], clientSessions: [clientSession()] })
    const seamEndpoint = await fakeSeam.listen()
    redisServer = await RedisServer.start()
    const env = { SEAM_ENDPOINT: seamEndpoint, SEAM_API_KEY: apiKey, REDIS_URL: redisServer.url }
    replicas = await Promise.all([startReplica(env), startReplica(env)])
    inspector = new Redis(redisServer.url, { lazyConnect: true })
  }, 60_000)

  afterAll(async () => {
    inspector.disconnect()
    await Promise.all(replicas.map(stopReplica))
    await redisServer.stop()
    await fakeSeam.close()
  })

  it("run each other's registered documents, kept in Redis under a prefix with a TTL", async () => {
    const [first, second] = replicas as [Replica, Replica]
    const query = document('Shared')
    expect(codeOf(await byHash(second, query))).toBe('PERSISTED_QUERY_NOT_FOUND')

    expect((await register(first, query)).body).toEqual(expected)

    expect((await byHash(second, query)).body).toEqual(expected)
    await inspector.connect()
    expect(await inspector.get(`${apqKeyPrefix}${sha256(query)}`)).toBe(query)
    expect(await inspector.ttl(`${apqKeyPrefix}${sha256(query)}`)).toBeGreaterThan(0)
    inspector.disconnect()
  })

  it('keep answering while Redis is stopped, each from its own store, and share again once it is back', async () => {
    const [first, second] = replicas as [Replica, Replica]
    const known = document('Known')
    await register(first, known)
    expect((await byHash(second, known)).body).toEqual(expected)

    // Traffic throughout: the hash both replicas know, alternately on each.
    const traffic: Answer[] = []
    let running = true
    const sending = (async () => {
      for (let index = 0; running; index += 1) traffic.push(await byHash(replicas[index % 2]!, known))
    })()

    await redisServer.stop()
    // Registered while Redis is away: the replica that saw it runs it, the other asks for the text again.
    const duringOutage = document('DuringOutage')
    expect((await register(first, duringOutage)).body).toEqual(expected)
    expect((await byHash(first, duringOutage)).body).toEqual(expected)
    const unshared = await byHash(second, duringOutage)
    expect([unshared.status, codeOf(unshared)]).toEqual([200, 'PERSISTED_QUERY_NOT_FOUND'])

    await redisServer.start()
    // Each replica reconnects in the background; a registration made once it has is shared again.
    const afterOutage = document('AfterOutage')
    let shared: Answer | undefined
    for (let attempt = 0; attempt < 200 && shared?.body.data === undefined; attempt += 1) {
      await register(first, afterOutage)
      shared = await byHash(second, afterOutage)
      if (shared.body.data === undefined) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(shared?.body).toEqual(expected)

    running = false
    await sending
    expect(traffic.length).toBeGreaterThan(0)
    expect(traffic.filter((answer) => answer.status !== 200 || answer.body.errors !== undefined)).toEqual([])
    for (const replica of replicas) expect(replica.output()).not.toMatch(/error/i)
  }, 30_000)
})
