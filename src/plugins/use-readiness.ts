/**
 * `/ready`, for load balancers and orchestrators: 503 while the gateway shuts down, otherwise 200
 * with whether Seam answers its own `/health`.
 *
 * An unreachable Seam does not make the gateway unready: every replica shares the one upstream, and
 * taking them all out of rotation would turn the gateway's clean `UPSTREAM_UNAVAILABLE` answers into a
 * load balancer's error page. The body says it, for dashboards and alerts.
 *
 * `/ready` never waits for Seam: it answers with the last result of a probe that runs in the
 * background, once per interval (`"unknown"` until the first one has finished). A probe waiting on a
 * Seam that does not answer would otherwise outlast the orchestrator's probe timeout (Kubernetes: 1 s)
 * and take every replica out of rotation at once. The probing starts with the first `/ready`: a
 * gateway that nobody probes (embedded, or in a test) sends Seam nothing. Nothing on the GraphQL path
 * waits for it. (`/health`, yoga's own, answers 200 for as long as the process runs.)
 */
import type { Plugin } from 'graphql-yoga'

export interface ReadinessOptions {
  /** True once shutdown has begun. */
  isShuttingDown: () => boolean
  /** Whether Seam answers, within at most `probeIntervalMs`; must not throw, and gives up when `signal` aborts. */
  probeUpstream: (signal: AbortSignal) => Promise<boolean>
  /** How often Seam is probed, in milliseconds. */
  probeIntervalMs: number
  /**
   * Whether the Redis of REDIS_URL is connected, when one is set. Like Seam's, its absence never makes the
   * gateway unready: without it, each replica counts its rate limits alone.
   */
  redisStatus?: (() => RedisStatus) | undefined
}

export type RedisStatus = 'ok' | 'unreachable'

export type UpstreamStatus = 'unknown' | 'reachable' | 'unreachable'

export interface Readiness {
  plugin: Plugin
  /** Stops the background probe and abandons the one in flight. */
  stop(): void
}

/** The last answer of a probe run every `intervalMs` from the first `current()` on, one at a time. */
function backgroundProbe(probe: (signal: AbortSignal) => Promise<boolean>, intervalMs: number) {
  let status: UpstreamStatus = 'unknown'
  let timer: ReturnType<typeof setInterval> | undefined
  let running: AbortController | undefined
  let stopped = false

  const run = () => {
    // A probe is bounded by the interval, but a timer may fire a little early: never two at once.
    if (running !== undefined) return
    const controller = new AbortController()
    running = controller
    probe(controller.signal)
      .catch(() => false)
      .then((reachable) => {
        running = undefined
        if (!controller.signal.aborted) status = reachable ? 'reachable' : 'unreachable'
      })
  }

  return {
    current(): UpstreamStatus {
      if (timer === undefined && !stopped) {
        run()
        // Unref'd: the probe never keeps a process alive that has nothing else to do.
        timer = setInterval(run, intervalMs).unref()
      }
      return status
    },
    stop(): void {
      stopped = true
      clearInterval(timer)
      running?.abort()
    },
  }
}

/** A new object each time: the Response ponyfill writes content-length into the one it is given. */
const jsonHeaders = () => ({ 'content-type': 'application/json; charset=utf-8' })

export function useReadiness({
  isShuttingDown,
  probeUpstream,
  probeIntervalMs,
  redisStatus,
}: ReadinessOptions): Readiness {
  const upstream = backgroundProbe(probeUpstream, probeIntervalMs)
  return {
    plugin: {
      // Not yoga's useReadinessCheck: besides comparing the path, it tests every request against a
      // URLPattern, which Node 20 does not have; the polyfill cost 1.8 % of the gateway's CPU under load.
      onRequest({ url, endResponse, fetchAPI }) {
        if (url.pathname !== '/ready') return
        const [status, body] = isShuttingDown()
          ? [503, { status: 'shutting_down' }]
          : [
              200,
              {
                status: 'ready',
                upstream: upstream.current(),
                ...(redisStatus !== undefined && { redis: redisStatus() }),
              },
            ]
        endResponse(new fetchAPI.Response(JSON.stringify(body), { status, headers: jsonHeaders() }))
      },
      // While draining, keep-alive clients are told to take their next request elsewhere.
      onResponse({ response }) {
        if (isShuttingDown()) response.headers.set('connection', 'close')
      },
    },
    stop: upstream.stop,
  }
}
