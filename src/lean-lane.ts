/**
 * The lean lane: nearly all traffic, a JSON `POST /graphql` with one operation, served straight on
 * node:http: body → JSON.parse → prepared operation → context → execution → JSON → write. No fetch
 * Request or Response, no URL or Headers object, no plugin chain: only what the request needs.
 *
 * It answers exactly as yoga would, and shares with yoga everything that decides an answer: the
 * prepared operations (what a document may do), the context, yoga's masking of unexpected errors, the
 * codes, the CORS policy, the request id and log line, the drain's `connection: close`. What is
 * particular to it is the framing yoga does for such a request (./graphql-over-http.ts).
 *
 * Anything else goes to yoga, as it did before there was a lane: another method, path or content type,
 * a query string, GET, a batch, a body that is not a JSON object of the GraphQL parameters, an
 * `Accept` that does not get JSON, an `operationName` that names no operation, a subscription. A request
 * for a persisted document (`documentId`, `extensions.persistedQuery`) is served here when it runs, its
 * document found by ./persisted/persisted-documents.ts as yoga finds it; when that refuses it, yoga
 * answers the refusal, as it answers every request that runs nothing. So it does the 401 of a caller
 * without a valid token, which the authentication gate (./auth/authentication-gate.ts) gives before
 * anything reads the document.
 *
 * With metrics or tracing on, the lane tells them what it did (./lane-telemetry.ts), and they record it
 * as yoga's plugins record a request yoga serves: the same series, the same spans. Without them, nothing
 * of that is done.
 */
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from 'node:http'

import { type ExecutionResult, type GraphQLError, OperationTypeNode } from 'graphql'

import type { Admission } from './admission.js'
import type { AuthenticationGate } from './auth/authentication-gate.js'
import { ClientPresence } from './client-presence.js'
import type { ContextRequest, GatewayContext } from './context.js'
import type { CorsHeaders } from './cors.js'
import { acceptedJsonMediaType, type JsonMediaType, responseBody, responseInit } from './graphql-over-http.js'
import type { LaneExchange, LaneTelemetry, RunningExchange } from './lane-telemetry.js'
import type { PersistedDocuments, Resolution } from './persisted/persisted-documents.js'
import { withRequestErrorCodes } from './plugins/use-error-codes.js'
import {
  errorCodesOf,
  loggableOperationName,
  type RequestRecord,
  requestIdFrom,
  requestLogLine,
} from './plugins/use-request-log.js'
import { letGoOfData } from './prepared/let-go-of-answers.js'
import type { Variables } from './prepared/variables.js'
import type { PreparedDocument, PreparedOperation, PreparedOperations } from './prepared/prepared-operations.js'

export interface LeanLaneOptions {
  /** The GraphQL endpoint's path, `/graphql`. */
  endpoint: string
  operations: PreparedOperations
  /** Which document a request runs: trusted documents and APQ. Undefined: only `query` texts. */
  persisted: PersistedDocuments | undefined
  /** With authentication on, the refusal of a caller without a valid token, before the document is read. */
  gate: AuthenticationGate | undefined
  createContext: (initial: { request: ContextRequest }) => GatewayContext
  /** Who may run an operation now (./admission.ts); undefined when nothing is checked. */
  admission: Admission | undefined
  /** yoga's masking of an unexpected error, logged as yoga logs it. */
  maskError: (error: unknown) => GraphQLError
  /** Undefined: no page of another origin may read answers. */
  cors: CorsHeaders | undefined
  /** Where the request log's lines go; undefined without a request log (then, as yoga, no `x-request-id`). */
  requestLog: ((line: string) => void) | undefined
  isShuttingDown: () => boolean
  /** Metrics and tracing; undefined when both are off. */
  telemetry: LaneTelemetry | undefined
}

/** node:http's request, its body read and bounded by ./request-body-limit.ts; `originalUrl` under Express. */
type BodyReadRequest = IncomingMessage & { body?: Buffer; originalUrl?: string }

/** What the lane takes from a request it serves. */
interface LaneRequest {
  mediaType: JsonMediaType
  /** A string, or absent beside a `documentId` or `extensions.persistedQuery`. */
  query: unknown
  documentId: string | undefined
  extensions: Record<string, unknown> | undefined
  variables: Variables
  operationName: string | undefined
}

/** The content types yoga parses as a JSON request: the first of a list, as is or with parameters. */
function isJsonContentType(contentType: string): boolean {
  const comma = contentType.indexOf(',')
  const first = comma === -1 ? contentType : contentType.slice(0, comma)
  return (
    first === 'application/json' ||
    first.startsWith('application/json;') ||
    first === 'application/graphql+json' ||
    first.startsWith('application/graphql+json;')
  )
}

const parameterNames = new Set(['query', 'variables', 'operationName', 'extensions', 'documentId'])

/** `object`, not an array and not null: what yoga accepts for `variables` and `extensions`, besides null. */
const isObjectOrAbsent = (value: unknown) => value == null || (typeof value === 'object' && !Array.isArray(value))

/** The request's GraphQL parameters, when they are those yoga serves without objection; undefined otherwise. */
function graphqlParameters(body: Buffer): Omit<LaneRequest, 'mediaType'> | undefined {
  let parameters: unknown
  try {
    parameters = JSON.parse(body.toString('utf8'))
  } catch {
    return undefined
  }
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) return undefined
  const { query, variables, operationName, extensions, documentId } = parameters as Record<string, unknown>
  for (const name in parameters) {
    if ((parameters as Record<string, unknown>)[name] != null && !parameterNames.has(name)) return undefined
  }
  if (!isObjectOrAbsent(variables) || !isObjectOrAbsent(extensions)) return undefined
  if (query != null && typeof query !== 'string') return undefined
  if (operationName != null && typeof operationName !== 'string') return undefined
  if (documentId != null && typeof documentId !== 'string') return undefined
  return {
    query,
    documentId: documentId ?? undefined,
    extensions: (extensions ?? undefined) as Record<string, unknown> | undefined,
    variables: variables as Variables,
    operationName: operationName ?? undefined,
  }
}

/** What the lane serves of `request`, or undefined for what goes to yoga. */
function laneRequest(request: BodyReadRequest, endpoint: string): LaneRequest | undefined {
  if (request.method !== 'POST' || (request.originalUrl ?? request.url) !== endpoint) return undefined
  const contentType = request.headers['content-type']
  if (contentType === undefined || !isJsonContentType(contentType)) return undefined
  const mediaType = acceptedJsonMediaType(request.headers.accept)
  if (mediaType === undefined || request.body === undefined) return undefined
  const parameters = graphqlParameters(request.body)
  return parameters === undefined ? undefined : { mediaType, ...parameters }
}

/** The request's headers as the context reads them, without a Headers object. */
const headerReader = (headers: IncomingHttpHeaders): Pick<Headers, 'get'> => ({
  get: (name) => {
    const value = headers[name]
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
  },
})

export function withLeanLane(yoga: RequestListener, options: LeanLaneOptions): RequestListener {
  const {
    endpoint,
    operations,
    persisted,
    gate,
    createContext,
    admission,
    maskError,
    cors,
    requestLog,
    isShuttingDown,
    telemetry,
  } = options

  /** The result of the operation as yoga's masking of what execution answers leaves it. */
  const masked = (result: ExecutionResult): ExecutionResult =>
    result.errors === undefined ? result : { ...result, errors: result.errors.map(maskError) }

  /** The operation run with metrics or tracing on, timed for them. */
  async function executedForTelemetry(
    operation: PreparedOperation,
    context: GatewayContext,
    variables: Variables,
    exchange: LaneExchange,
  ): Promise<ExecutionResult> {
    exchange.executeStartedAt = performance.now()
    const run = () => operation.execute(context, variables)
    const result = await (telemetry?.execute === undefined
      ? run()
      : telemetry.execute(exchange as RunningExchange, run))
    exchange.executeEndedAt = performance.now()
    return result
  }

  /** Writes `result` as yoga would, then logs it and tells metrics and tracing; lets go of its data. */
  function send(
    request: BodyReadRequest,
    response: ServerResponse,
    mediaType: JsonMediaType,
    executionResult: ExecutionResult,
    record: RequestRecord | undefined,
    exchange: LaneExchange | undefined,
  ): void {
    if (exchange !== undefined) exchange.result = executionResult
    const result = withRequestErrorCodes(executionResult)
    const { status, headers } = responseInit(result, mediaType)
    const body = responseBody(result)
    headers['Content-Length'] = String(Buffer.byteLength(body))
    const corsHeaders = cors?.(request.headers.origin)
    if (corsHeaders !== undefined) Object.assign(headers, corsHeaders)
    if (record !== undefined) headers['x-request-id'] = record.requestId
    // While draining, keep-alive clients are told to take their next request elsewhere.
    if (isShuttingDown()) headers['connection'] = 'close'
    if (!response.destroyed && !response.writableEnded) response.writeHead(status, headers).end(body)
    if (record !== undefined) {
      record.errorCodes = errorCodesOf(result)
      requestLog?.(requestLogLine(record, 'POST', endpoint, status))
    }
    if (exchange !== undefined) {
      exchange.status = status
      telemetry?.answered?.(exchange)
    }
    letGoOfData(result)
  }

  /** Answers the request; never rejects. */
  async function answer(
    request: BodyReadRequest,
    response: ServerResponse,
    lane: LaneRequest,
    prepared: PreparedDocument,
    operation: PreparedOperation | undefined,
    exchange: LaneExchange | undefined,
  ): Promise<void> {
    try {
      const record: RequestRecord | undefined = requestLog && {
        requestId: requestIdFrom(request.headers['x-request-id'] as string | undefined),
        startedAt: performance.now(),
        operationName: loggableOperationName(lane.operationName),
        contexts: [],
        errorCodes: [],
      }
      let result: ExecutionResult
      if (operation === undefined || prepared.errors.length > 0) {
        // A document that does not parse or validate, or is over a limit: it never runs.
        result = { errors: [...prepared.errors] }
      } else {
        const headers = headerReader(request.headers)
        const initialContext = { request: { headers, signal: new ClientPresence(request, response) } }
        const contextStartedAt = exchange === undefined ? 0 : performance.now()
        const context = createContext(initialContext)
        if (exchange !== undefined) {
          exchange.contextMs = performance.now() - contextStartedAt
          exchange.initialContext = initialContext
          exchange.context = context
        }
        const refusal =
          operation.overBudget(lane.variables) ??
          (admission === undefined
            ? undefined
            : await admission(
                operation,
                { requestKey: request, headers, remoteAddress: request.socket.remoteAddress },
                context,
              ))
        // Named in the log line even when refused, as yoga's log has it.
        if (record !== undefined) record.operationName ??= loggableOperationName(operation.name)
        if (refusal !== undefined) {
          result = { errors: [refusal] }
        } else {
          if (record !== undefined) record.contexts.push(context)
          // Awaited here rather than in an async function of its own: two promises a request fewer (with
          // metrics and tracing off; on, `executedForTelemetry` times it).
          try {
            result = masked(
              await (exchange === undefined
                ? operation.execute(context, lane.variables)
                : executedForTelemetry(operation, context, lane.variables, exchange)),
            )
          } catch (error) {
            result = { errors: [maskError(error)] }
          }
        }
      }
      send(request, response, lane.mediaType, result, record, exchange)
    } catch (error) {
      // A fault of the lane itself, after the operation may have run: answered as yoga answers a fault.
      // Caught here rather than by a `.catch` on the promise of `answer`: one promise a request fewer.
      maskError(error)
      if (!response.headersSent) response.writeHead(500).end()
      else response.destroy()
    }
  }

  /** Serves `lane`, whose document is `query`, prepared. */
  function serve(
    request: BodyReadRequest,
    response: ServerResponse,
    lane: LaneRequest,
    query: string,
    prepared: PreparedDocument,
    startedAt: number,
  ): void {
    let operation: PreparedOperation | undefined
    try {
      operation = prepared.operation(lane.operationName)
    } catch {
      // Nothing was done for the request yet: yoga answers it, and masks what went wrong as it does.
      return yoga(request, response)
    }
    // yoga refuses an operationName that names nothing (OPERATION_RESOLUTION_FAILURE) before it validates.
    if (prepared.document !== undefined && operation === undefined) return yoga(request, response)
    // yoga answers a subscription from its subscribe phase, which no admission or budget sees (and this
    // schema has no subscriptions): it is not the lane's.
    if (operation?.type === OperationTypeNode.SUBSCRIPTION) return yoga(request, response)
    const exchange: LaneExchange | undefined = telemetry && {
      startedAt,
      preparedAt: performance.now(),
      query,
      operationName: lane.operationName,
      document: prepared.document,
      operation,
      initialContext: undefined,
      context: undefined,
      contextMs: 0,
      executeStartedAt: undefined,
      executeEndedAt: undefined,
      result: undefined,
      status: 0,
    }
    // Never rejects: it answers a fault of its own.
    void answer(request, response, lane, prepared, operation, exchange)
  }

  /** Serves what runs; a refusal, or a request that is none of the persisted document's, goes to yoga. */
  function serveResolved(
    request: BodyReadRequest,
    response: ServerResponse,
    lane: LaneRequest,
    resolution: Resolution | undefined,
    startedAt: number,
  ): void {
    if (resolution === undefined || resolution.refusal !== undefined) return yoga(request, response)
    serve(request, response, lane, resolution.query, resolution.prepared, startedAt)
  }

  /** Serves `lane` with the document it sends or names; what runs nothing goes to yoga. */
  function take(request: BodyReadRequest, response: ServerResponse, lane: LaneRequest, startedAt: number): void {
    let resolution: Resolution | Promise<Resolution> | undefined
    try {
      if (persisted === undefined || !persisted.concerns(lane.documentId, lane.extensions)) {
        if (typeof lane.query !== 'string') return yoga(request, response)
        return serve(request, response, lane, lane.query, operations.prepare(lane.query), startedAt)
      }
      resolution = persisted.resolve(lane)
    } catch {
      // Nothing was done for the request yet: yoga answers it, and masks what went wrong as it does.
      return yoga(request, response)
    }
    if (!(resolution instanceof Promise)) return serveResolved(request, response, lane, resolution, startedAt)
    resolution.then(
      (resolved) => serveResolved(request, response, lane, resolved, startedAt),
      () => yoga(request, response),
    )
  }

  return (request: BodyReadRequest, response) => {
    const startedAt = telemetry === undefined ? 0 : performance.now()
    let lane: LaneRequest | undefined
    try {
      lane = laneRequest(request, endpoint)
    } catch {
      // Nothing was done for the request yet: yoga answers it, and masks what went wrong as it does.
      return yoga(request, response)
    }
    if (lane === undefined) return yoga(request, response)
    if (gate === undefined) return take(request, response, lane, startedAt)
    // The caller's token before anything of the document; a refusal goes to yoga, which asks the same gate
    // (keyed by this request: the token is not verified again) and answers it as it answers what runs nothing.
    const taken = lane
    gate(request, request.headers.authorization ?? null, lane).then(
      (refusal) => (refusal === undefined ? take(request, response, taken, startedAt) : yoga(request, response)),
      () => yoga(request, response),
    )
  }
}
