/**
 * A small supergraph around the gateway, all on loopback ports: two test subgraphs that reference
 * `ClientSession` (`users` by its user identifier key, `bookings` by its ID), and Apollo's federation
 * gateway (`@apollo/gateway` with a static supergraph, served by `@apollo/server`) in front of them
 * and of the gateway under test.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import { composeServices } from '@apollo/composition'
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway'
import { ApolloServer } from '@apollo/server'
import { startStandaloneServer } from '@apollo/server/standalone'
import { buildSubgraphSchema } from '@apollo/subgraph'
import { type GraphQLSchema, parse } from 'graphql'
import { createYoga } from 'graphql-yoga'

import { printGatewaySchema } from '../../src/schema/print.js'
import type { GraphQLAnswer } from './harness.js'

/** A users service: its users are Seam client sessions' user identifier keys. */
export const usersSdl = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

  type Query {
    users(ids: [ID!]!): [User!]!
  }

  type User @key(fields: "id") {
    id: ID!
    name: String!
    "The user's Seam client session, named by the user's own ID."
    clientSession: ClientSession
  }

  type ClientSession @key(fields: "userIdentifierKey", resolvable: false) {
    userIdentifierKey: String
  }
`

/** A bookings service that stores the ID of the client session it handed out. */
export const bookingsSdl = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

  type Query {
    bookings: [Booking!]!
  }

  type Booking @key(fields: "id") {
    id: ID!
    room: String!
    clientSession: ClientSession
  }

  type ClientSession @key(fields: "clientSessionId", resolvable: false) {
    clientSessionId: ID!
  }
`

export interface Booking {
  id: string
  room: string
  clientSessionId: string
}

function usersSchema(): GraphQLSchema {
  return buildSubgraphSchema({
    typeDefs: parse(usersSdl),
    resolvers: {
      Query: { users: (_: unknown, { ids }: { ids: string[] }) => ids.map((id) => ({ id, name: `User ${id}` })) },
      User: { clientSession: ({ id }: { id: string }) => ({ userIdentifierKey: id }) },
    },
  })
}

function bookingsSchema(bookings: Booking[]): GraphQLSchema {
  return buildSubgraphSchema({
    typeDefs: parse(bookingsSdl),
    resolvers: {
      Query: { bookings: () => bookings },
      Booking: { clientSession: ({ clientSessionId }: Booking) => ({ clientSessionId }) },
    },
  })
}

/** The three subgraphs, as composition takes them. */
export function subgraphDefinitions(urls: { seam?: string; users?: string; bookings?: string } = {}) {
  return [
    { name: 'seam', typeDefs: parse(printGatewaySchema()), url: urls.seam ?? 'http://seam.invalid/graphql' },
    { name: 'users', typeDefs: parse(usersSdl), url: urls.users ?? 'http://users.invalid/graphql' },
    { name: 'bookings', typeDefs: parse(bookingsSdl), url: urls.bookings ?? 'http://bookings.invalid/graphql' },
  ]
}

async function serveSubgraph(schema: GraphQLSchema): Promise<{ url: string; server: Server }> {
  const server = createServer(createYoga({ schema, logging: false }))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/graphql`, server }
}

/** The headers a federation gateway must pass on to the Seam subgraph. */
const propagatedHeaders = ['authorization', 'seam-workspace'] as const

interface FederationContext {
  headers: Record<string, string | string[] | undefined>
}

export interface Supergraph {
  url: string
  graphql(query: string, headers?: Record<string, string>): Promise<GraphQLAnswer>
  close(): Promise<void>
}

/** Starts the test subgraphs and a federation gateway over them and the gateway at `seamUrl`. */
export async function startSupergraph(seamUrl: string, bookings: Booking[]): Promise<Supergraph> {
  const users = await serveSubgraph(usersSchema())
  const bookingsService = await serveSubgraph(bookingsSchema(bookings))
  const composed = composeServices(
    subgraphDefinitions({ seam: seamUrl, users: users.url, bookings: bookingsService.url }),
  )
  if (composed.errors !== undefined) throw new Error(composed.errors.map((error) => error.message).join('\n'))

  const gateway = new ApolloGateway({
    supergraphSdl: composed.supergraphSdl,
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<FederationContext>({
        ...(url !== undefined && { url }),
        willSendRequest({ request, context }) {
          for (const name of propagatedHeaders) {
            const value = context.headers?.[name]
            if (typeof value === 'string') request.http?.headers.set(name, value)
          }
        },
      }),
  })
  const server = new ApolloServer<FederationContext>({ gateway })
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ headers: req.headers }),
  })

  return {
    url,
    async graphql(query, headers = {}) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query }),
      })
      const text = await response.text()
      return { status: response.status, headers: response.headers, text, body: JSON.parse(text) }
    },
    async close() {
      await server.stop()
      for (const { server: subgraph } of [users, bookingsService]) {
        const closed = new Promise((resolve) => subgraph.close(resolve))
        subgraph.closeAllConnections()
        await closed
      }
    },
  }
}
