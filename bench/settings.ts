/**
 * The benchmark's knobs, from the environment. The defaults make `npm run bench` take about twelve minutes;
 * BENCH_QUICK=1 makes it a smoke test of a few seconds per scenario.
 */

export interface Settings {
  /** Seconds of each measured run of the main table. */
  durationS: number
  /** Rounds of the main table; each round runs the baseline, then the gateway, for every scenario. */
  rounds: number
  /**
   * Each round after the first on servers started again and warmed up (BENCH_FRESH_PROCESSES, default 1;
   * 0 keeps one process per server for the whole run, about three minutes quicker).
   */
  freshProcesses: boolean
  /** Seconds of each run of the cost-growth table (one round). */
  growthDurationS: number
  /** Seconds of load on each server and main scenario before measuring, so the JIT has done its work. */
  warmupS: number
  /**
   * Seconds of load, not measured, right before each measured run: a server that sat idle through the
   * other servers' runs has had its heap shrunk by V8 meanwhile, and would pay for growing it again.
   */
  runWarmupS: number
  connections: number
  /**
   * Connections of the cost-growth runs. Default 1: one request at a time shows what a request costs,
   * with no queueing behind other requests in the numbers.
   */
  growthConnections: number
  /** `server`: the gateway holds SEAM_API_KEY; `header`: each request brings its Authorization. */
  credential: 'server' | 'header'
  /** Only the scenarios whose name contains one of these (BENCH_SCENARIOS, comma-separated); all when undefined. */
  scenarios: string[] | undefined
}

/** A whole number of at least 1 from the environment variable `name`, or the fallback when it is unset. */
export function whole(name: string, fallback: number): number {
  const value = process.env[name]?.trim()
  if (value === undefined || value === '') return fallback
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new Error(`${name} must be a whole number from 1, not "${value}"`)
  return Number(value)
}

export function readSettings(): Settings {
  const quick = process.env['BENCH_QUICK'] === '1'
  const credential = process.env['BENCH_CREDENTIAL'] ?? 'server'
  if (credential !== 'server' && credential !== 'header') {
    throw new Error(`BENCH_CREDENTIAL must be "server" or "header", not "${credential}"`)
  }
  return {
    durationS: whole('BENCH_DURATION_S', quick ? 1 : 4),
    // An even number: rounds alternate the order of the servers (./run.ts), so each order counts as often.
    rounds: whole('BENCH_ROUNDS', quick ? 1 : 4),
    freshProcesses: process.env['BENCH_FRESH_PROCESSES'] !== '0',
    growthDurationS: whole('BENCH_GROWTH_DURATION_S', quick ? 1 : 2),
    // After 1 s, the gateways' first round still came out 5-10 % below their later ones (code not yet optimised).
    warmupS: whole('BENCH_WARMUP_S', quick ? 1 : 3),
    runWarmupS: whole('BENCH_RUN_WARMUP_S', 1),
    connections: whole('BENCH_CONNECTIONS', 32),
    growthConnections: whole('BENCH_GROWTH_CONNECTIONS', 1),
    credential,
    scenarios: process.env['BENCH_SCENARIOS']
      ?.split(',')
      .map((name) => name.trim())
      .filter((name) => name !== ''),
  }
}
