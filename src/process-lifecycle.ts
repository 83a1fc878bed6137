/**
 * What `npm start` and `npm run demo` share as processes: a bad setting or a taken port ends the
 * process with one line that says why (no stack trace), and SIGINT/SIGTERM close everything, then exit 0:
 * the server stops accepting, requests in flight finish within SHUTDOWN_DRAIN_MS. A second signal
 * during the drain ends the process at once (Node's default, as the handlers are `once`).
 */
import { type Config, ConfigError, loadConfig } from './config.js'
import { type Gateway, type GatewayDependencies, optionalModulesFor } from './gateway.js'
import { listen, type RunningServer } from './server.js'

function exit(message: string): never {
  console.error(message)
  process.exit(1)
}

/** What `make` gives; a ConfigError ends the process with its message (a bad setting, a trusted document that cannot run). */
export function orExit<T>(make: () => T): T {
  try {
    return make()
  } catch (error) {
    if (error instanceof ConfigError) exit(`Configuration error: ${error.message}`)
    throw error
  }
}

export function loadConfigOrExit(): Config {
  return orExit(() => loadConfig())
}

/**
 * The metrics and tracing plugins when the configuration turns either on, and authentication, rate limits
 * and Redis when it asks for one of them; nothing otherwise: prom-client and OpenTelemetry are a quarter of
 * start-up, jose, rate-limiter-flexible and ioredis ~130 ms and ~30 MiB, so they are loaded only when
 * asked for.
 */
export async function dependenciesFor(config: Config): Promise<GatewayDependencies> {
  const needed = optionalModulesFor(config)
  const [observability, accessControl] = await Promise.all([
    needed.observability ? import('./observability.js') : undefined,
    needed.accessControl ? import('./access-control.js') : undefined,
  ])
  return {
    ...(observability !== undefined && { observability }),
    ...(accessControl !== undefined && { accessControl }),
  }
}

export function listenOrExit(
  gateway: Gateway,
  { port, host, shutdownDrainMs, keepAliveTimeoutMs }: Config,
): Promise<RunningServer> {
  return listen(gateway, port, host, { drainMs: shutdownDrainMs, keepAliveTimeoutMs }).catch(
    (error: NodeJS.ErrnoException) =>
      exit(`Cannot listen on HOST=${host} PORT=${port}: ${error.code ?? error.message}`),
  )
}

export function closeOnSignals(close: () => Promise<unknown>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      close().then(
        () => process.exit(0),
        (error: unknown) => exit(`Could not close cleanly: ${error instanceof Error ? error.message : String(error)}`),
      )
    })
  }
}
