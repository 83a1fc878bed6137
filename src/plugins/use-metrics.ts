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
 *
 * Every series labelled by operation name, ours and the plugin's, on either lane, takes its label value
 * from one bound (../bounded-operation-names.ts): clients cannot make the series grow without end.
 */
import { createHash, timingSafeEqual } from 'node:crypto'

import { createCounter, createHistogram, createSummary, usePrometheus } from '@graphql-yoga/plugin-prometheus'
import {
  type DocumentNode,
  getOperationAST,
  type GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql'
import type { Plugin } from 'graphql-yoga'
import { Counter, Histogram, type Metric, Registry, Summary } from 'prom-client'

import { BoundedOperationNames } from '../bounded-operation-names.js'
import type { GatewayContext } from '../context.js'
import { gatewayDefaults } from '../defaults.js'
import type { LaneExchange, LaneTelemetry } from '../lane-telemetry.js'
import type { RefusedRequest } from '../listener-refusal.js'
import type { PreparedOperation } from '../prepared/prepared-operations.js'
import { counterSeries, histogramSeries, summarySeries } from '../prometheus-series.js'

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
  /**
   * How many distinct operation names get series of their own (METRICS_MAX_OPERATION_NAMES, default 100):
   * the first ones seen keep them; the operations of any later new name are counted under
   * `operationName="(other)"`. The trusted documents' operations have theirs besides.
   */
  maxOperationNames?: number
}

/** What the gateway tells the metrics besides the options. */
export interface MetricsSurroundings {
  /** Where the one warning of the bound goes (yoga's logger). */
  warn: (message: string) => void
  /** Documents whose operations have series of their own from the start, beyond the bound: the trusted ones. */
  documentsNamedFirst?: Iterable<DocumentNode | undefined>
}

/** An operation's labels in our series, and its series of `graphql_gateway_requests_total` by outcome. */
interface Operation {
  operationName: string
  operationType: string
  succeeded: (count: number) => void
  failed: (count: number) => void
}

/** The Prometheus plugin's labels of an operation (a type alias: prom-client takes a record, which an interface is not). */
type PluginOperation = { operationName: string; operationType: string }

/**
 * An operation's labels, ours and the Prometheus plugin's (which spells an operation without a name
 * `Anonymous`). The name is the operation's that runs, never the `operationName` a request merely claims
 * nor a fragment's that comes first in the document, and always passes the bound.
 */
interface OperationLabels {
  ours: Operation
  plugin: PluginOperation
}

/** Where a request that names no operation of its document is counted (its document did not parse). */
const unresolvedPlugin: PluginOperation = { operationName: 'Anonymous', operationType: 'unknown' }

/** The operation names of documents (the trusted documents'). */
function operationNamesOf(documents: Iterable<DocumentNode | undefined>): string[] {
  return [...documents].flatMap(
    (document) =>
      document?.definitions.flatMap((definition) =>
        definition.kind === Kind.OPERATION_DEFINITION && definition.name !== undefined ? [definition.name.value] : [],
      ) ?? [],
  )
}

/** The upstream series of an endpoint: its retries, and the rest by status. */
interface EndpointSeries {
  retries: (count: number) => void
  byStatus: Map<number | undefined, StatusSeries>
}

/** The upstream series of an endpoint and status: the durations, and the calls by outcome. */
interface StatusSeries {
  endpoint: string
  status: string
  retries: (count: number) => void
  duration: (seconds: number) => void
  byOutcome: Map<string, (count: number) => void>
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

export function useMetrics(
  { token, path = '/metrics', registry = new Registry(), maxOperationNames }: MetricsOptions = {},
  { warn, documentsNamedFirst = [] }: MetricsSurroundings,
): GatewayMetrics {
  const names = new BoundedOperationNames({
    max: maxOperationNames ?? gatewayDefaults.metricsMaxOperationNames,
    namedFirst: operationNamesOf(documentsNamedFirst),
    warn,
  })
  /** An operation's labels, worked out on its first request instead of on each: its name passes the bound once. */
  const operationsLabels = new WeakMap<OperationDefinitionNode, OperationLabels>()
  function labelsOf(operation: OperationDefinitionNode | null | undefined): OperationLabels {
    if (operation == null) return unresolved
    let found = operationsLabels.get(operation)
    if (found === undefined) {
      const name = operation.name?.value
      found = {
        ours: operationOf(names.label(name ?? 'anonymous'), operation.operation),
        plugin: { operationName: names.label(name ?? 'Anonymous'), operationType: operation.operation },
      }
      operationsLabels.set(operation, found)
    }
    return found
  }
  /** The labels of the operation `operationName` names in `document`, as graphql-js resolves it. */
  const pluginLabels = (document: DocumentNode | undefined, operationName: string | null | undefined) =>
    document === undefined ? unresolved.plugin : labelsOf(getOperationAST(document, operationName)).plugin

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

  /** An operation's labels in our series; its series are found on its first request of each outcome. */
  const operationOf = (operationName: string, operationType: string): Operation => ({
    operationName,
    operationType,
    succeeded: counterSeries(requests, { operationName, operationType, outcome: 'success' }),
    failed: counterSeries(requests, { operationName, operationType, outcome: 'error' }),
  })
  /** Before the document parses there is no operation: such requests are counted under this one. */
  const noOperation = operationOf('', 'none')
  const unresolved: OperationLabels = { ours: operationOf('anonymous', 'unknown'), plugin: unresolvedPlugin }

  const operations = new WeakMap<object, Operation>()
  /** Requests whose results were counted per operation; the rest never got that far. */
  const counted = new WeakSet<Request>()
  const authorized = token === undefined ? () => true : tokenMatcher(token)

  /**
   * The upstream series, by endpoint, status and outcome, each found on its first call. As many as the
   * series themselves, which prom-client keeps anyway: the endpoints are the client's, the statuses
   * HTTP's and the outcomes the error codes.
   */
  const upstreamSeries = new Map<string, EndpointSeries>()
  function statusSeries(endpoint: string, status: number | undefined): StatusSeries {
    let ofEndpoint = upstreamSeries.get(endpoint)
    if (ofEndpoint === undefined) {
      ofEndpoint = { retries: counterSeries(upstreamRetries, { endpoint }), byStatus: new Map() }
      upstreamSeries.set(endpoint, ofEndpoint)
    }
    let found = ofEndpoint.byStatus.get(status)
    if (found === undefined) {
      const statusLabel = status === undefined ? 'none' : String(status)
      found = {
        endpoint,
        status: statusLabel,
        retries: ofEndpoint.retries,
        duration: histogramSeries(upstreamDuration, { endpoint, status: statusLabel }),
        byOutcome: new Map(),
      }
      ofEndpoint.byStatus.set(status, found)
    }
    return found
  }

  function countUpstreamCalls(calls: GatewayContext['upstreamCalls'] = []): void {
    for (const call of calls) {
      const series = statusSeries(call.endpoint, call.status)
      const outcome = call.errorCode ?? 'success'
      let counted = series.byOutcome.get(outcome)
      if (counted === undefined) {
        counted = counterSeries(upstreamCalls, { endpoint: series.endpoint, status: series.status, outcome })
        series.byOutcome.set(outcome, counted)
      }
      counted(1)
      if (call.attempts > 1) series.retries(call.attempts - 1)
      series.duration(call.durationMs / 1000)
    }
  }

  /** One answer: its outcome, and each of its errors by code. */
  function count(operation: Operation, answerErrors: readonly Pick<GraphQLError, 'extensions'>[] = []): void {
    if (answerErrors.length === 0) operation.succeeded(1)
    else operation.failed(1)
    for (const error of answerErrors) {
      const code = error.extensions?.['code']
      errors.inc({ code: typeof code === 'string' ? code : 'UNKNOWN', operationName: operation.operationName })
    }
  }

  /** The Prometheus plugin's labels of an operation: its name through the bound, whatever the metric. */
  const operationHistogram = <Phase>(name: string, help: string, phases: [Phase, ...Phase[]]) =>
    createHistogram({
      registry,
      histogram: { name, help, labelNames: ['operationType', 'operationName'] },
      phases,
      fillLabelsFn: (params, context: { params?: { operationName?: string | null } }) =>
        pluginLabels(params.document, context.params?.operationName),
    })

  const plugin: Plugin = {
    onPluginInit: ({ addPlugin }) => {
      addPlugin(
        usePrometheus({
          registry,
          endpoint: false,
          // Each metric the plugin labels by operation name is given here, as the plugin would make it, but
          // with labels from pluginLabels: the plugin's own would name the operation a request claims, or
          // the document's first definition, and pass no bound.
          metrics: {
            graphql_envelop_phase_validate: operationHistogram(
              'graphql_envelop_phase_validate',
              'Time spent on running GraphQL "validate" function',
              ['validate'],
            ),
            graphql_envelop_phase_context: operationHistogram(
              'graphql_envelop_phase_context',
              'Time spent on building the GraphQL context',
              ['context'],
            ),
            graphql_envelop_phase_execute: operationHistogram(
              'graphql_envelop_phase_execute',
              'Time spent on running the GraphQL "execute" function',
              ['execute'],
            ),
            graphql_envelop_request_duration: operationHistogram(
              'graphql_envelop_request_duration',
              'Time spent on running the GraphQL operation from parse to execute',
              ['execute', 'subscribe'],
            ),
            graphql_envelop_request_time_summary: createSummary({
              registry,
              summary: {
                name: 'graphql_envelop_request_time_summary',
                help: 'Summary to measure the time to complete GraphQL operations',
                labelNames: ['operationType', 'operationName'],
              },
              fillLabelsFn: (params, context: { params?: { operationName?: string | null } }) =>
                pluginLabels(params.document, context.params?.operationName),
            }),
            graphql_envelop_deprecated_field: createCounter({
              registry,
              counter: {
                name: 'graphql_envelop_deprecated_field',
                help: 'Counts the amount of deprecated fields used in selection sets',
                labelNames: ['operationType', 'operationName', 'fieldName', 'typeName'],
              },
              fillLabelsFn: (params, context: { params?: { operationName?: string | null } }) => {
                const { operationName, operationType } = pluginLabels(params.document, context.params?.operationName)
                const { fieldName, typeName } = params.deprecationInfo
                return { operationName, operationType, fieldName, typeName }
              },
            }),
            // The URL is left out: it would make a series per query string, and a GET query's variables would
            // show. The operation named is the one that runs (the plugin resolves it, with the request's
            // operationName, before this).
            graphql_yoga_http_duration: createHistogram({
              registry,
              histogram: {
                name: 'graphql_yoga_http_duration',
                help: 'Time spent on HTTP connection',
                labelNames: ['operationName', 'operationType', 'method', 'statusCode'],
              },
              fillLabelsFn: (params) => {
                // Without a type, the request's operationName named no operation (yoga refused it). Its params'
                // name is then undefined, which would resolve to the document's only operation: one that never ran.
                const { operationName, operationType } =
                  params.operationType === undefined
                    ? unresolved.plugin
                    : pluginLabels(params.document, params.operationName)
                // In the plugin's order, which is the order a scrape shows.
                return {
                  method: params.request.method,
                  statusCode: params.response.status,
                  operationType,
                  operationName,
                }
              },
            }),
            // Counted above, with the outcome and the code.
            graphql_envelop_request: false,
            graphql_envelop_error_result: false,
            graphql_envelop_phase_subscribe: false,
            graphql_envelop_schema_change: false,
            // Off, so that both lanes record alike: a document is parsed and validated in one step (the
            // prepared operations', from their cache), which the lean lane records as validate.
            graphql_envelop_phase_parse: false,
          },
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
        operations.set(context, labelsOf(getOperationAST(result, context.params.operationName)).ours)
      },
    onExecutionResult: ({ request, result, context }) => {
      if (result === undefined || Symbol.asyncIterator in result) return
      counted.add(request)
      count(operations.get(context) ?? unresolved.ours, result.errors)
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
    lane: (schema) =>
      laneMetrics(registry, schema, labelsOf, (exchange, operation) => {
        count(operation, exchange.result?.errors)
        countUpstreamCalls(exchange.context?.upstreamCalls)
      }),
  }
}

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

/**
 * The lane's series of a prepared operation, found on its first request: ours, the Prometheus plugin's
 * phases, its deprecated fields' and its HTTP duration's by status.
 */
interface LaneSeries {
  ours: Operation
  plugin: PluginOperation
  validate: (seconds: number) => void
  context: (seconds: number) => void
  execute: (seconds: number) => void
  duration: (seconds: number) => void
  summary: (seconds: number) => void
  deprecated: ((count: number) => void)[]
  http: Map<number, (seconds: number) => void>
}

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
 * each only when yoga's request would have reached that phase; and ours, through `countOurs`. The series
 * of an operation, deprecated fields included, are found on its first request (../prometheus-series.ts),
 * not on each.
 */
function laneMetrics(
  registry: Registry,
  schema: GraphQLSchema,
  labelsOf: (operation: OperationDefinitionNode | null | undefined) => OperationLabels,
  countOurs: (exchange: LaneExchange, operation: Operation) => void,
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
  const unresolved = labelsOf(undefined).ours

  const operationsSeries = new WeakMap<PreparedOperation, LaneSeries>()
  /** The series of `operation`, which the request's `operationName` names in `document` (the lane serves no other). */
  function laneSeries(document: DocumentNode, operation: PreparedOperation, operationName: string | undefined) {
    let found = operationsSeries.get(operation)
    if (found === undefined) {
      const { ours, plugin } = labelsOf(getOperationAST(document, operationName))
      found = {
        ours,
        plugin,
        validate: histogramSeries(validatePhase, plugin),
        context: histogramSeries(contextPhase, plugin),
        execute: histogramSeries(executePhase, plugin),
        duration: histogramSeries(operationDuration, plugin),
        summary: summarySeries(operationSummary, plugin),
        // As the plugin counts them: every deprecated field of the document, under the operation that runs.
        deprecated: deprecatedFieldsOf(document, typeInfo).map((field) =>
          counterSeries(deprecatedFields, { ...plugin, ...field }),
        ),
        http: new Map(),
      }
      operationsSeries.set(operation, found)
    }
    return found
  }

  function httpSeries({ http, plugin: { operationName, operationType } }: LaneSeries, status: number) {
    let found = http.get(status)
    if (found === undefined) {
      // In the plugin's order, which is the order a scrape shows.
      found = histogramSeries(httpDuration, { method: 'POST', statusCode: status, operationType, operationName })
      http.set(status, found)
    }
    return found
  }

  return {
    answered: (exchange) => {
      const { document, operation } = exchange
      // Without an operation, the document did not parse: the lane hands any other such request to yoga.
      if (document === undefined || operation === undefined) return countOurs(exchange, unresolved)
      const series = laneSeries(document, operation, exchange.operationName)
      countOurs(exchange, series.ours)
      for (const deprecated of series.deprecated) deprecated(1)
      series.validate(seconds(exchange.preparedAt - exchange.startedAt))
      if (exchange.context !== undefined) series.context(seconds(exchange.contextMs))
      const { executeStartedAt, executeEndedAt } = exchange
      if (executeStartedAt !== undefined && executeEndedAt !== undefined) {
        series.execute(seconds(executeEndedAt - executeStartedAt))
        series.duration(seconds(executeEndedAt - executeStartedAt))
        series.summary(seconds(executeEndedAt - exchange.startedAt))
      }
      httpSeries(series, exchange.status)(seconds(performance.now() - exchange.startedAt))
    },
  }
}
