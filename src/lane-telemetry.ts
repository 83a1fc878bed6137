/**
 * What the lean lane (./lean-lane.ts) tells metrics and tracing of a request it serves, so that they
 * report it as yoga's plugins report a request yoga serves: the same series, the same spans. The lane
 * fills one LaneExchange per request, and only when metrics or tracing are on; without them it does
 * nothing of this.
 */
import type { DocumentNode, ExecutionResult } from 'graphql'

import type { ContextRequest, GatewayContext } from './context.js'
import type { PreparedOperation } from './prepared/prepared-operations.js'

/** One request the lean lane serves, as far as it got. Times are `performance.now()`. */
export interface LaneExchange {
  /** When the lane took the request, before it read the body. */
  startedAt: number
  /** When its document was prepared: parsed and validated (yoga's parse and validate phases). */
  preparedAt: number
  /** The request's document text and `operationName`, as sent. */
  query: string
  operationName: string | undefined
  /** Undefined when the text does not parse. */
  document: DocumentNode | undefined
  /** The operation the request names; undefined when the text does not parse. */
  operation: PreparedOperation | undefined
  /**
   * What the context factory was given, once the document validated. Tracing keys the operation's
   * span on it, as it keys it on yoga's context: the upstream calls' tracer finds the span through it.
   */
  initialContext: { request: ContextRequest } | undefined
  context: GatewayContext | undefined
  /** How long the context took to build, in milliseconds. */
  contextMs: number
  /** When the operation's execution started and ended; undefined when it did not run. */
  executeStartedAt: number | undefined
  executeEndedAt: number | undefined
  /** The answer: as execution gave it, masked, before any BAD_REQUEST code is added (what yoga's plugins see). */
  result: ExecutionResult | undefined
  status: number
}

/** An exchange whose operation is about to run. */
export type RunningExchange = LaneExchange & {
  document: DocumentNode
  operation: PreparedOperation
  initialContext: { request: ContextRequest }
  context: GatewayContext
}

export type Execution = () => ExecutionResult | Promise<ExecutionResult>

export interface LaneTelemetry {
  /** Runs the operation (its result unmasked): tracing runs it under its operation's span. */
  execute?(exchange: RunningExchange, run: Execution): ExecutionResult | Promise<ExecutionResult>
  /** The request has been answered. */
  answered?(exchange: LaneExchange): void
}

/** One telemetry of several (metrics and tracing); undefined for none, so the lane does nothing extra. */
export function combinedLaneTelemetry(parts: readonly (LaneTelemetry | undefined)[]): LaneTelemetry | undefined {
  const present = parts.filter((part): part is LaneTelemetry => part !== undefined)
  if (present.length === 0) return undefined
  const executes = present.flatMap((part) => (part.execute === undefined ? [] : [part.execute.bind(part)]))
  const answers = present.flatMap((part) => (part.answered === undefined ? [] : [part.answered.bind(part)]))
  // The first wraps the others, as the first of yoga's plugins wraps the execution of the later ones.
  // None or one (tracing's) is the usual case: then no closure is made per request.
  const execute: LaneTelemetry['execute'] =
    executes.length > 1
      ? (exchange, run) => executes.reduceRight<Execution>((inner, each) => () => each(exchange, inner), run)()
      : executes[0]
  return {
    ...(execute !== undefined && { execute }),
    answered: (exchange) => {
      for (const answered of answers) answered(exchange)
    },
  }
}
