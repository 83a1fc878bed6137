/**
 * One JSON line per request, written when its response is ready:
 *
 * {"time":"…","level":"info","msg":"request","requestId":"…","method":"POST","path":"/graphql","status":200,
 *  "operationName":"Session","durationMs":12.3,"upstreamCalls":[{"endpoint":"/client_sessions/get",
 *  "status":200,"durationMs":8.1,"attempts":1,"requestId":"…"}],"errorCodes":[]}
 *
 * The request id is the caller's `x-request-id` when it looks like one, otherwise a new UUID; the
 * response echoes it. What a line never holds: a header value other than that id, the query string
 * (a GET carries its document and variables there), the request body, a variable, an answer, a
 * credential or a client session token. An upstream call names its failure by the error code a client
 * would see, never by its message. A request the listener refuses (its body's size, a Host header that
 * makes no URL), before either lane sees it, gets its line and its id from `logRefused`.
 *
 * `/health` and `/ready` are not logged: probes would drown the lines that matter.
 */
import { randomUUID } from 'node:crypto'

import { getOperationAST } from 'graphql'
import type { ExecutionResult } from 'graphql'
import type { Plugin } from 'graphql-yoga'

import type { GatewayContext } from '../context.js'
import type { RefusedRequest } from '../listener-refusal.js'
import { writeLineToStdout } from '../stdout-lines.js'

export interface RequestLogOptions {
  /** Where each line goes, without its newline. Default: stdout, a turn of the event loop's lines in one write. */
  write?: (line: string) => void
}

/** What the log line of one request says, gathered while it is served (by yoga, or the lean lane). */
export interface RequestRecord {
  requestId: string
  startedAt: number
  operationName: string | undefined
  /** One per operation (several when batched), holding the upstream calls each made. */
  contexts: GatewayContext[]
  errorCodes: string[]
}

const plausibleRequestId = /^[\w.:-]{1,128}$/
// A client may send any text as operationName; only a GraphQL name is logged.
const graphqlName = /^[_a-z]\w{0,127}$/i

/** The caller's `x-request-id` when it looks like one, otherwise a new UUID. */
export function requestIdFrom(given: string | null | undefined): string {
  return given != null && plausibleRequestId.test(given) ? given : randomUUID()
}

/** The `operationName` a request sent, when it is a GraphQL name; nothing else a client sends is logged. */
export function loggableOperationName(name: unknown): string | undefined {
  return typeof name === 'string' && graphqlName.test(name) ? name : undefined
}

const rounded = (milliseconds: number) => Math.round(milliseconds * 10) / 10

export function errorCodesOf(result: ExecutionResult): string[] {
  return (result.errors ?? []).map((error) => String(error.extensions?.['code'] ?? 'INTERNAL_SERVER_ERROR'))
}

/**
 * What may need escaping in JSON: `"`, `\\`, control characters (JSON escapes those below U+0020) and
 * lone surrogates; more than that only costs a JSON.stringify.
 */
const escapedInJson = /["\\\p{Cc}\p{Cs}]/u

/**
 * A string as `JSON.stringify` writes it; text that needs no escaping (ids, codes, paths: nearly all)
 * is only quoted, anything else (text a client or Seam chose) goes through JSON.stringify itself.
 */
const jsonString = (text: string) => (escapedInJson.test(text) ? JSON.stringify(text) : `"${text}"`)

/** A number as `JSON.stringify` writes it. */
const jsonNumber = (value: number) => (Number.isFinite(value) ? String(value) : 'null')

/** The calls' part of the line, each call's keys in the order they always had. */
function upstreamCallsJson(contexts: GatewayContext[]): string {
  let text = ''
  for (const context of contexts) {
    for (const call of context.upstreamCalls) {
      text +=
        `${text === '' ? '' : ','}{"endpoint":${jsonString(call.endpoint)},` +
        `"status":${call.status == null ? 'null' : jsonNumber(call.status)},` +
        `"durationMs":${jsonNumber(rounded(call.durationMs))},"attempts":${jsonNumber(call.attempts)}` +
        (call.requestId !== undefined ? `,"requestId":${jsonString(call.requestId)}` : '') +
        (call.errorCode !== undefined ? `,"error":${jsonString(call.errorCode)}` : '') +
        '}'
    }
  }
  return `[${text}]`
}

/** `new Date().toISOString()`, made once per millisecond: several requests end in each under load. */
let isoMillisecond = Number.NaN
let isoTime = ''
function isoNow(): string {
  const now = Date.now()
  if (now !== isoMillisecond) {
    isoMillisecond = now
    isoTime = new Date(now).toISOString()
  }
  return isoTime
}

/** The path of an absolute URL, without its query: no URL object per request. */
function pathOf(url: string): string {
  const authority = url.indexOf('//') + 2
  const pathEnd = /[?#]|$/.exec(url.slice(authority))!.index + authority
  const start = url.indexOf('/', authority)
  return start === -1 || start >= pathEnd ? '/' : url.slice(start, pathEnd)
}

/** The path of node:http's request target (`/graphql?query=…`, or absolute from a proxy), without its query. */
const pathOfTarget = (target: string) =>
  target.startsWith('/') ? target.slice(0, /[?#]|$/.exec(target)!.index) : pathOf(target)

/**
 * The log line of a request answered with `status`: the same shape for every request, whether yoga or
 * the lean lane answered it or the listener refused it.
 */
export function requestLogLine(record: RequestRecord, method: string, path: string, status: number): string {
  // Written out rather than an object through JSON.stringify (3 % of busy time under load): the same
  // bytes, the keys in the same order (test/request-log-line.test.ts holds it to the old line).
  return (
    `{"time":"${isoNow()}","level":"info","msg":"request","requestId":${jsonString(record.requestId)},` +
    `"method":${jsonString(method)},"path":${jsonString(path)},"status":${jsonNumber(status)},` +
    (record.operationName !== undefined ? `"operationName":${jsonString(record.operationName)},` : '') +
    `"durationMs":${jsonNumber(rounded(performance.now() - record.startedAt))},` +
    `"upstreamCalls":${upstreamCallsJson(record.contexts)},"errorCodes":[${record.errorCodes.map(jsonString).join(',')}]}`
  )
}

export interface RequestLog {
  plugin: Plugin<GatewayContext>
  /** Logs a request the listener refused before either lane saw it, and gives its answer the request id. */
  logRefused(refused: RefusedRequest): void
}

export function useRequestLog({ write = writeLineToStdout }: RequestLogOptions = {}): RequestLog {
  const records = new WeakMap<Request, RequestRecord>()
  const plugin: Plugin<GatewayContext> = {
    onRequest({ request }) {
      records.set(request, {
        requestId: requestIdFrom(request.headers.get('x-request-id')),
        startedAt: performance.now(),
        operationName: undefined,
        contexts: [],
        errorCodes: [],
      })
    },
    onParams({ params, request }) {
      const record = records.get(request)
      if (record !== undefined) record.operationName ??= loggableOperationName(params.operationName)
    },
    onExecute({ args }) {
      const context = args.contextValue
      const record = records.get(context.request)
      if (record === undefined) return
      record.contexts.push(context)
      record.operationName ??= loggableOperationName(getOperationAST(args.document, args.operationName)?.name?.value)
    },
    onResultProcess({ request, result }) {
      const record = records.get(request)
      if (record === undefined || Symbol.asyncIterator in result) return
      for (const each of Array.isArray(result) ? result : [result]) record.errorCodes.push(...errorCodesOf(each))
    },
    onResponse({ request, response }) {
      const record = records.get(request)
      if (record === undefined) return
      records.delete(request)
      response.headers.set('x-request-id', record.requestId)
      write(requestLogLine(record, request.method, pathOf(request.url), response.status))
    },
  }
  return {
    plugin,
    logRefused({ request, response, startedAt, errorCode }) {
      const given = request.headers['x-request-id']
      const record: RequestRecord = {
        requestId: requestIdFrom(typeof given === 'string' ? given : undefined),
        startedAt,
        operationName: undefined,
        contexts: [],
        errorCodes: [errorCode],
      }
      response.setHeader('x-request-id', record.requestId)
      write(requestLogLine(record, request.method ?? '', pathOfTarget(request.url ?? '/'), response.statusCode))
    },
  }
}
