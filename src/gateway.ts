/**
 * createGateway(options): the yoga instance that serves the schema, and the Seam client it calls.
 */
import { createYoga, maskError, type YogaServerInstance } from 'graphql-yoga'
import { GraphQLError } from 'graphql'

import { createContextFactory, type GatewayContext } from './context.js'
import { useGraphQLErrorCodes } from './plugins/use-graphql-error-codes.js'
import { schema } from './schema/index.js'
import { SeamClient } from './seam/client.js'
import type { SeamCredential } from './seam/credentials.js'
import { toGraphQLError } from './seam/errors.js'

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
  /** Serve GraphiQL to browsers on the GraphQL endpoint. Default true. */
  graphiql?: boolean
}

export interface Gateway {
  yoga: YogaServerInstance<Record<string, never>, GatewayContext>
  /** Closes the upstream connection pool. */
  close(): Promise<void>
}

export function createGateway(options: GatewayOptions): Gateway {
  const seamClient = new SeamClient({ endpoint: options.seamEndpoint, timeoutMs: options.upstreamTimeoutMs })
  const yoga = createYoga<Record<string, never>, GatewayContext>({
    schema,
    context: createContextFactory(seamClient, options.serverCredential),
    graphiql: options.graphiql ?? true,
    plugins: [useGraphQLErrorCodes()],
    maskedErrors: {
      // Upstream failures become coded errors here; anything else unexpected stays masked.
      maskError: (error, message, isDev) =>
        (error instanceof GraphQLError ? toGraphQLError(error) : undefined) ?? maskError(error, message, isDev),
    },
  })
  return { yoga, close: () => seamClient.close() }
}
