/**
 * `npm run bench`: the upstream stub, the raw proxy baseline, the Mercurius peer and the built gateway,
 * each in its own process, loaded in turn by autocannon. Prints the machine, each run as it ends, the
 * tables that go into bench/RESULTS.md, and the targets met or missed. Runs compiled, from
 * dist/bench/; the knobs are in ./settings.ts.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'

import { runLoad } from './load-run.js'
import { choosePinning } from './processes.js'
import { machineLines, type NotMeasured, runLine, table } from './report.js'
import {
  baselineGateway,
  baselineInstrumented,
  clientHeaders,
  grantScenario,
  growthScenarios,
  limitedInMemory,
  limitedInRedis,
  mainPhases,
  mainScenarios,
  peer,
  requestFor,
  type Scenario,
  type Server,
  uniqueValueTag,
} from './scenarios.js'
import {
  gatewaySettings,
  limitedGatewaySettings,
  type RunningServer,
  startGateway,
  startMercuriusPeer,
  startRawProxy,
  startUpstreamStub,
  stopAll,
} from './servers.js'
import { startRedis } from './redis-server.js'
import { readSettings } from './settings.js'
import type { Measurement } from './statistics.js'
import { targetsTable } from './targets.js'

const settings = readSettings()
let stopRedis: (() => void) | undefined
const chosen = (scenarios: Scenario[]) =>
  settings.scenarios === undefined
    ? scenarios
    : scenarios.filter((scenario) => settings.scenarios!.some((name) => scenario.name.includes(name)))
const pinning = choosePinning()
const servers: Server[] = ['raw proxy', peer, 'gateway']
/**
 * The scenario that also runs on a gateway with metrics and tracing on, to show what they cost, on one
 * with the lean lane off, to compare the two lanes, on one with the request log off, to show what the log
 * costs, and on ones with a rate limit and trusted documents (in memory, and in Redis when redis-server is
 * installed), to show what those cost.
 */
const gatewayVariantsScenario = grantScenario
const gatewayVariants: Server[] = []
/**
 * BENCH_BASELINE: another checkout of the gateway, built (`npm run build` there), e.g. a clone of the commit a
 * change starts from. Its gateway runs every scenario beside this one's, and its instrumented gateway the
 * variants' scenario, in the same interleaved rounds: the machine's drift between two runs cannot pass for an
 * effect of the change.
 */
const baselineMain = process.env['BENCH_BASELINE'] && resolve(process.env['BENCH_BASELINE'], 'dist/main.js')
if (baselineMain && !existsSync(baselineMain))
  throw new Error(`BENCH_BASELINE: ${baselineMain} is missing: build it first`)
if (baselineMain) servers.push(baselineGateway)
const serversOf = (scenario: Scenario): Server[] =>
  scenario === gatewayVariantsScenario ? [...servers, ...gatewayVariants] : servers

/** A server as started: the gateways and the peer also know how long they took to answer first. */
type StartedOrRunning = RunningServer & { startupMs?: number }

process.once('SIGINT', () => void stopAll().then(() => process.exit(130)))

/** Asks once and checks the answer, so that no run measures error answers. */
async function problemWith(scenario: Scenario, server: Server, origin: string): Promise<string | undefined> {
  const { path, body } = requestFor(scenario, server)
  // One request of a scenario whose every request has a document of its own, as the driver would send it.
  const sent = body.replaceAll(uniqueValueTag, '0')
  const response = await fetch(origin + path, { method: 'POST', headers: clientHeaders, body: sent })
  const text = await response.text()
  if (server === 'raw proxy') return response.ok ? undefined : `failed: the raw proxy answered ${response.status}`
  let answer: { data?: Record<string, unknown> | null; errors?: { message: string }[] }
  try {
    answer = JSON.parse(text) as typeof answer
  } catch {
    return `failed: ${server} answered ${response.status} without JSON`
  }
  const error = answer.errors?.[0]?.message
  // A schema without federation lacks `_Any` as well as `_entities`, and graphql-js names the type first.
  const lacking = [`Cannot query field "${scenario.needs}" on type "Query"`, 'Unknown type "_Any"']
  if (scenario.needs !== undefined && lacking.some((message) => error?.includes(message))) {
    return `skipped: schema has no ${scenario.needs}`
  }
  if (error !== undefined) return `failed: ${server} answered "${error}"`
  if (answer.data == null) return `failed: no data in the answer of ${server}`
  const problem = scenario.problemWith(answer.data)
  return problem === undefined ? undefined : `failed: ${server}: ${problem}`
}

for (const line of machineLines()) console.log(line)
console.log(`processes: ${pinning.note}`)
console.log(
  `settings: ${settings.rounds} rounds of ${settings.durationS} s, growth runs of ${settings.growthDurationS} s ` +
    `with ${settings.growthConnections} connection(s), ` +
    `${settings.connections} connections, credential: ` +
    (settings.credential === 'server' ? 'server-held' : 'Authorization header'),
)

try {
  const stub = await startUpstreamStub(pinning)
  const gatewayStart = { pinning, upstream: stub, credential: settings.credential, firstRequest: grantScenario }
  const limits = limitedGatewaySettings([gatewayVariantsScenario])
  const redis = await startRedis(pinning)
  stopRedis = redis?.stop
  /** How each server is started: again for each round (see `freshProcesses`). */
  const starters: Partial<Record<Server, () => Promise<StartedOrRunning>>> = {
    'raw proxy': () => startRawProxy(pinning, stub),
    gateway: () => startGateway(gatewayStart),
    [peer]: () => startMercuriusPeer(gatewayStart),
    'gateway + metrics + tracing': () => startGateway({ ...gatewayStart, instrumented: true }),
    'gateway, FAST_LANE=false': () => startGateway({ ...gatewayStart, env: { FAST_LANE: 'false' } }),
    'gateway, LOG_REQUESTS=false': () => startGateway({ ...gatewayStart, env: { LOG_REQUESTS: 'false' } }),
    [limitedInMemory]: () => startGateway({ ...gatewayStart, env: limits, server: limitedInMemory }),
    ...(redis !== undefined && {
      [limitedInRedis]: () =>
        startGateway({ ...gatewayStart, env: { ...limits, REDIS_URL: redis.url }, server: limitedInRedis }),
    }),
    ...(baselineMain && {
      [baselineGateway]: () => startGateway({ ...gatewayStart, main: baselineMain }),
      [baselineInstrumented]: () => startGateway({ ...gatewayStart, main: baselineMain, instrumented: true }),
    }),
  }
  const running: Partial<Record<Server, StartedOrRunning>> = {}
  for (const [server, start] of Object.entries(starters) as [Server, () => Promise<RunningServer>][]) {
    running[server] = await start()
  }
  // The baseline build's instrumented gateway right after this one's, as the plain pair: with the order
  // reversed every other round, each of a pair is measured first in half the rounds, after the same
  // neighbours. Measured apart (the baseline's last), one source came out 10-20 % slower in the first place
  // than in the last, in three runs of two sessions (bench/RESULTS.md, the eighth session).
  gatewayVariants.push('gateway + metrics + tracing')
  if (baselineMain) gatewayVariants.push(baselineInstrumented)
  gatewayVariants.push('gateway, FAST_LANE=false', 'gateway, LOG_REQUESTS=false', limitedInMemory)
  if (redis !== undefined) gatewayVariants.push(limitedInRedis)
  else console.log(`"${limitedInRedis}" left out: redis-server is not installed (apt-get install redis-server)`)
  const gatewayStartups = [running.gateway!.startupMs!]
  console.log(`gateway start-up to first answer: ${Math.round(gatewayStartups[0]!)} ms (goal: under 1000 ms)`)
  if (baselineMain) {
    console.log(
      `baseline build (${baselineMain}) start-up to first answer: ${Math.round(running[baselineGateway]!.startupMs!)} ms`,
    )
  }
  console.log(`${peer} start-up to first answer: ${Math.round(running[peer]!.startupMs!)} ms`)
  console.log(
    `gateway settings: request log on (to /dev/null), SEAM_CALL_BUDGET=${gatewaySettings.SEAM_CALL_BUDGET} ` +
      `(the default 25 would refuse _entities with 100 keys); "${gatewayVariantsScenario.name}" also runs on a ` +
      'gateway with METRICS_ENABLED=true and OTEL_EXPORTER_OTLP_ENDPOINT set (the stub accepts the spans), and ' +
      'on one with FAST_LANE=false, on one with LOG_REQUESTS=false, and on ones with ' +
      'RATE_LIMIT_PER_MINUTE=1000000 (never reached) and a trusted ' +
      `document asked for by its documentId, counted in memory or in Redis; ${peer}: jit 1, its default LRU, Fastify's log line per request (to /dev/null)\n`,
  )

  /** One table's runs, and the scenarios it could not measure. */
  interface Results {
    measurements: Measurement[]
    notMeasured: NotMeasured[]
  }
  const main: Results = { measurements: [], notMeasured: [] }
  const growth: Results = { measurements: [], notMeasured: [] }

  /** The stub's list answers hold as many sessions as the scenario asks for: set before each of its runs. */
  async function prepareStub(scenario: Scenario): Promise<void> {
    if (scenario.listSize === undefined) return
    const response = await fetch(`${stub.origin}/_bench/list_size`, {
      method: 'POST',
      body: JSON.stringify({ size: scenario.listSize }),
    })
    await response.arrayBuffer()
  }

  /** Checks a scenario on every server; false (and a note of why) when it cannot be measured. */
  async function ready(scenario: Scenario, results: Results): Promise<boolean> {
    await prepareStub(scenario)
    for (const server of serversOf(scenario)) {
      const problem = await problemWith(scenario, server, running[server]!.origin)
      if (problem !== undefined) {
        results.notMeasured.push({ scenario: scenario.name, reason: problem })
        console.log(`${scenario.name}: ${problem}`)
        return false
      }
    }
    return true
  }

  async function load(scenario: Scenario, server: Server, durationS: number, connections: number) {
    await prepareStub(scenario)
    return runLoad(running[server]!, {
      ...requestFor(scenario, server),
      headers: clientHeaders,
      connections,
      durationS,
      pinning,
    })
  }

  /**
   * Every server, one after the other: one round of one scenario. Even rounds take the servers in the
   * reverse order, so that a drift of the machine within a round (the stub's heap, a neighbour's load)
   * does not always fall on the servers measured last: with one order, the last of seven servers came
   * out 5-15 % below the third in some runs and level in others.
   */
  async function measureRound(
    scenario: Scenario,
    round: number,
    results: Results,
    durationS: number,
    connections: number,
  ) {
    const inOrder = serversOf(scenario)
    for (const server of round > 0 && round % 2 === 0 ? inOrder.toReversed() : inOrder) {
      await load(scenario, server, settings.runWarmupS, connections)
      const measured = await load(scenario, server, durationS, connections)
      const measurement = { scenario: scenario.name, server, round, ...measured }
      results.measurements.push(measurement)
      console.log(runLine(measurement))
    }
  }

  /** Each server of `scenarios` under load for a while on each of them, so the JIT has done its work. */
  async function warmUp(scenarios: Scenario[]) {
    for (const scenario of scenarios) {
      for (const server of serversOf(scenario)) await load(scenario, server, settings.warmupS, settings.connections)
    }
  }

  /**
   * Each server of `scenarios` stopped and started again, then warmed up: every round measures processes of
   * its own. Two processes of one build differ by up to ~10 % for their whole life, in the same rounds (an
   * A/A run of the same build twice, bench/RESULTS.md); a round's median over one process each would let
   * that luck pass for the build's speed.
   */
  async function freshProcesses(scenarios: Scenario[]) {
    for (const server of new Set(scenarios.flatMap(serversOf))) {
      await running[server]!.stop()
      const started = await starters[server]!()
      running[server] = started
      if (server === 'gateway' && started.startupMs !== undefined) gatewayStartups.push(started.startupMs)
      // Checked as at the start: a server that now answers with errors would be measured answering them.
      for (const scenario of scenarios.filter((each) => serversOf(each).includes(server))) {
        await prepareStub(scenario)
        const problem = await problemWith(scenario, server, started.origin)
        if (problem !== undefined) throw new Error(`${server}, started again: ${problem}`)
      }
    }
    await warmUp(scenarios)
  }

  /** Whether a phase has been measured: the next one then starts on fresh processes too. */
  let measuredBefore = false
  for (const phase of mainPhases) {
    const measurable: Scenario[] = []
    for (const scenario of chosen(phase)) if (await ready(scenario, main)) measurable.push(scenario)
    if (measurable.length === 0) continue
    if (measuredBefore && settings.freshProcesses) await freshProcesses(measurable)
    else await warmUp(measurable)
    measuredBefore = true
    for (let round = 1; round <= settings.rounds; round++) {
      if (round > 1 && settings.freshProcesses) await freshProcesses(measurable)
      for (const scenario of measurable) {
        await measureRound(scenario, round, main, settings.durationS, settings.connections)
      }
    }
  }
  const growing: Scenario[] = []
  for (const scenario of chosen(growthScenarios)) if (await ready(scenario, growth)) growing.push(scenario)
  // The processes have served only the last phase's scenarios since they started.
  await warmUp(growing)
  for (const scenario of growing) {
    await measureRound(scenario, 0, growth, settings.growthDurationS, settings.growthConnections)
  }

  const names = (scenarios: Scenario[]) => scenarios.map((scenario) => scenario.name)
  console.log(`\n## Main table (${settings.rounds} interleaved rounds of ${settings.durationS} s; medians)\n`)
  console.log(table(names(chosen(mainScenarios)), main.measurements, main.notMeasured))
  console.log(
    `\n## How cost grows (one run of ${settings.growthDurationS} s each, ${settings.growthConnections} connection(s))\n`,
  )
  console.log(table(names(chosen(growthScenarios)), growth.measurements, growth.notMeasured))
  console.log(`\n## Targets (issues 12 and 14; from the main table, ${settings.connections} connections)\n`)
  if (gatewayStartups.length > 1) {
    console.log(
      `gateway start-ups to first answer: ${gatewayStartups.map(Math.round).join(', ')} ms (the target: the slowest)`,
    )
  }
  console.log(targetsTable(main.measurements, Math.max(...gatewayStartups)))
} finally {
  await stopAll()
  stopRedis?.()
}
