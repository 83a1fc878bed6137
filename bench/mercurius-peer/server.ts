/**
 * The benchmark's Node peer: Fastify 5 and Mercurius 16 with graphql-jit, doing the gateway's job for
 * the benchmark's operations (./schema.ts, ./resolvers.ts) against the same upstream. Mercurius keeps
 * parsed and validated documents in its LRU (1,024 by default) and compiles one with graphql-jit on its
 * second use (`jit: 1`). Like the gateway, it writes one log line per answered request (Fastify's own
 * pino logger, to stdout, which the benchmark sends to /dev/null).
 *
 * Run as its own process with UPSTREAM (the upstream's origin) and PORT set. With SEAM_API_KEY set it
 * sends that key upstream, as the gateway with a server-held key does; otherwise each request's
 * Authorization.
 */
import Fastify, { type FastifyRequest, LogController } from 'fastify'
import { DateTimeResolver } from 'graphql-scalars'
import mercurius from 'mercurius'

import { createResolvers, type PeerContext } from './resolvers.js'
import { typeDefs } from './schema.js'
import { createSeam } from './seam.js'

const upstream = process.env['UPSTREAM']
if (upstream === undefined) throw new Error('UPSTREAM is not set')
const serverKey = process.env['SEAM_API_KEY']

function contextOf(request: FastifyRequest): PeerContext {
  const authorization = serverKey === undefined ? request.headers.authorization : `Bearer ${serverKey}`
  if (authorization === undefined) throw new Error('no credential')
  return { authorization }
}

/** Fastify's own "request completed" line (request id, status, response time), without its "incoming request" one. */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}
}

const app = Fastify({ logger: { level: 'info' }, logController: new OneLinePerRequest() })
await app.register(mercurius, {
  schema: typeDefs,
  resolvers: { ...createResolvers(createSeam(upstream)), DateTime: DateTimeResolver },
  jit: 1,
  context: contextOf,
})
await app.listen({ host: '127.0.0.1', port: Number(process.env['PORT'] ?? 0) })
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)))
