/**
 * Letting go of an answer as soon as it has been used, rather than when the last object that saw it dies.
 *
 * Why: V8 collects its young generation often and its old generation rarely. A request that waited for Seam
 * has, by the time the answer arrives, had its promises, its async functions' state and graphql-jit's
 * result object promoted to the old generation. Whatever young object they are resolved with or assigned
 * (the parsed answer, the sessions read from it, the result built from those) stays alive through every
 * young collection until the next full one, although the request is long over: with a dozen list requests
 * in flight, each young collection copied megabytes of dead answers, and garbage collection took 45 % of
 * the gateway's time on a 1,000-session list (bench/RESULTS.md). Those old objects cannot be reached from
 * here; what they hold can be emptied once nothing needs it. Then it is dead at the next young collection.
 *
 * Three places, each where its part of the answer has been used for the last time: the parsed body of a Seam
 * answer, once read (`takeBody`, ../seam/client.ts); the lists resolvers answered with, once the operation's
 * result is built (`keepUntilExecuted`, `letGoOfAnsweredLists`, ./gateway-result.ts); the result's data,
 * once it is written (`letGoOfData`, ../lean-lane.ts).
 */
import type { ExecutionResult } from 'graphql'

/** What an operation keeps of the lists its resolvers answered with, to empty them once its result is built. */
export interface AnsweredLists {
  answeredLists: unknown[][] | undefined
}

/** A resolver's list, to be emptied once the operation's result is built (graphql-js and graphql-jit copy what they select). */
export function keepUntilExecuted<T>(holder: AnsweredLists, list: T[]): T[] {
  ;(holder.answeredLists ??= []).push(list)
  return list
}

/** Empties the lists resolvers answered with: the result is built, nothing reads them any more. */
export function letGoOfAnsweredLists(holder: AnsweredLists): void {
  const lists = holder.answeredLists
  if (lists === undefined) return
  holder.answeredLists = undefined
  for (const list of lists) list.length = 0
}

/** Empties the result's data, once it has been written and nothing else reads it. */
export function letGoOfData(result: ExecutionResult): void {
  const data = result.data as Record<string, unknown> | null | undefined
  if (data == null) return
  // An object of the selected fields (graphql-jit's plain, graphql-js's without a prototype): no inherited key
  // to skip, no array of keys made.
  for (const key in data) data[key] = null
}
