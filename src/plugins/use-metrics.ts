/**
 * Prometheus metrics at `/metrics`, on a registry of this gateway's own (two gateways in one process
 * keep apart, and a host application's default registry is left alone).
 *
 * `@graphql-yoga/plugin-prometheus` supplies the timings: HTTP request duration, GraphQL phases, and
 * the use of deprecated fields. It cannot say how an operation ended, which codes its errors carried
 * or what it asked of Seam, so this plugin adds those as prom-client counters and a histogram, read
 * from the final result (codes included, after ./use-error-codes.ts) and from the upstream calls the
 * context recorded.
 *
 * A request the lean lane serves (../lean-lane.ts) passes no plugin: `lane()` records it in the same
 * series, the Prometheus plugin's included, by the same rules (see laneMetrics below).
 */
import { createHash, timingSafeEqual } from 'node:crypto'

import { usePrometheus } from '@graphql-yoga/plugin-prometheus'
import {
  type DocumentNode,
  getOperationAST,
  type GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql'
import type { Plugin } from 'graphql-yoga'
import { Counter, Histogram, type Metric, Registry, Summary } from 'prom-client'

import type { GatewayContext } from '../context.js'
import type { LaneExchange, LaneTelemetry } from '../lane-telemetry.js'
import type { RefusedRequest } from '../listener-refusal.js'
import type { PreparedOperation } from '../prepared/prepared-operations.js'

export interface MetricsOptions {
  /**
   * When set, a scrape must send `Authorization: Bearer <token>`; others get 401. Without it, anyone who
   * can reach the gateway can read its metrics.
   */
  token?: string | undefined
  /** Where the metrics are served. Default `/metrics`; `false` to serve none and scrape `registry` yourself. */
  path?: string | false
  /** The registry the metrics go to. Default: a new one for this gateway. */
  registry?: Registry
}

interface Operation {
  operationName: string
  operationType: string
}

/** Before the document parses there is no operation: such requests are counted under this one. */
const noOperation: Operation = { operationName: '', operationType: 'none' }

/**
 * The label is the name of an operation in the document, never the `operationName` a request merely
 * claims: a name that matches nothing would let any client mint new series, which are kept forever.
 */
function operationNameLabel(name: string | undefined): string {
  return name ?? 'anonymous'
}

function tokenMatcher(token: string): (authorization: string | null) => boolean {
  // Compared as digests, so the comparison takes the same time whatever the length of the guess.
  const digest = (value: string) => createHash('sha256').update(value).digest()
  const expected = digest(`Bearer ${token}`)
  return (authorization) => authorization !== null && timingSafeEqual(digest(authorization), expected)
}

export interface GatewayMetrics {
  plugin: Plugin
  /** Counts a request the listener refused before either lane saw it. */
  countRefused(refused: Pick<RefusedRequest, 'errorCode'>): void
  /** Counts a rate-limit decision this replica made alone, in memory, because Redis did not answer. */
  countLocalRateLimitDecision(): void
  /**
   * What records the requests the lean lane serves, in the same series as `plugin` records yoga's: call
   * it once yoga is created (the Prometheus plugin registers its series then), with yoga's schema.
   */
  lane(schema: GraphQLSchema): LaneTelemetry
}

export function useMetrics({
  token,
  path = '/metrics',
  registry = new Registry(),
}: MetricsOptions = {}): GatewayMetrics {
  const requests = new Counter({
    name: 'graphql_gateway_requests_total',
    help: 'GraphQL requests, by operation and outcome (success: no errors; error: at least one).',
    labelNames: ['operationName', 'operationType', 'outcome'] as const,
    registers: [registry],
  })
  const errors = new Counter({
    name: 'graphql_gateway_errors_total',
    help: 'Errors in GraphQL responses, by extensions.code and operation.',
    labelNames: ['code', 'operationName'] as const,
    registers: [registry],
  })
  const upstreamCalls = new Counter({
    name: 'seam_upstream_requests_total',
    help: 'Calls to the Seam API, by endpoint, HTTP status ("none" when Seam did not answer) and outcome (success or the error code).',
    labelNames: ['endpoint', 'status', 'outcome'] as const,
    registers: [registry],
  })
  const upstreamRetries = new Counter({
    name: 'seam_upstream_retries_total',
    help: 'Attempts beyond the first of calls to the Seam API (reads retried after a connection error, 502/503/504 or 429), by endpoint.',
    labelNames: ['endpoint'] as const,
    registers: [registry],
  })
  const upstreamDuration = new Histogram({
    name: 'seam_upstream_request_duration_seconds',
    help: 'Duration of calls to the Seam API, retries and the waits between them included, by endpoint and HTTP status.',
    labelNames: ['endpoint', 'status'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })

  const localRateLimitDecisions = new Counter({
    name: 'graphql_gateway_rate_limit_local_decisions_total',
    help: 'Rate-limit decisions this replica made alone, in memory, because Redis (REDIS_URL) did not answer.',
    registers: [registry],
  })

  const operations = new WeakMap<object, Operation>()
  /** Requests whose results were counted per operation; the rest never got that far. */
  const counted = new WeakSet<Request>()
  const authorized = token === undefined ? () => true : tokenMatcher(token)

  function countUpstreamCalls(calls: GatewayContext['upstreamCalls'] = []): void {
    for (const call of calls) {
      const status = call.status === undefined ? 'none' : String(call.status)
      const outcome = call.errorCode ?? 'success'
      upstreamCalls.inc({ endpoint: call.endpoint, status, outcome })
      if (call.attempts > 1) upstreamRetries.inc({ endpoint: call.endpoint }, call.attempts - 1)
      upstreamDuration.observe({ endpoint: call.endpoint, status }, call.durationMs / 1000)
    }
  }

  /** One answer: its outcome, and each of its errors by code. */
  function count(operation: Operation, answerErrors: readonly Pick<GraphQLError, 'extensions'>[] = []): void {
    // Spelled out: prom-client reads a spread copy of the labels about four times slower.
    requests.inc({
      operationName: operation.operationName,
      operationType: operation.operationType,
      outcome: answerErrors.length === 0 ? 'success' : 'error',
    })
    for (const error of answerErrors) {
      const code = error.extensions?.['code']
      errors.inc({ code: typeof code === 'string' ? code : 'UNKNOWN', operationName: operation.operationName })
    }
  }

  const plugin: Plugin = {
    onPluginInit: ({ addPlugin }) => {
      addPlugin(
        usePrometheus({
          registry,
          endpoint: false,
          // Counted above, with the outcome and the code.
          metrics: {
            graphql_envelop_request: false,
            graphql_envelop_error_result: false,
            graphql_envelop_phase_subscribe: false,
            graphql_envelop_schema_change: false,
            // Labelled with the operationName the request claims, before the document is known: any client
            // could mint series. Parsing is served from yoga's cache anyway.
            graphql_envelop_phase_parse: false,
          },
          // The URL would make a series per query string, and a GET query's variables would show.
          labels: { url: false },
        }),
      )
    },
    // Not async: every other request passes straight through, without a promise of its own.
    onRequest: ({ url, request, fetchAPI, endResponse }) => {
      if (path === false || url.pathname !== path) return
      if (!authorized(request.headers.get('authorization'))) {
        endResponse(new fetchAPI.Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer' } }))
        return
      }
      return registry.metrics().then((text) => {
        endResponse(new fetchAPI.Response(text, { headers: { 'content-type': registry.contentType } }))
      })
    },
    onParse:
      ({ context }) =>
      ({ result }) => {
        if (result instanceof Error || result === null) return
        const operation = getOperationAST(result, context.params.operationName)
        operations.set(context, {
          operationName: operationNameLabel(operation?.name?.value),
          operationType: operation?.operation ?? 'unknown',
        })
      },
    onExecutionResult: ({ request, result, context }) => {
      if (result === undefined || Symbol.asyncIterator in result) return
      counted.add(request)
      count(operations.get(context) ?? unparsed, result.errors)
      // Absent when the request failed before its context was built (a document that does not parse).
      countUpstreamCalls((context as Partial<GatewayContext>).upstreamCalls)
    },
    // Requests refused before any operation ran (malformed, CSRF): they still count, with their codes.
    onResultProcess: ({ request, result }) => {
      if (counted.has(request) || Symbol.asyncIterator in result) return
      for (const each of Array.isArray(result) ? result : [result]) count(noOperation, each.errors)
    },
  }
  return {
    plugin,
    // As a request that yoga refuses before any operation is counted: no operation, one error, its code.
    countRefused: ({ errorCode }) => count(noOperation, [{ extensions: { code: errorCode } }]),
    countLocalRateLimitDecision: () => localRateLimitDecisions.inc(),
    lane: (schema) => {
      const operationsPrepared = new WeakMap<PreparedOperation, Operation>()
      return laneMetrics(registry, schema, (exchange) => {
        const { operation, result, context } = exchange
        let counted = unparsed
        if (operation !== undefined) {
          let labels = operationsPrepared.get(operation)
          if (labels === undefined) {
            labels = { operationName: operationNameLabel(operation.name), operationType: operation.type }
            operationsPrepared.set(operation, labels)
          }
          counted = labels
        }
        count(counted, result?.errors)
        countUpstreamCalls(context?.upstreamCalls)
      })
    },
  }
}

/** Where a request whose document does not parse is counted, on either lane: no operation could be named. */
const unparsed: Operation = { operationName: operationNameLabel(undefined), operationType: 'unknown' }

/** The Prometheus plugin's metrics the lane records in, by name, as the plugin registered them. */
function registered<M extends Metric>(registry: Registry, name: string, type: abstract new (...args: never[]) => M): M {
  const metric = registry.getSingleMetric(name)
  if (!(metric instanceof type)) throw new Error(`The Prometheus plugin registered no ${name} in this registry.`)
  return metric
}

interface DeprecatedField {
  fieldName: string
  typeName: string
}

/** The labels of the Prometheus plugin's phase series, and of each deprecated field's count. */
interface DocumentLabels {
  phase: { operationName: string; operationType: string }
  deprecated: { operationName: string; operationType: string; fieldName: string; typeName: string }[]
}

// Type aliases, not interfaces: prom-client takes a record of labels, which an interface is not.
type HttpLabels = { method: string; statusCode: number; operationType: string; operationName: string }

/** The deprecated fields and arguments a document selects, found as the Prometheus plugin finds them. */
function deprecatedFieldsOf(document: DocumentNode, typeInfo: TypeInfo): DeprecatedField[] {
  const found: DeprecatedField[] = []
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument: () => {
        const argument = typeInfo.getArgument()
        const field = typeInfo.getFieldDef()
        if (field && argument?.deprecationReason != null) found.push({ fieldName: argument.name, typeName: field.name })
      },
      Field: () => {
        const field = typeInfo.getFieldDef()
        if (field?.deprecationReason != null) {
          found.push({ fieldName: field.name, typeName: typeInfo.getParentType()?.name || '' })
        }
      },
    }),
  )
  return found
}

/**
 * The Prometheus plugin's series for a request the lean lane served, as the plugin records one yoga
 * served: the phase histograms (validate: the document's preparation, usually a cache hit; context;
 * execute), the operation's duration histogram and summary, the deprecated fields, and the HTTP duration,
 * each only when yoga's request would have reached that phase. The labels follow the plugin's rules,
 * which are not ours: the phases name the operation the request claims, or else the document's first
 * definition; the HTTP duration names the operation that runs. The deprecated fields of a document are
 * found once, not per request.
 */
function laneMetrics(
  registry: Registry,
  schema: GraphQLSchema,
  countOurs: (exchange: LaneExchange) => void,
): LaneTelemetry {
  const validatePhase = registered(registry, 'graphql_envelop_phase_validate', Histogram)
  const contextPhase = registered(registry, 'graphql_envelop_phase_context', Histogram)
  const executePhase = registered(registry, 'graphql_envelop_phase_execute', Histogram)
  const operationDuration = registered(registry, 'graphql_envelop_request_duration', Histogram)
  const operationSummary = registered(registry, 'graphql_envelop_request_time_summary', Summary)
  const deprecatedFields = registered(registry, 'graphql_envelop_deprecated_field', Counter)
  const httpDuration = registered(registry, 'graphql_yoga_http_duration', Histogram)
  const typeInfo = new TypeInfo(schema)
  const seconds = (milliseconds: number) => milliseconds / 1000

  /**
   * A document's label sets, by the operation name the request gave (one the document holds, or none:
   * the lane serves no other), worked out on its first request instead of on each.
   */
  const documentsLabels = new WeakMap<DocumentNode, Map<string, DocumentLabels>>()
  function documentLabels(document: DocumentNode, claimedName: string | undefined): DocumentLabels {
    let byClaimedName = documentsLabels.get(document)
    if (byClaimedName === undefined) {
      byClaimedName = new Map()
      documentsLabels.set(document, byClaimedName)
    }
    const key = claimedName || ''
    let found = byClaimedName.get(key)
    if (found === undefined) {
      const first = document.definitions[0] as OperationDefinitionNode | undefined
      const phase = {
        operationName: claimedName || first?.name?.value || 'Anonymous',
        operationType: first?.operation as string,
      }
      const deprecated = deprecatedFieldsOf(document, typeInfo).map((field) => ({ ...phase, ...field }))
      found = { phase, deprecated }
      byClaimedName.set(key, found)
    }
    return found
  }

  /** The HTTP duration's label sets of an operation, by status. */
  const operationsHttpLabels = new WeakMap<PreparedOperation, Map<number, HttpLabels>>()
  function httpLabels(operation: PreparedOperation, status: number): HttpLabels {
    let byStatus = operationsHttpLabels.get(operation)
    if (byStatus === undefined) {
      byStatus = new Map()
      operationsHttpLabels.set(operation, byStatus)
    }
    let found = byStatus.get(status)
    if (found === undefined) {
      // In the plugin's order, which is the order a scrape shows.
      found = {
        method: 'POST',
        statusCode: status,
        operationType: operation.type,
        operationName: operation.name || 'Anonymous',
      }
      byStatus.set(status, found)
    }
    return found
  }

  return {
    answered: (exchange) => {
      countOurs(exchange)
      const { document, operation } = exchange
      if (document === undefined || operation === undefined) return
      const { phase: labels, deprecated } = documentLabels(document, exchange.operationName)
      for (const fieldLabels of deprecated) deprecatedFields.inc(fieldLabels)
      validatePhase.observe(labels, seconds(exchange.preparedAt - exchange.startedAt))
      if (exchange.context !== undefined) contextPhase.observe(labels, seconds(exchange.contextMs))
      const { executeStartedAt, executeEndedAt } = exchange
      if (executeStartedAt !== undefined && executeEndedAt !== undefined) {
        executePhase.observe(labels, seconds(executeEndedAt - executeStartedAt))
        operationDuration.observe(labels, seconds(executeEndedAt - executeStartedAt))
        operationSummary.observe(labels, seconds(executeEndedAt - exchange.startedAt))
      }
      httpDuration.observe(httpLabels(operation, exchange.status), seconds(performance.now() - exchange.startedAt))
    },
  }
}
