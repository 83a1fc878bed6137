/**
 * Medians and per-round ratios over a run's measurements: the numbers both the tables and the targets
 * summary read, computed one way.
 */
import type { LoadResult } from './load-driver.js'
import type { ProcessUsage } from './process-stats.js'
import type { Server } from './scenarios.js'

export interface Measurement {
  scenario: string
  server: Server
  /** 1 and up in the interleaved rounds of the main table; 0 for a run made once. */
  round: number
  load: LoadResult
  usage: ProcessUsage
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export function medianOf(values: (number | undefined)[]): number | undefined {
  const known = values.filter((value) => value !== undefined)
  return known.length === 0 ? undefined : median(known)
}

export function maxOf(values: (number | undefined)[]): number | undefined {
  const known = values.filter((value) => value !== undefined)
  return known.length === 0 ? undefined : Math.max(...known)
}

/**
 * Each round's req/s of `server` over the req/s of `reference` in the same round of the same scenario:
 * servers measured one after the other within a round share that round's conditions of the machine.
 */
export function perRoundRatios(runs: Measurement[], server: Server, reference: Server): number[] {
  return runs
    .filter((run) => run.server === server)
    .flatMap((run) => {
      const referenceRun = runs.find(
        (other) => other.server === reference && other.round === run.round && other.scenario === run.scenario,
      )
      return referenceRun === undefined || referenceRun.load.requestsPerSecond === 0
        ? []
        : [run.load.requestsPerSecond / referenceRun.load.requestsPerSecond]
    })
}
