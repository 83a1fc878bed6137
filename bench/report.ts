/**
 * What the benchmark prints: the machine it ran on, one line per run as it goes, and Markdown tables
 * that bench/RESULTS.md takes as they are.
 */
import { availableParallelism, cpus, loadavg } from 'node:os'

import { peer } from './scenarios.js'
import { maxOf, type Measurement, median, medianOf, perRoundRatios } from './statistics.js'

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
  '| scenario | server | req/s | p50 ms | p99 ms | peak RSS MiB | server CPU % | CPU µs / request | req/s ÷ raw proxy (per round) | gateway ÷ Mercurius (per round) |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
]

/** `**median**` of the per-round ratios, then each round's after it when there are several. */
function ratioCell(ratios: number[]): string {
  if (ratios.length === 0) return 'n/a'
  const each = ratios.length > 1 ? ` (${ratios.map((value) => value.toFixed(2)).join(' ')})` : ''
  return `**${median(ratios).toFixed(2)}**${each}`
}

/**
 * One row per scenario and server: medians over the rounds (peak RSS: the largest), and the median of
 * the per-round ratios with each round's ratio after it: to the raw proxy for every server, and to
 * Mercurius for each gateway (above 1: the gateway is ahead).
 */
export function table(scenarios: string[], measurements: Measurement[], notMeasured: NotMeasured[]): string {
  const rows = scenarios.flatMap((scenario) => {
    const skipped = notMeasured.find((entry) => entry.scenario === scenario)
    if (skipped !== undefined) return [`| ${scenario} | ${skipped.reason} | | | | | | | | |`]
    const runs = measurements.filter((run) => run.scenario === scenario)
    const servers = [...new Set(runs.map((run) => run.server))]
    return servers.map((server) => {
      const own = runs.filter((run) => run.server === server)
      const failed = own.reduce((sum, run) => sum + run.load.failed, 0)
      return [
        server === servers[0] ? scenario : '',
        failed > 0 ? `${server} (${failed} failed)` : server,
        fixed(medianOf(own.map((run) => run.load.requestsPerSecond)), 0),
        fixed(medianOf(own.map((run) => run.load.p50Ms)), 2),
        fixed(medianOf(own.map((run) => run.load.p99Ms)), 2),
        fixed(maxOf(own.map((run) => run.usage.peakRssMiB)), 0),
        fixed(medianOf(own.map((run) => run.usage.cpuPercent)), 0),
        fixed(medianOf(own.map(cpuPerRequestUs)), 0),
        server === 'raw proxy' ? '1.00' : ratioCell(perRoundRatios(runs, server, 'raw proxy')),
        server.startsWith('gateway') && servers.includes(peer) ? ratioCell(perRoundRatios(runs, server, peer)) : '',
      ]
        .join(' | ')
        .replace(/^/, '| ')
        .replace(/$/, ' |')
    })
  })
  return [...header, ...rows].join('\n')
}
