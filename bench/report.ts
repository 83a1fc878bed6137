/**
 * What the benchmark prints: the machine it ran on, one line per run as it goes, and Markdown tables
 * that bench/RESULTS.md takes as they are.
 */
import { availableParallelism, cpus, loadavg } from 'node:os'

import type { LoadResult } from './load-driver.js'
import type { ProcessUsage } from './process-stats.js'
import type { Server } from './scenarios.js'

export interface Measurement {
  scenario: string
  server: Server
  round: number
  load: LoadResult
  usage: ProcessUsage
}

/** A scenario that was not measured, and why. */
export interface NotMeasured {
  scenario: string
  reason: string
}

export function machineLines(): string[] {
  return [
    `date: ${new Date().toISOString()}`,
    `CPU: ${cpus()[0]?.model ?? 'unknown'}, ${availableParallelism()} available to Node`,
    `Node: ${process.version}, ${process.platform} ${process.arch}`,
    `load average at start: ${loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')} (1, 5, 15 min) — above 0 means something else was running`,
  ]
}

const fixed = (value: number | undefined, digits: number) => (value === undefined ? 'n/a' : value.toFixed(digits))

export function runLine({ scenario, server, round, load, usage }: Measurement): string {
  return (
    `${round === 0 ? 'once' : `round ${round}`}  ${scenario} / ${server}: ${Math.round(load.requestsPerSecond)} req/s, ` +
    `p50 ${fixed(load.p50Ms, 2)} ms, p99 ${fixed(load.p99Ms, 2)} ms, peak RSS ${fixed(usage.peakRssMiB, 0)} MiB, ` +
    `CPU ${fixed(usage.cpuPercent, 0)} % (${fixed(cpuPerRequestUs({ scenario, server, round, load, usage }), 0)} µs/request)${load.failed > 0 ? `, ${load.failed} FAILED` : ''}`
  )
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

function medianOf(values: (number | undefined)[]): number | undefined {
  const known = values.filter((value) => value !== undefined)
  return known.length === 0 ? undefined : median(known)
}

function maxOf(values: (number | undefined)[]): number | undefined {
  const known = values.filter((value) => value !== undefined)
  return known.length === 0 ? undefined : Math.max(...known)
}

/** Each round's req/s of `server` over the baseline's req/s in the same round. */
function ratios(runs: Measurement[], server: Server): number[] {
  const gatewayRuns = runs.filter((run) => run.server === server)
  return gatewayRuns.flatMap((gatewayRun) => {
    const baseline = runs.find((run) => run.server === 'raw proxy' && run.round === gatewayRun.round)
    return baseline === undefined || baseline.load.requestsPerSecond === 0
      ? []
      : [gatewayRun.load.requestsPerSecond / baseline.load.requestsPerSecond]
  })
}

/**
 * The server's CPU time per answered request, in microseconds: what a request costs, and much less
 * sensitive than req/s to other processes taking the server's core (on a loaded machine a server gets
 * only part of its core, and its req/s drops with that part while its cost per request does not).
 */
function cpuPerRequestUs({ load, usage }: Measurement): number | undefined {
  if (usage.cpuPercent === undefined || load.requestsPerSecond === 0) return undefined
  return ((usage.cpuPercent / 100) * 1_000_000) / load.requestsPerSecond
}

const header = [
  '| scenario | server | req/s | p50 ms | p99 ms | peak RSS MiB | server CPU % | CPU µs / request | req/s ÷ raw proxy (per round) |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
]

/**
 * One row per scenario and server: medians over the rounds (peak RSS: the largest), and the median of
 * the per-round ratios with each round's ratio after it.
 */
export function table(scenarios: string[], measurements: Measurement[], notMeasured: NotMeasured[]): string {
  const rows = scenarios.flatMap((scenario) => {
    const skipped = notMeasured.find((entry) => entry.scenario === scenario)
    if (skipped !== undefined) return [`| ${scenario} | ${skipped.reason} | | | | | | | |`]
    const runs = measurements.filter((run) => run.scenario === scenario)
    const servers = [...new Set(runs.map((run) => run.server))]
    return servers.map((server) => {
      const own = runs.filter((run) => run.server === server)
      const scenarioRatios = ratios(runs, server)
      const failed = own.reduce((sum, run) => sum + run.load.failed, 0)
      const ratio =
        server === 'raw proxy'
          ? '1.00'
          : scenarioRatios.length === 0
            ? 'n/a'
            : `**${median(scenarioRatios).toFixed(2)}**` +
              (scenarioRatios.length > 1 ? ` (${scenarioRatios.map((value) => value.toFixed(2)).join(' ')})` : '')
      return [
        server === servers[0] ? scenario : '',
        failed > 0 ? `${server} (${failed} failed)` : server,
        fixed(medianOf(own.map((run) => run.load.requestsPerSecond)), 0),
        fixed(medianOf(own.map((run) => run.load.p50Ms)), 2),
        fixed(medianOf(own.map((run) => run.load.p99Ms)), 2),
        fixed(maxOf(own.map((run) => run.usage.peakRssMiB)), 0),
        fixed(medianOf(own.map((run) => run.usage.cpuPercent)), 0),
        fixed(medianOf(own.map(cpuPerRequestUs)), 0),
        ratio,
      ]
        .join(' | ')
        .replace(/^/, '| ')
        .replace(/$/, ' |')
    })
  })
  return [...header, ...rows].join('\n')
}
