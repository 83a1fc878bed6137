/**
 * The peer's schema: the gateway's types for the operations the benchmark sends (see ../../schema.graphql),
 * without descriptions. `_entities` is a plain field with federation's arguments and result type:
 * Mercurius 16 moved federation to a package of its own, and the benchmark only needs the field's shape.
 */
export const typeDefs = /* GraphQL */ `
  scalar DateTime
  scalar _Any

  type ClientSession {
    clientSessionId: ID!
    workspaceId: ID!
    createdAt: DateTime!
    expiresAt: DateTime!
    token: String!
    userIdentifierKey: String
    deviceCount: Float!
    connectedAccountIds: [ID!]!
    connectWebviewIds: [ID!]!
    userIdentityId: ID
    userIdentityIds: [ID!]! @deprecated(reason: "Use \`userIdentityId\` instead.")
    customerKey: String
  }

  union _Entity = ClientSession

  input ClientSessionsFilter {
    clientSessionId: ID
    connectWebviewId: ID
    userIdentifierKey: String
    userIdentityId: ID
    withoutUserIdentifierKey: Boolean
  }

  input GrantClientSessionAccessInput {
    clientSessionId: ID
    connectWebviewIds: [ID!]
    connectedAccountIds: [ID!]
    userIdentifierKey: String
    userIdentityId: ID
    userIdentityIds: [ID!] @deprecated(reason: "Use \`userIdentityId\`.")
  }

  type GrantClientSessionAccessPayload {
    clientSession: ClientSession!
  }

  type Query {
    clientSession(clientSessionId: ID, userIdentifierKey: String): ClientSession
    clientSessions(filter: ClientSessionsFilter): [ClientSession!]!
    _entities(representations: [_Any!]!): [_Entity]!
  }

  type Mutation {
    grantClientSessionAccess(input: GrantClientSessionAccessInput!): GrantClientSessionAccessPayload!
  }
`
