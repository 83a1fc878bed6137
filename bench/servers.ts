/**
 * The servers of a benchmark: the upstream stub (with the load generator's CPUs), and the raw proxy, the
 * Mercurius peer and the gateways (each with the server CPUs). Every process started here is stopped by
 * stopAll.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { freePort, jsonLines, type Pinning, scriptArgs, type Started, startNode } from './processes.js'
import {
  benchApiKey,
  clientHeaders,
  requestFor,
  type Scenario,
  type Server,
  trustedDocumentsManifest,
} from './scenarios.js'

export interface RunningServer {
  origin: string
  pid: number
  /** Stops the process (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>
}

const children: Started[] = []

export function stopAll(): Promise<unknown> {
  return Promise.all(children.splice(0).map((child) => child.stop()))
}

/** `started`'s stop, which then forgets it: stopAll has nothing left to stop of it. */
function stopOf(started: Started): () => Promise<void> {
  return async () => {
    // Forgotten once it has exited: until then, stopAll (on SIGINT, say) still stops it.
    await started.stop()
    const at = children.indexOf(started)
    if (at !== -1) children.splice(at, 1)
  }
}

async function startScript(file: string, what: string, cpus: string | undefined, env: Record<string, string> = {}) {
  const started = startNode(scriptArgs(file), { cpus, env })
  children.push(started)
  const { port } = await jsonLines(started, what).next<{ port: number }>()
  // fetch loads undici on its first use; done here so that it does not count against the gateway's start-up.
  await fetch(`http://127.0.0.1:${port}/`).then((response) => response.arrayBuffer())
  return { origin: `http://127.0.0.1:${port}`, pid: started.pid, stop: stopOf(started) }
}

export function startUpstreamStub(pinning: Pinning): Promise<RunningServer> {
  return startScript('./upstream-stub.js', 'the upstream stub', pinning.loadCpus)
}

export function startRawProxy(pinning: Pinning, upstream: RunningServer): Promise<RunningServer> {
  return startScript('./raw-proxy.js', 'the raw proxy', pinning.serverCpus, { UPSTREAM: upstream.origin })
}

export interface GatewayStart {
  pinning: Pinning
  upstream: RunningServer
  credential: 'server' | 'header'
  /** The request whose first successful answer ends start-up. */
  firstRequest: Scenario
  /** `main.unbundled.js` for a profile whose samples name their packages. Default `main.js`, what `npm start` runs. */
  entry?: 'main.js' | 'main.unbundled.js'
  /** Another checkout's built gateway (its `dist/main.js`, absolute) in place of this one's: a baseline. */
  main?: string
  /** Extra arguments for node, e.g. `--cpu-prof`. */
  nodeOptions?: string[]
  /** Metrics on and spans exported to the stub: what observability costs. */
  instrumented?: boolean
  /** Settings beyond the benchmark's own, e.g. `FAST_LANE: 'false'` (a setting the gateway lacks is ignored). */
  env?: Record<string, string>
  /** Which server it is, when that changes how it is asked (by a trusted document's id). Default `gateway`. */
  server?: Server
}

/**
 * The gateway's settings beyond `npm start`'s defaults. SEAM_CALL_BUDGET: the default budget (25
 * upstream calls per operation) refuses `_entities` with 100 keys before it runs; the budget's value
 * changes no per-request work, so every scenario runs with the larger one.
 */
export const gatewaySettings = { SEAM_CALL_BUDGET: '200' }

/**
 * The settings of `gateway + rate limit + trusted document`: a limit no run reaches (every request of the
 * benchmark is one caller), so that what is measured is the counting, and a manifest of the scenarios'
 * documents, asked for by their ids rather than their texts.
 */
export function limitedGatewaySettings(scenarios: Scenario[]): Record<string, string> {
  const manifest = join(mkdtempSync(join(tmpdir(), 'seam-gateway-bench-')), 'persisted-documents.json')
  writeFileSync(manifest, trustedDocumentsManifest(scenarios))
  return { RATE_LIMIT_PER_MINUTE: '1000000', TRUSTED_DOCUMENTS: manifest }
}

export type StartedServer = RunningServer & { startupMs: number }

/** Long enough for a loaded machine; a server that answers only with errors would otherwise stall the run. */
const startupLimitMs = 30_000

/**
 * Spawns `node <args>` with PORT set, its stdout (a request log) to /dev/null, and measures the time from
 * spawning it to its first successful answer to `firstRequest`.
 */
async function startUntilAnswered(
  what: string,
  args: string[],
  {
    pinning,
    firstRequest,
    env,
    server = 'gateway',
  }: { pinning: Pinning; firstRequest: Scenario; env: Record<string, string>; server?: Server },
): Promise<StartedServer> {
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const { path, body } = requestFor(firstRequest, server)
  const spawnedAt = performance.now()
  const started = startNode(args, {
    cpus: pinning.serverCpus,
    env: { PORT: String(port), ...env },
    // A request log (one line per request, on as in production) goes to /dev/null: a pipe read by this
    // process would cost CPU on the load generator's core and could stall the server if full.
    stdout: 'ignore',
  })
  children.push(started)
  for (;;) {
    if (started.child.exitCode !== null) throw new Error(`${what} exited: ${started.stderrTail()}`)
    if (performance.now() - spawnedAt > startupLimitMs) {
      throw new Error(
        `${what} did not answer within ${startupLimitMs / 1000} s: ${started.stderrTail() || 'no message'}`,
      )
    }
    const answered = await fetch(origin + path, { method: 'POST', headers: clientHeaders, body }).then(
      (response) => response.ok,
      () => false,
    )
    if (answered) {
      return { origin, pid: started.pid, stop: stopOf(started), startupMs: performance.now() - spawnedAt }
    }
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Starts the built gateway (`dist/main.js`, as `npm start` runs it). */
export function startGateway(options: GatewayStart): Promise<StartedServer> {
  const main = options.main ?? fileURLToPath(new URL(`../${options.entry ?? 'main.js'}`, import.meta.url))
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first (there)`)
  return startUntilAnswered('the gateway', [...(options.nodeOptions ?? []), main], {
    pinning: options.pinning,
    firstRequest: options.firstRequest,
    ...(options.server !== undefined && { server: options.server }),
    env: {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      SEAM_ENDPOINT: options.upstream.origin,
      ...gatewaySettings,
      ...(options.credential === 'server' && { SEAM_API_KEY: benchApiKey }),
      ...(options.instrumented === true && {
        METRICS_ENABLED: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: options.upstream.origin,
      }),
      ...options.env,
    },
  })
}

/** Starts the Mercurius peer (./mercurius-peer/server.ts), holding the key or passing the caller's on as the gateway does. */
export function startMercuriusPeer(
  options: Pick<GatewayStart, 'pinning' | 'upstream' | 'credential' | 'firstRequest'>,
): Promise<StartedServer> {
  return startUntilAnswered('the Mercurius peer', scriptArgs('./mercurius-peer/server.js'), {
    pinning: options.pinning,
    firstRequest: options.firstRequest,
    env: {
      NODE_ENV: 'production',
      UPSTREAM: options.upstream.origin,
      ...(options.credential === 'server' && { SEAM_API_KEY: benchApiKey }),
    },
  })
}
