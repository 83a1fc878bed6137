/**
 * `npm run bench:profile`: the built gateway under `node --cpu-prof`, loaded with one scenario (default
 * grantClientSessionAccess) against the upstream stub; then prints where its busy time went, counting
 * only the samples taken while the measured load ran (not start-up, not the warm-up).
 *
 * The profile stays in bench/profiles/ for Chrome DevTools or speedscope. `node dist/bench/profile.js
 * <file.cpuprofile>` summarises an existing profile instead.
 *
 * Knobs: BENCH_PROFILE_DURATION_S (default 10), BENCH_PROFILE_SCENARIO (a scenario name, default the
 * first of the main table), BENCH_PROFILE_INSTRUMENTED=1 (metrics and tracing on; `metrics` or `tracing` for
 * one of them, to tell their costs apart), BENCH_PROFILE_LIMITED=1 (a rate limit and a trusted document, as the bench's
 * `gateway + rate limit + trusted document`), BENCH_CONNECTIONS, BENCH_WARMUP_S, BENCH_CREDENTIAL as for `npm run bench`.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { type CpuProfile, formatSummary, summarise } from './cpu-profile.js'
import { type LoadWindow, runLoad } from './load-run.js'
import { choosePinning } from './processes.js'
import { machineLines, runLine } from './report.js'
import { clientHeaders, growthScenarios, limitedInMemory, mainScenarios, requestFor, type Server } from './scenarios.js'
import { limitedGatewaySettings, startGateway, startUpstreamStub, stopAll } from './servers.js'
import { readSettings, whole } from './settings.js'

const profilesDirectory = fileURLToPath(new URL('../../bench/profiles/', import.meta.url))

function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
}

const existing = process.argv[2]
if (existing !== undefined) {
  console.log(formatSummary(summarise(readProfile(existing))))
  process.exit(0)
}

const settings = readSettings()
const durationS = whole('BENCH_PROFILE_DURATION_S', 10)
const scenarioName = process.env['BENCH_PROFILE_SCENARIO'] ?? mainScenarios[0]!.name
const scenario = [...mainScenarios, ...growthScenarios].find((candidate) => candidate.name === scenarioName)
if (scenario === undefined) throw new Error(`no scenario is called "${scenarioName}"`)
const instrumented = process.env['BENCH_PROFILE_INSTRUMENTED']
// `npm run bench`'s gateway with a rate limit in memory and the request sent as a trusted document's id.
const limited = process.env['BENCH_PROFILE_LIMITED'] === '1'
const server: Server = limited ? limitedInMemory : 'gateway'
const pinning = choosePinning()
mkdirSync(profilesDirectory, { recursive: true })
const profileName = `gateway-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`

for (const line of machineLines()) console.log(line)
console.log(`processes: ${pinning.note}`)

let window: LoadWindow
try {
  const stub = await startUpstreamStub(pinning)
  // As `npm run bench` does: the stub's lists hold the scenario's number of sessions, not its default 10.
  if (scenario.listSize !== undefined) {
    const response = await fetch(`${stub.origin}/_bench/list_size`, {
      method: 'POST',
      body: JSON.stringify({ size: scenario.listSize }),
    })
    await response.arrayBuffer()
  }
  const gateway = await startGateway({
    // The same code as `npm start` runs, but one file per module: the bundle would put every sample in one file.
    entry: 'main.unbundled.js',
    pinning,
    upstream: stub,
    credential: settings.credential,
    firstRequest: scenario,
    instrumented: instrumented === '1',
    ...(limited && { env: limitedGatewaySettings([scenario]), server }),
    ...(instrumented === 'metrics' && { env: { METRICS_ENABLED: 'true' } }),
    ...(instrumented === 'tracing' && { env: { OTEL_EXPORTER_OTLP_ENDPOINT: stub.origin } }),
    // A finer interval than the default 1 ms: a request takes a few hundred microseconds.
    nodeOptions: [
      '--cpu-prof',
      `--cpu-prof-dir=${profilesDirectory}`,
      `--cpu-prof-name=${profileName}`,
      '--cpu-prof-interval=250',
    ],
  })
  const load = (seconds: number) =>
    runLoad(gateway, {
      ...requestFor(scenario, server),
      headers: clientHeaders,
      connections: settings.connections,
      durationS: seconds,
      pinning,
    })
  await load(settings.warmupS)
  const measured = await load(durationS)
  window = measured.window
  console.log(runLine({ scenario: scenario.name, server: 'gateway', round: 0, ...measured }))
} finally {
  // SIGTERM: the gateway closes and exits, and node writes the profile on the way out.
  await stopAll()
}

const file = join(profilesDirectory, profileName)
if (statSync(file, { throwIfNoEntry: false }) === undefined) {
  throw new Error(`no profile at ${file}; found: ${readdirSync(profilesDirectory).join(', ')}`)
}
const profile = readProfile(file)
let summary = summarise(profile, window.from, window.to)
if (summary.busy === 0) {
  console.log('(the load window matched no samples: clocks differ here; summarising the whole profile)')
  summary = summarise(profile)
}
console.log(`\nprofile: ${file}\n${scenario.name}, ${durationS} s of load, ${settings.connections} connections\n`)
console.log(formatSummary(summary))
