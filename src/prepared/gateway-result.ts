/**
 * What the gateway makes of an execution's result, whichever ran it (graphql-js on an operation's first
 * run, ./interpreted-execution.ts, or graphql-jit from then on, ./compiled-execution.ts): one place, so
 * that a client cannot tell the two apart.
 * - The lists resolvers answered with are let go of (./let-go-of-answers.ts).
 * - A result without data refused the variables: BAD_USER_INPUT, HTTP 400.
 * - When a failed non-null root field decided the answer (`data` null), the errors of the root fields
 *   left behind are not in it (../schema/root-field-failures.ts ends their calls, so they fail cancelled):
 *   graphql-jit waits for every root field, and graphql-js for those already started when one fails at
 *   once. When every error is a cancellation (the client went away), they all stay: an answer with null
 *   `data` has at least one error.
 * - Upstream failures get their codes (../seam/errors.ts).
 * - It is given once the operation's upstream calls have ended (`settledResult`).
 */
import type { ExecutionResult, GraphQLError } from 'graphql'

import type { GatewayContext } from '../context.js'
import { SeamCancelledError, toGraphQLError } from '../seam/errors.js'
import { letGoOfAnsweredLists } from './let-go-of-answers.js'
import { variableError } from './variables.js'

/** The error of a root field left when its operation's answer was decided. */
const abandoned = (error: GraphQLError) => error.originalError instanceof SeamCancelledError

function withoutAbandoned(errors: readonly GraphQLError[]): readonly GraphQLError[] {
  const deciding = errors.filter((error) => !abandoned(error))
  return deciding.length > 0 ? deciding : errors
}

const asItIs = (error: GraphQLError) => error

/**
 * `result` as the gateway answers it; `located` makes each error the graphql-js error graphql-js would
 * have raised at its place (graphql-jit's have no source positions).
 */
function gatewayResult(
  context: GatewayContext,
  result: ExecutionResult,
  located: (error: GraphQLError) => GraphQLError = asItIs,
): ExecutionResult {
  letGoOfAnsweredLists(context)
  const { errors } = result
  if (errors === undefined) return result
  // Without data, the variables were refused after the coercion that runs first had let them through:
  // never seen, but refused alike.
  if (!('data' in result)) return { errors: errors.map((error) => variableError(located(error))) }
  const seen = result.data === null ? withoutAbandoned(errors) : errors
  return {
    errors: seen.map((error) => {
      const atItsPlace = located(error)
      return toGraphQLError(atItsPlace) ?? atItsPlace
    }),
    data: result.data,
  }
}

/**
 * What `run` (an execution by either engine) answers, as `gatewayResult` makes it, once the operation's
 * upstream calls have ended (../seam/operation-calls.ts): an answer is ready as soon as a non-null field
 * fails, while its siblings may still have calls queued or in flight, which would otherwise reach Seam
 * after the answer, unseen by the log, the metrics and the trace. Here rather than in a yoga hook, so that
 * both lanes end them before anything reads the calls; both steps in the one turn after the engine's
 * promise, not a turn and a promise each. A result that is ready at once (no resolver waited) stays
 * synchronous.
 */
export function settledResult(
  context: GatewayContext,
  run: () => ExecutionResult | Promise<ExecutionResult>,
  located: (error: GraphQLError) => GraphQLError = asItIs,
): ExecutionResult | Promise<ExecutionResult> {
  const failed = (error: unknown): never => {
    void context.endUpstreamCalls()
    throw error
  }
  const ended = (result: ExecutionResult) => {
    let answer: ExecutionResult
    try {
      answer = gatewayResult(context, result, located)
    } catch (error) {
      return failed(error)
    }
    const ending = context.endUpstreamCalls()
    return ending === undefined ? answer : ending.then(() => answer)
  }
  let result: ExecutionResult | Promise<ExecutionResult>
  try {
    result = run()
  } catch (error) {
    return failed(error)
  }
  return result instanceof Promise ? result.then(ended, failed) : ended(result)
}
