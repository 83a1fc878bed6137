/**
 * CPU time per upstream call, measured in one process: the gateway's Seam call path as a resolver uses
 * it (the per-request context, the concurrency cap, the operation's calls, the client, undici, the
 * answer checked and mapped) against undici's own request as the floor. Two builds of the gateway run
 * interleaved in the same process, so that the load of a shared machine falls on both alike: CPU time,
 * not throughput, and each number the median over the rounds.
 *
 *   npm run build && npx tsc -p tsconfig.bench.json
 *   node dist/bench/seam-call-cost.js <baseline-dist> [<candidate-dist>]
 *
 * Each dist is the output of `tsc -p tsconfig.build.json`; the candidate is this checkout's `dist/` unless
 * given. A baseline of another commit: `git archive <commit> | tar -x -C /tmp/base`, link this checkout's
 * `node_modules` into it, and build it there. The upstream is bench/upstream-stub.ts, a process of its own
 * (its CPU is not counted). Knobs: BENCH_CALL_ROUNDS (default 7), BENCH_CALL_REQUESTS (per round and
 * scenario, default 2000), BENCH_CALL_SCENARIOS (only the scenarios whose name contains one of these,
 * comma-separated).
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

import { Pool } from 'undici'

import { choosePinning } from './processes.js'
import { startUpstreamStub, stopAll } from './servers.js'
import { whole } from './settings.js'

/** What the script uses of a build, as loose as the builds it compares may differ. */
interface Build {
  name: string
  newCaller(): Caller
  close(): Promise<void>
}

/** One request's view of the Seam API: the calls its resolvers make, then the end of its operation. */
interface Caller {
  get(clientSessionId: string): Promise<unknown>
  load(clientSessionId: string): Promise<unknown>
  list(): Promise<unknown>
  end(): unknown
}

type Module = Record<string, any>

const importFrom = (dist: string, file: string): Promise<Module> => import(pathToFileURL(resolve(dist, file)).href)

async function loadBuild(name: string, dist: string, endpoint: string): Promise<Build> {
  const [{ SeamClient }, { createContextFactory }, sessions, { credentialFromToken }] = await Promise.all([
    importFrom(dist, 'seam/client.js'),
    importFrom(dist, 'context.js'),
    importFrom(dist, 'seam/client-sessions.js'),
    importFrom(dist, 'seam/credentials.js'),
  ])
  const client = new SeamClient({ endpoint, timeoutMs: 10_000 })
  const createContext = createContextFactory(client, {
    serverCredential: credentialFromToken('seam_benchkey1_key'),
    maxConcurrentCalls: 8,
    upstreamCallBudget: 1000,
    logger: console,
  })
  // What yoga hands the factory, reduced to what it reads: the HTTP request, never aborted here.
  const signal = new AbortController().signal
  const headers = new Headers()
  return {
    name,
    newCaller: () => {
      const context = createContext({ request: { signal, headers } })
      return {
        get: (clientSessionId) => sessions['getClientSession'](context.seam, { clientSessionId }),
        load: (clientSessionId) => context.clientSessions.load({ clientSessionId }),
        list: () => sessions['listClientSessions'](context.seam, {}),
        end: () => context.endUpstreamCalls(),
      }
    },
    close: () => client.close(),
  }
}

/** undici alone: the request, its body read as text and parsed. No check, no mapping, no limit. */
function undiciFloor(endpoint: string): Build {
  const pool = new Pool(endpoint, { connections: 128 })
  const post = async (path: string, body: object) => {
    const response = await pool.request({
      method: 'POST',
      path,
      headers: { authorization: 'Bearer seam_benchkey1_key', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return JSON.parse(await response.body.text()) as unknown
  }
  return {
    name: 'undici alone',
    newCaller: () => ({
      get: (clientSessionId) => post('/client_sessions/get', { client_session_id: clientSessionId }),
      load: (clientSessionId) => post('/client_sessions/get', { client_session_id: clientSessionId }),
      list: () => post('/client_sessions/list', {}),
      end: () => undefined,
    }),
    close: () => pool.close(),
  }
}

interface Scenario {
  name: string
  /** Upstream calls one request makes. */
  calls: number
  /** Sessions in a /client_sessions/list answer, when the scenario lists. */
  listSize?: number
  request(caller: Caller, index: number): Promise<unknown>
}

const sessionId = (index: number) => `00000000-0000-4000-8000-${String(index % 1_000_000).padStart(12, '0')}`

const scenarios: Scenario[] = [
  { name: 'one read per request', calls: 1, request: (caller, index) => caller.get(sessionId(index)) },
  {
    name: '20 reads in one request (_entities)',
    calls: 20,
    request: (caller, index) =>
      Promise.all(Array.from({ length: 20 }, (_, key) => caller.load(sessionId(index * 20 + key)))),
  },
  { name: 'a list of 1000 sessions', calls: 1, listSize: 1000, request: (caller) => caller.list() },
]

const cpuMicroseconds = () => {
  const { user, system } = process.cpuUsage()
  return user + system
}

/** CPU µs per upstream call over `requests` requests, one after the other. */
async function measure(build: Build, scenario: Scenario, requests: number): Promise<number> {
  const started = cpuMicroseconds()
  for (let index = 0; index < requests; index += 1) {
    const caller = build.newCaller()
    await scenario.request(caller, index)
    await caller.end()
  }
  return (cpuMicroseconds() - started) / (requests * scenario.calls)
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const [baselineDist, candidateDist = new URL('..', import.meta.url).pathname] = process.argv.slice(2)
if (baselineDist === undefined) {
  console.error('usage: node dist/bench/seam-call-cost.js <baseline-dist> [<candidate-dist>]')
  process.exit(2)
}
const rounds = whole('BENCH_CALL_ROUNDS', 7)
const requests = whole('BENCH_CALL_REQUESTS', 2000)
const only = process.env['BENCH_CALL_SCENARIOS']?.split(',')
const chosen = scenarios.filter(({ name }) => only === undefined || only.some((part) => name.includes(part)))

try {
  const stub = await startUpstreamStub(choosePinning())
  const builds = [
    undiciFloor(stub.origin),
    await loadBuild(`baseline (${baselineDist})`, baselineDist, stub.origin),
    await loadBuild(`candidate (${candidateDist})`, candidateDist, stub.origin),
  ]
  console.log(`CPU µs per upstream call, median of ${rounds} rounds (each round: every build in turn)`)
  for (const scenario of chosen) {
    await fetch(`${stub.origin}/_bench/list_size`, {
      method: 'POST',
      body: JSON.stringify({ size: scenario.listSize ?? 10 }),
    }).then((response) => response.arrayBuffer())
    // The scenario's requests get fewer as its calls get more: every round takes about as long.
    const scenarioRequests = Math.max(20, Math.round(requests / scenario.calls / (scenario.listSize ?? 1) ** 0.5))
    const results = new Map<Build, number[]>(builds.map((build) => [build, []]))
    for (const build of builds) await measure(build, scenario, scenarioRequests) // warm-up
    for (let round = 0; round < rounds; round += 1) {
      for (const build of builds) results.get(build)!.push(await measure(build, scenario, scenarioRequests))
    }
    console.log(`\n${scenario.name} (${scenarioRequests} requests per round)`)
    for (const [build, values] of results) {
      const spread = `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`
      console.log(`  ${build.name.padEnd(48)} ${median(values).toFixed(1).padStart(8)} µs  (${spread})`)
    }
  }
  await Promise.all(builds.map((build) => build.close()))
} finally {
  await stopAll()
}
