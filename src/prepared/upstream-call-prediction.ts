/**
 * How many upstream calls an operation can make at most, to refuse, before it runs, one that would make
 * more than its budget: one GraphQL request must not fan out into a burst of Seam calls.
 *
 * Each field that calls Seam names the endpoints it may call, as `extensions: { seamEndpoints }` in its
 * definition (the rate limit reads them too: ./operation-endpoints.ts), and calls each at most once: the
 * number of its endpoints is the most calls it makes. graphql-query-complexity adds them up over the
 * operation that will run (through fragments, honouring @skip and @include with the request's
 * variables). Fields without the extension cost nothing; `_entities` counts its distinct keys. An
 * operation whose calls cannot be counted does not run: the budget must not depend on the prediction
 * succeeding. A field that makes more calls than it declares is stopped by the per-operation counter in
 * the Seam caller (`maxCalls` in ../seam/client.ts), with the same code.
 */
import {
  BREAK,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  visit,
} from 'graphql'
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity'

import { clientSessionKeyOf } from '../seam/client-session-key.js'
import { gatewayError } from '../seam/errors.js'

/**
 * Federation's `_entities` is made by the federation plugin, which takes no extensions: it makes at most
 * one call per distinct key among its representations (the request's client session loader shares the rest).
 */
export function entitiesCalls(representations: unknown): number {
  if (representations == null) return 0
  // A single representation where the list is due is a list of one, as GraphQL coerces it.
  if (!Array.isArray(representations)) return clientSessionKeyOf(representations) === undefined ? 0 : 1
  const keys = new Set<string>()
  for (const representation of representations) {
    const key = clientSessionKeyOf(representation)
    if (key !== undefined) keys.add(key)
  }
  return keys.size
}

const upstreamCalls: ComplexityEstimator = ({ field, args, childComplexity }) => {
  const calls =
    field.name === '_entities'
      ? entitiesCalls(args['representations'])
      : ((field.extensions['seamEndpoints'] as readonly string[] | undefined)?.length ?? 0)
  return calls + childComplexity
}

/**
 * The most upstream calls the operation can make, or undefined when they cannot be counted: variables
 * that do not fit where the operation uses them (./variables.ts refuses those), or anything else
 * graphql-query-complexity gives up on (then the operation is refused: `uncountedError`).
 */
export function predictedCalls(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): number | undefined {
  try {
    return getComplexity({
      schema,
      query: document,
      estimators: [upstreamCalls],
      ...(variables != null && { variables: variables as Record<string, unknown> }),
      ...(operationName !== undefined && { operationName }),
    })
  } catch {
    return undefined
  }
}

/**
 * Whether the prediction for this document depends on the request's variables: through `@skip` or
 * `@include`, or through `_entities`, whose estimate counts the keys of its representations (a
 * federation gateway sends the same document with different references every time). Only the others
 * are predicted once per document.
 */
export function dependsOnVariables(document: DocumentNode): boolean {
  let found = false
  const stop = () => {
    found = true
    return BREAK
  }
  visit(document, {
    Directive: (directive) =>
      directive.name.value === 'skip' || directive.name.value === 'include' ? stop() : undefined,
    Field: (field) => (field.name.value === '_entities' ? stop() : undefined),
  })
  return found
}

/**
 * The variables that hold `_entities`' representations, when they are the only part of the prediction
 * that depends on the request: no `@skip` or `@include`, and every `_entities` a field of the operation
 * itself (not of a fragment) whose representations are one variable. That is what a federation router
 * sends (`query ($representations: [_Any!]!) { _entities(representations: $representations) { … } }`),
 * and then the rest of the operation is counted once and only the distinct keys per request, instead of
 * walking the document with graphql-query-complexity on every request. Undefined for any other document.
 */
export function entitiesRepresentationVariables(
  document: DocumentNode,
  definition: OperationDefinitionNode,
): string[] | undefined {
  let eligible = true
  let entitiesInOperation = 0
  const variables: string[] = []
  for (const selection of definition.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.name.value !== '_entities') continue
    entitiesInOperation += 1
    const representations = selection.arguments?.find((argument) => argument.name.value === 'representations')
    if (representations?.value.kind !== Kind.VARIABLE) return undefined
    const name = representations.value.name.value
    // A default is what a request that leaves the variable out runs with: counted only by the full walk.
    const declared = definition.variableDefinitions?.find((variable) => variable.variable.name.value === name)
    if (declared?.defaultValue !== undefined) return undefined
    variables.push(name)
  }
  let entitiesInDocument = 0
  visit(document, {
    Directive: (directive) => {
      if (directive.name.value !== 'skip' && directive.name.value !== 'include') return undefined
      eligible = false
      return BREAK
    },
    Field: (field) => {
      if (field.name.value === '_entities') entitiesInDocument += 1
    },
  })
  return eligible && entitiesInDocument === entitiesInOperation ? variables : undefined
}

/** The refusal of an operation whose upstream calls could not be counted: its budget cannot be kept. */
export function uncountedError(): GraphQLError {
  return gatewayError(
    'The calls this operation could make to the Seam API cannot be counted, so it is not run.',
    'UPSTREAM_CALL_BUDGET_EXCEEDED',
    { http: { spec: true, status: 400 } },
  )
}

export function overBudgetError(predicted: number, budget: number): GraphQLError {
  return gatewayError(
    `This operation could make ${predicted} calls to the Seam API; at most ${budget} are allowed. Split it.`,
    'UPSTREAM_CALL_BUDGET_EXCEEDED',
    // The operation never ran: a request error, 400 for GraphQL-over-HTTP clients, as validation's.
    { http: { spec: true, status: 400 } },
  )
}
