/**
 * One measured load run: the load driver in its own process on the load generator's CPUs, and the
 * server's memory and CPU watched for exactly as long as the load lasts.
 */
import type { LoadResult, LoadRun } from './load-driver.js'
import { type ProcessUsage, watchProcess } from './process-stats.js'
import { jsonLines, type Pinning, scriptArgs, startNode } from './processes.js'
import type { RunningServer } from './servers.js'

export interface LoadOptions {
  path: string
  body: string
  /** A new value in place of each `[<id>]` of the body, request by request (./scenarios.ts, `uniqueDocuments`). */
  uniqueValues?: boolean
  headers: Record<string, string>
  connections: number
  durationS: number
  pinning: Pinning
}

/** When the load ran, in microseconds of the monotonic clock (the one `.cpuprofile` timestamps use). */
export interface LoadWindow {
  from: number
  to: number
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n)

export async function runLoad(
  server: RunningServer,
  options: LoadOptions,
): Promise<{ load: LoadResult; usage: ProcessUsage; window: LoadWindow }> {
  const run: LoadRun = {
    url: server.origin + options.path,
    headers: options.headers,
    body: options.body,
    idReplacement: options.uniqueValues === true,
    connections: options.connections,
    durationS: options.durationS,
  }
  const driver = startNode(scriptArgs('./load-driver.js', JSON.stringify(run)), { cpus: options.pinning.loadCpus })
  try {
    const lines = jsonLines(driver, 'the load driver')
    await lines.next()
    const from = nowUs()
    const stopWatching = watchProcess(server.pid)
    const load = await lines.next<LoadResult>()
    return { load, usage: stopWatching(), window: { from, to: nowUs() } }
  } finally {
    await driver.stop()
  }
}
