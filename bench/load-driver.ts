/**
 * One load run, in its own process (so it can be pinned away from the server it measures): autocannon
 * drives the request, and latencies are kept here in microseconds, because autocannon's own histogram
 * keeps whole milliseconds and the numbers compared here are a few milliseconds each.
 *
 * Usage: load-driver.ts '<LoadRun as JSON>'; prints `{"started":true}` as the load begins, then one
 * LoadResult, each as a line of JSON.
 */
import autocannon from 'autocannon'
import * as hdr from 'hdr-histogram-js'

export interface LoadRun {
  url: string
  headers: Record<string, string>
  body: string
  /** autocannon writes a new value in place of each `[<id>]` of the body, request by request. */
  idReplacement: boolean
  connections: number
  durationS: number
}

export interface LoadResult {
  requestsPerSecond: number
  /** Undefined when no request succeeded. */
  p50Ms?: number
  p99Ms?: number
  /** Answers with a 2xx status. */
  ok: number
  /** Answers with another status, and connection errors and timeouts. */
  failed: number
}

const run = JSON.parse(process.argv[2] ?? '') as LoadRun
const latencyUs = hdr.build({
  lowestDiscernibleValue: 1,
  highestTrackableValue: 60_000_000,
  numberOfSignificantValueDigits: 3,
})

console.log(JSON.stringify({ started: true }))
const instance = autocannon(
  {
    url: run.url,
    method: 'POST',
    headers: run.headers,
    body: run.body,
    idReplacement: run.idReplacement,
    connections: run.connections,
    duration: run.durationS,
  },
  (error, result) => {
    if (error) throw error
    const ok = result['2xx']
    const answer: LoadResult = {
      requestsPerSecond: ok / result.duration,
      ...(ok > 0 && {
        p50Ms: latencyUs.getValueAtPercentile(50) / 1000,
        p99Ms: latencyUs.getValueAtPercentile(99) / 1000,
      }),
      ok,
      failed: result.non2xx + result.errors + result.timeouts,
    }
    console.log(JSON.stringify(answer))
  },
)
instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
  if (statusCode >= 200 && statusCode < 300) latencyUs.recordValue(Math.max(1, Math.round(responseTimeMs * 1000)))
})
