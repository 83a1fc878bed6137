/**
 * `npm run bench`: the upstream stub, the raw proxy baseline and the gateway (built, `dist/main.js`),
 * each in its own process (this file runs compiled, from dist/bench/), loaded in turn by autocannon; prints the machine, each run, and the tables
 * that go into bench/RESULTS.md. Knobs: bench/settings.ts.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import type { LoadResult, LoadRun } from './load-driver.js'
import { watchProcess } from './process-stats.js'
import { choosePinning, freePort, jsonLines, type Started, startNode, scriptArgs } from './processes.js'
import { machineLines, type Measurement, type NotMeasured, runLine, type Server, table } from './report.js'
import { growthScenarios, mainScenarios, type Scenario } from './scenarios.js'
import { readSettings } from './settings.js'

const settings = readSettings()
const pinning = choosePinning()
const gatewayMain = fileURLToPath(new URL('../main.js', import.meta.url))
if (!existsSync(gatewayMain)) throw new Error('dist/main.js is missing: run `npm run build` first (npm run bench does)')

// A made-up API key: the stub accepts any credential, the gateway wants one shaped like Seam's.
const apiKey = 'seam_bench1_0123456789abcdefBENCHKEY'
const clientHeaders = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }

const children: Started[] = []
const stopAll = () => Promise.all(children.map((child) => child.stop()))
process.once('SIGINT', () => void stopAll().then(() => process.exit(130)))

async function startServer(file: string, what: string, cpus: string | undefined, env: Record<string, string> = {}) {
  const started = startNode(scriptArgs(file), { cpus, env })
  children.push(started)
  const { port } = await jsonLines(started, what).next<{ port: number }>()
  return { started, origin: `http://127.0.0.1:${port}` }
}

/** Starts the gateway and measures how long it takes from spawning to its first answer. */
async function startGateway(upstream: string) {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/graphql`
  const firstRequest = requestFor(mainScenarios[0]!, 'gateway')
  const spawnedAt = performance.now()
  const started = startNode([gatewayMain], {
    cpus: pinning.serverCpus,
    env: {
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      SEAM_ENDPOINT: upstream,
      ...(settings.credential === 'server' && { SEAM_API_KEY: apiKey }),
    },
  })
  children.push(started)
  // Its start-up line is not needed (the port was chosen here), and a full pipe would stall it.
  started.child.stdout?.resume()
  for (;;) {
    if (started.child.exitCode !== null) throw new Error(`the gateway exited: ${started.stderrTail()}`)
    const answered = await fetch(url, { method: 'POST', headers: clientHeaders, body: firstRequest.body }).then(
      (response) => response.ok,
      () => false,
    )
    if (answered) return { started, url, startupMs: performance.now() - spawnedAt }
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

function requestFor(scenario: Scenario, server: Server): { path: string; body: string } {
  if (server === 'gateway') return { path: '/graphql', body: JSON.stringify(scenario.graphql) }
  const { path, body, fanout } = scenario.baseline
  return { path: fanout === 1 ? path : `${path}?fanout=${fanout}`, body: JSON.stringify(body) }
}

/** Asks once and checks the answer, so that no run measures error answers. */
async function problemWith(scenario: Scenario, origin: string, server: Server): Promise<string | undefined> {
  const { path, body } = requestFor(scenario, server)
  const response = await fetch(origin + path, { method: 'POST', headers: clientHeaders, body })
  const text = await response.text()
  if (server === 'raw proxy') return response.ok ? undefined : `the raw proxy answered ${response.status}`
  const answer = JSON.parse(text) as { data?: Record<string, unknown> | null; errors?: { message: string }[] }
  const error = answer.errors?.[0]?.message
  // A schema without federation lacks `_Any` as well as `_entities`, and graphql-js names the type first.
  const lacking = [`Cannot query field "${scenario.needs}" on type "Query"`, 'Unknown type "_Any"']
  if (scenario.needs !== undefined && lacking.some((message) => error?.includes(message))) {
    return `skipped: schema has no ${scenario.needs}`
  }
  if (error !== undefined) return `failed: the gateway answered "${error}"`
  return answer.data == null ? 'failed: no data in the answer' : scenario.problemWith(answer.data)
}

async function measure(origin: string, serverPid: number, scenario: Scenario, server: Server, durationS: number) {
  const { path, body } = requestFor(scenario, server)
  const run: LoadRun = {
    url: origin + path,
    headers: clientHeaders,
    body,
    connections: settings.connections,
    durationS,
  }
  const driver = startNode(scriptArgs('./load-driver.js', JSON.stringify(run)), { cpus: pinning.loadCpus })
  const lines = jsonLines(driver, 'the load driver')
  await lines.next()
  const stopWatching = watchProcess(serverPid)
  const load = await lines.next<LoadResult>()
  const usage = stopWatching()
  await driver.stop()
  return { load, usage }
}

for (const line of machineLines()) console.log(line)
console.log(`processes: ${pinning.note}`)
console.log(
  `settings: ${settings.rounds} rounds of ${settings.durationS} s, growth runs of ${settings.growthDurationS} s, ` +
    `${settings.connections} connections, credential: ${settings.credential === 'server' ? 'server-held' : 'Authorization header'}`,
)

try {
  const stub = await startServer('./upstream-stub.js', 'the upstream stub', pinning.loadCpus)
  const proxy = await startServer('./raw-proxy.js', 'the raw proxy', pinning.serverCpus, { UPSTREAM: stub.origin })
  // fetch loads undici on first use; done here so that it does not count against the gateway's start-up.
  await fetch(`${stub.origin}/health`).then((response) => response.arrayBuffer())
  const gateway = await startGateway(stub.origin)
  console.log(`gateway start-up to first answer: ${Math.round(gateway.startupMs)} ms (goal: under 1000 ms)\n`)

  const servers = {
    'raw proxy': { origin: proxy.origin, pid: proxy.started.pid },
    gateway: { origin: new URL(gateway.url).origin, pid: gateway.started.pid },
  }
  const measurements: Measurement[] = []
  const notMeasured: NotMeasured[] = []

  /** Checks a scenario on both servers; false (and a note of why) when it cannot be measured. */
  async function ready(scenario: Scenario): Promise<boolean> {
    if (scenario.listSize !== undefined) {
      await fetch(`${stub.origin}/_bench/list_size`, {
        method: 'POST',
        body: JSON.stringify({ size: scenario.listSize }),
      }).then((response) => response.arrayBuffer())
    }
    for (const server of ['raw proxy', 'gateway'] as const) {
      const problem = await problemWith(scenario, servers[server].origin, server)
      if (problem !== undefined) {
        notMeasured.push({ scenario: scenario.name, reason: problem })
        console.log(`${scenario.name}: ${problem}`)
        return false
      }
    }
    return true
  }

  async function runBoth(scenario: Scenario, round: number, durationS: number) {
    for (const server of ['raw proxy', 'gateway'] as const) {
      const { origin, pid } = servers[server]
      const measurement = {
        scenario: scenario.name,
        server,
        round,
        ...(await measure(origin, pid, scenario, server, durationS)),
      }
      measurements.push(measurement)
      console.log(runLine(measurement))
    }
  }

  const main = []
  for (const scenario of mainScenarios) if (await ready(scenario)) main.push(scenario)
  for (const scenario of main) {
    for (const server of ['raw proxy', 'gateway'] as const) {
      await measure(servers[server].origin, servers[server].pid, scenario, server, settings.warmupS)
    }
  }
  for (let round = 1; round <= settings.rounds; round++) {
    for (const scenario of main) await runBoth(scenario, round, settings.durationS)
  }
  for (const scenario of growthScenarios) {
    if (await ready(scenario)) await runBoth(scenario, 0, settings.growthDurationS)
  }

  console.log(`\n## Main table (${settings.rounds} interleaved rounds of ${settings.durationS} s, medians)\n`)
  console.log(
    table(
      mainScenarios.map((scenario) => scenario.name),
      measurements,
      notMeasured,
    ),
  )
  console.log(`\n## How cost grows (one run of ${settings.growthDurationS} s each)\n`)
  const growthNames = growthScenarios.map((scenario) => scenario.name)
  const entities20 = mainScenarios.find((scenario) => scenario.needs === '_entities')?.name
  if (entities20 !== undefined) growthNames.splice(1, 0, entities20)
  console.log(table(growthNames, measurements, notMeasured))
  console.log(`\ngateway start-up to first answer: ${Math.round(gateway.startupMs)} ms`)
} finally {
  await stopAll()
}
