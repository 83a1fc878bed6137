/**
 * createGateway(options): the yoga instance that serves the schema, and the Seam client it calls.
 */
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention'
import { createYoga, type GraphiQLOptions, type YogaLogger, type YogaServerInstance } from 'graphql-yoga'

import { createContextFactory, type GatewayContext } from './context.js'
import { useErrorCodes } from './plugins/use-error-codes.js'
import { schema } from './schema/index.js'
import { SeamClient } from './seam/client.js'
import type { SeamCredential } from './seam/credentials.js'

export interface GatewayOptions {
  /** Origin of the Seam API. */
  seamEndpoint: string
  /** Overall time budget of one upstream call, in milliseconds. */
  upstreamTimeoutMs: number
  /**
   * A credential held by the server and used for every upstream call; the callers' Authorization is
   * then ignored. Without it, each request forwards its own.
   */
  serverCredential?: SeamCredential | undefined
  /**
   * Serve GraphiQL to browsers on the GraphQL endpoint, optionally with a default query and headers.
   * Default true.
   */
  graphiql?: boolean | GraphiQLOptions
  /**
   * Origins whose browser pages may call the gateway (CORS). Default none: only same-origin pages.
   * `*` allows any origin, and then without credentials.
   */
  corsOrigins?: readonly string[]
  /** Where yoga's own log lines go. Default: the console. */
  logger?: YogaLogger
}

export interface Gateway {
  yoga: YogaServerInstance<Record<string, never>, GatewayContext>
  /** Closes the upstream connection pool. */
  close(): Promise<void>
}

/** yoga's default CORS reflects any Origin and allows credentials; this one allows only what is configured. */
function corsFor(origins: readonly string[]) {
  if (origins.length === 0) return false
  const anyOrigin = origins.includes('*')
  return {
    origin: [...origins],
    credentials: !anyOrigin,
    methods: ['GET', 'POST'],
    allowedHeaders: [
      'authorization',
      'seam-workspace',
      'seam-publishable-key',
      'content-type',
      'accept',
      'x-graphql-yoga-csrf',
    ],
  }
}

/** Parts a host application or a test may supply instead of the defaults. */
export interface GatewayDependencies {
  seamClient?: SeamClient
}

export function createGateway(options: GatewayOptions, dependencies: GatewayDependencies = {}): Gateway {
  const seamClient =
    dependencies.seamClient ?? new SeamClient({ endpoint: options.seamEndpoint, timeoutMs: options.upstreamTimeoutMs })
  const yoga = createYoga<Record<string, never>, GatewayContext>({
    schema,
    context: createContextFactory(seamClient, options.serverCredential),
    graphiql: options.graphiql ?? true,
    // yoga's own page loads GraphiQL from a public CDN and stays on "Loading…" without internet; this one
    // inlines it from the installed package. Loaded on first use: it is 9 MB of script.
    renderGraphiQL: async (graphiqlOptions) =>
      (await import('@graphql-yoga/render-graphiql')).renderGraphiQL({
        title: 'Seam GraphQL gateway',
        ...graphiqlOptions,
      }),
    ...(options.logger !== undefined && { logging: options.logger }),
    cors: corsFor(options.corsOrigins ?? []),
    // Upstream failures get their codes in useErrorCodes; anything else unexpected stays masked.
    // CSRF prevention refuses the requests a browser sends cross-site without a preflight (forms, plain
    // GETs) unless they carry a header only a script can set.
    plugins: [useCSRFPrevention(), useErrorCodes()],
  })
  return { yoga, close: () => seamClient.close() }
}
