/**
 * What the benchmark asks: each scenario is one GraphQL request to the gateway and the raw request that
 * does the same upstream work through the baseline proxy.
 *
 * Every scenario selects the same five fields of ClientSession, the ones `npm run demo`'s example
 * shows: an ID, a nullable string, an ID list, a number and a DateTime (so a custom scalar is
 * serialised too).
 */
import { createHash } from 'node:crypto'

const clientSessionFields = 'clientSessionId userIdentifierKey connectWebviewIds deviceCount expiresAt'
const clientSessionId = '3ada79d3-2848-4320-b2ef-a82e1e6dafac'

/**
 * The servers a scenario runs against: the baseline, the best Node peer (./mercurius-peer/), the gateway
 * as `npm start` runs it (request log on), the same gateway with metrics and tracing on, with its lean
 * lane off (FAST_LANE=false: every request through yoga), with its request log off (LOG_REQUESTS=false: what
 * the log costs), and with a per-caller rate limit and the
 * request sent as a trusted document's id, the limit counted in memory or in Redis. With BENCH_BASELINE, also
 * another checkout's build of the gateway, plain and instrumented, measured in the same rounds.
 */
export type Server =
  | 'raw proxy'
  | 'Mercurius + graphql-jit'
  | 'gateway'
  | 'gateway + metrics + tracing'
  | 'gateway, FAST_LANE=false'
  | 'gateway, LOG_REQUESTS=false'
  | typeof limitedInMemory
  | typeof limitedInRedis
  | typeof baselineGateway
  | typeof baselineInstrumented

export const limitedInMemory = 'gateway + rate limit + trusted document'
export const limitedInRedis = 'gateway + rate limit + trusted document, in Redis'
/** The gateway of another checkout (BENCH_BASELINE), plain and with metrics and tracing: a change against its base. */
export const baselineGateway = 'gateway, baseline build'
export const baselineInstrumented = 'gateway + metrics + tracing, baseline build'
const sendsDocumentIds = new Set<Server>([limitedInMemory, limitedInRedis])

/** The best Node peer: each gateway's req/s is also compared with its req/s in the same round. */
export const peer = 'Mercurius + graphql-jit' satisfies Server

/** A made-up API key: the stub takes any credential, the gateway wants one shaped like Seam's. */
export const benchApiKey = 'seam_bench1_0123456789abcdefBENCHKEY'
/** What every request carries (a gateway with a server-held credential ignores the Authorization). */
export const clientHeaders = { 'content-type': 'application/json', authorization: `Bearer ${benchApiKey}` }

/** A field a scenario needs that not every version of the schema has. */
export type OptionalField = '_entities' | 'clientSessions'

export interface Scenario {
  name: string
  /** The GraphQL request body the gateway gets. */
  graphql: { query: string; variables: Record<string, unknown> }
  /** What the baseline does instead: the upstream path, its body, and how many calls one request makes. */
  baseline: { path: string; body: Record<string, unknown>; fanout: number }
  /** How many sessions the stub's `/client_sessions/list` answers with during this scenario. */
  listSize?: number
  /** When the schema lacks this field, the scenario is skipped rather than failed. */
  needs?: OptionalField
  /**
   * Each request's document is one the server has not seen: the load driver writes a new value in place
   * of `uniqueValueTag` in every request's body (the raw proxy's has none).
   */
  uniqueDocuments?: boolean
  /** Why a successful answer's `data` is not the one expected, or undefined when it is. */
  problemWith(data: Record<string, unknown>): string | undefined
}

function grant(): Scenario {
  return {
    name: 'grantClientSessionAccess',
    graphql: {
      query: `mutation Grant($input: GrantClientSessionAccessInput!) {
  grantClientSessionAccess(input: $input) { clientSession { ${clientSessionFields} } }
}`,
      variables: { input: { clientSessionId, connectWebviewIds: ['dad03fb2-f801-449c-ab88-0529728c7c38'] } },
    },
    baseline: {
      path: '/client_sessions/grant_access',
      body: { client_session_id: clientSessionId, connect_webview_ids: ['dad03fb2-f801-449c-ab88-0529728c7c38'] },
      fanout: 1,
    },
    problemWith: (data) => {
      const payload = data['grantClientSessionAccess'] as { clientSession?: unknown } | null
      return payload?.clientSession == null ? 'no clientSession in the answer' : undefined
    },
  }
}

function clientSessionQuery(): Scenario {
  return {
    name: 'clientSession',
    graphql: {
      query: `query Session($id: ID!) { clientSession(clientSessionId: $id) { ${clientSessionFields} } }`,
      variables: { id: clientSessionId },
    },
    baseline: { path: '/client_sessions/get', body: { client_session_id: clientSessionId }, fanout: 1 },
    problemWith: (data) => (data['clientSession'] == null ? 'clientSession is null' : undefined),
  }
}

/**
 * What a federation router sends to resolve `keys` ClientSessions by their `@key`, which is assumed to
 * be `clientSessionId`. Each key is a distinct session, so nothing can be served from a per-request cache.
 */
export function entities(keys: number): Scenario {
  const ids = Array.from({ length: keys }, (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`)
  return {
    name: `_entities (${keys} ${keys === 1 ? 'key' : 'keys'})`,
    graphql: {
      query: `query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on ClientSession { ${clientSessionFields} } }
}`,
      variables: { representations: ids.map((id) => ({ __typename: 'ClientSession', clientSessionId: id })) },
    },
    baseline: { path: '/client_sessions/get', body: { client_session_id: clientSessionId }, fanout: keys },
    needs: '_entities',
    problemWith: (data) => {
      const found = data['_entities']
      if (!Array.isArray(found) || found.length !== keys) return `_entities is not a list of ${keys}`
      return found.some((entity) => entity == null) ? 'an entity is null' : undefined
    },
  }
}

export function clientSessionsList(size: number): Scenario {
  return {
    name: `clientSessions (${size} sessions)`,
    graphql: { query: `query Sessions { clientSessions { ${clientSessionFields} } }`, variables: {} },
    baseline: { path: '/client_sessions/list', body: {}, fanout: 1 },
    listSize: size,
    needs: 'clientSessions',
    problemWith: (data) => {
      const found = data['clientSessions']
      return Array.isArray(found) && found.length === size ? undefined : `clientSessions is not a list of ${size}`
    },
  }
}

/** What autocannon replaces with a value of its own in each request's body (its `idReplacement`). */
export const uniqueValueTag = '[<id>]'

/**
 * A client that writes the session's key into the text of its query instead of passing it as a variable,
 * as one that builds queries from strings does: every request is a document the server has not seen, to
 * parse and validate (and for graphql-jit, compile) before it runs. What nothing cached can save.
 */
function inlinedClientSession(): Scenario {
  return {
    name: 'clientSession, a new document each request',
    graphql: {
      query: `{ clientSession(userIdentifierKey: "bench_user_${uniqueValueTag}") { ${clientSessionFields} } }`,
      variables: {},
    },
    baseline: { path: '/client_sessions/get', body: { user_identifier_key: 'bench_user_0' }, fanout: 1 },
    uniqueDocuments: true,
    problemWith: (data) => (data['clientSession'] == null ? 'clientSession is null' : undefined),
  }
}

export const grantScenario = grant()
export const clientSessionScenario = clientSessionQuery()
export const entitiesScenario = entities(20)
export const listScenario = clientSessionsList(1000)
export const newDocumentScenario = inlinedClientSession()

/**
 * The scenarios of the main table, run in interleaved rounds, phase after phase. The large list has a
 * phase of its own, after the others: the memory its answers take stays with each server (V8 keeps a
 * grown heap), and would count in the peak RSS of every scenario measured after it. So does the new
 * documents' phase, last: each server keeps up to a thousand documents it has seen.
 */
export const mainPhases: Scenario[][] = [
  [grantScenario, clientSessionScenario, entitiesScenario],
  [listScenario],
  [newDocumentScenario],
]
export const mainScenarios: Scenario[] = mainPhases.flat()

/** How cost grows with the size of a request: run once each, with fewer connections (see settings). */
export const growthScenarios: Scenario[] = [
  entities(1),
  entities(20),
  entities(100),
  clientSessionsList(10),
  clientSessionsList(100),
  clientSessionsList(1000),
]

/** The id of a scenario's document in the trusted-documents manifest: its SHA-256, as Codegen writes it. */
export const documentIdOf = (scenario: Scenario) => createHash('sha256').update(scenario.graphql.query).digest('hex')

/** The manifest of trusted documents (GraphQL Codegen's format) that holds these scenarios' documents. */
export const trustedDocumentsManifest = (scenarios: Scenario[]) =>
  JSON.stringify(Object.fromEntries(scenarios.map((scenario) => [documentIdOf(scenario), scenario.graphql.query])))

/**
 * The HTTP request a scenario makes of one server; `uniqueValues`: the load driver writes a new value in
 * place of each `uniqueValueTag` of the body, request by request.
 */
export function requestFor(scenario: Scenario, server: Server): { path: string; body: string; uniqueValues?: boolean } {
  if (sendsDocumentIds.has(server)) {
    const { variables } = scenario.graphql
    return { path: '/graphql', body: JSON.stringify({ documentId: documentIdOf(scenario), variables }) }
  }
  if (server !== 'raw proxy') {
    const body = JSON.stringify(scenario.graphql)
    return scenario.uniqueDocuments === true
      ? { path: '/graphql', body, uniqueValues: true }
      : { path: '/graphql', body }
  }
  const { path, body, fanout } = scenario.baseline
  return { path: fanout === 1 ? path : `${path}?fanout=${fanout}`, body: JSON.stringify(body) }
}
