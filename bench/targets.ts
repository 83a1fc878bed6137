/**
 * The performance targets of the issues "Performance, redesigned" (issue 12) and "Trusted documents, …
 * rate limits" (issue 14), checked against one run:
 * each target, what this run measured and whether that meets it. Printed at the end of `npm run bench`
 * as a table for bench/RESULTS.md; a benchmark's output, never a test.
 *
 * A ratio is the median of the per-round ratios (the servers of one round share its conditions); a
 * latency the median of the rounds' p99; a peak RSS the largest of the rounds.
 */
import {
  clientSessionScenario,
  entitiesScenario,
  grantScenario,
  limitedInMemory,
  listScenario,
  peer,
  type Scenario,
  type Server,
} from './scenarios.js'
import { maxOf, type Measurement, median, medianOf, perRoundRatios } from './statistics.js'

interface Target {
  name: string
  goal: string
  /** The measured value, or undefined when this run did not measure it (a scenario left out or skipped). */
  measure(measurements: Measurement[]): number | undefined
  format(value: number): string
  met(value: number): boolean
}

const runsOf = (measurements: Measurement[], scenario: Scenario) =>
  measurements.filter((run) => run.scenario === scenario.name)

function medianRatio(measurements: Measurement[], scenario: Scenario, server: Server, reference: Server) {
  const ratios = perRoundRatios(runsOf(measurements, scenario), server, reference)
  return ratios.length === 0 ? undefined : median(ratios)
}

const p99Of = (measurements: Measurement[], scenario: Scenario, server: Server) =>
  medianOf(
    runsOf(measurements, scenario)
      .filter((run) => run.server === server)
      .map((run) => run.load.p99Ms),
  )

function ratioToRawProxy(scenario: Scenario, least: number, server: Server = 'gateway'): Target {
  return {
    name: `${scenario.name}${server === 'gateway' ? '' : `, ${server}`}: req/s ÷ raw proxy`,
    goal: `≥ ${least.toFixed(2)}`,
    measure: (measurements) => medianRatio(measurements, scenario, server, 'raw proxy'),
    format: (ratio) => ratio.toFixed(2),
    met: (ratio) => ratio >= least,
  }
}

/** A gateway with more to do, against the plain gateway of the same round: what that work costs. */
function withinOfGateway(scenario: Scenario, server: Server, least: number): Target {
  return {
    name: `${scenario.name}, ${server}: req/s ÷ gateway`,
    goal: `≥ ${least.toFixed(2)}`,
    measure: (measurements) => medianRatio(measurements, scenario, server, 'gateway'),
    format: (ratio) => ratio.toFixed(2),
    met: (ratio) => ratio >= least,
  }
}

function aheadOfPeer(scenario: Scenario): Target {
  return {
    name: `${scenario.name}: req/s ÷ ${peer}`,
    goal: '> 1.00 (ahead)',
    measure: (measurements) => medianRatio(measurements, scenario, 'gateway', peer),
    format: (ratio) => ratio.toFixed(2),
    met: (ratio) => ratio > 1,
  }
}

/** The gateway's p99 over the raw proxy's, so one number says how far from the goal it is. */
function p99WithinRawProxy(scenario: Scenario): Target {
  return {
    name: `${scenario.name}: p99 ÷ raw proxy's p99`,
    goal: '≤ 1.00',
    measure: (measurements) => {
      const gateway = p99Of(measurements, scenario, 'gateway')
      const rawProxy = p99Of(measurements, scenario, 'raw proxy')
      return gateway === undefined || rawProxy === undefined || rawProxy === 0 ? undefined : gateway / rawProxy
    },
    format: (ratio) => ratio.toFixed(2),
    met: (ratio) => ratio <= 1,
  }
}

function peakRss(scenario: Scenario, mostMiB: number): Target {
  return {
    name: `${scenario.name}: gateway's peak RSS`,
    goal: `≤ ${mostMiB} MiB`,
    measure: (measurements) =>
      maxOf(
        runsOf(measurements, scenario)
          .filter((run) => run.server === 'gateway')
          .map((run) => run.usage.peakRssMiB),
      ),
    format: (mib) => `${Math.round(mib)} MiB`,
    met: (mib) => mib <= mostMiB,
  }
}

const targets: Target[] = [
  ...[grantScenario, clientSessionScenario].flatMap((scenario) => [
    ratioToRawProxy(scenario, 0.8),
    aheadOfPeer(scenario),
    p99WithinRawProxy(scenario),
    peakRss(scenario, 150),
  ]),
  ratioToRawProxy(entitiesScenario, 0.8),
  ratioToRawProxy(listScenario, 0.5),
  ratioToRawProxy(grantScenario, 0.5, 'gateway + metrics + tracing'),
  // Issue 14: a rate limit in memory and a trusted document cost less than a tenth.
  withinOfGateway(grantScenario, limitedInMemory, 0.9),
]

const startupGoalMs = 1000

const row = (cells: string[]) => `| ${cells.join(' | ')} |`

/** The targets as a Markdown table; `startupMs` is the gateway's spawn to first answer. */
export function targetsTable(measurements: Measurement[], startupMs: number): string {
  const rows = targets.map((target) => {
    const value = target.measure(measurements)
    return value === undefined
      ? row([target.name, target.goal, 'not measured', ''])
      : row([target.name, target.goal, target.format(value), target.met(value) ? 'met' : '**missed**'])
  })
  rows.push(
    row([
      'gateway start-up to first answer',
      `< ${startupGoalMs} ms`,
      `${Math.round(startupMs)} ms`,
      startupMs < startupGoalMs ? 'met' : '**missed**',
    ]),
  )
  return ['| target | goal | measured | |', '| --- | --- | ---: | --- |', ...rows].join('\n')
}
