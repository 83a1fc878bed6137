/**
 * A request's variables, coerced as graphql-js coerces them, or the errors that refuse the operation
 * before anything runs (BAD_USER_INPUT, HTTP 400).
 *
 * One refusal more than graphql-js has: a variable sent as `null` where the document uses it in a
 * non-null place. Validation allows a nullable variable there when it has a default (`$input: Input =
 * {…}` for an `Input!` argument); left out, it takes its default, but an explicit null only fails once
 * execution reaches that field, after the fields before it have run. That is what graphql-js does, and
 * it is no answer the gateway can give: graphql-query-complexity cannot count such an operation's
 * upstream calls, so its earlier mutations would run uncounted, and graphql-jit never finishes a
 * mutation whose arguments it refuses (the next one is never started). Such a request is a client's
 * mistake, and it is refused as a whole, before any call.
 */
import {
  type DocumentNode,
  getVariableValues,
  GraphQLError,
  type GraphQLSchema,
  isNonNullType,
  Kind,
  type OperationDefinitionNode,
  TypeInfo,
  ValidationContext,
  type VariableDefinitionNode,
} from 'graphql'

import { relocated } from '../seam/errors.js'
import { compileVariableValues } from './compiled-variable-values.js'

export type Variables = Readonly<Record<string, unknown>> | null | undefined

/** The coerced values, or why the operation may not run with these variables. */
export type CoercedVariables = { coerced: Record<string, unknown> } | { errors: GraphQLError[] }

/** The coercion of one operation's variables, request by request. */
export type VariableCoercion = (variables: Variables) => CoercedVariables

/** No declared variables: graphql-js coerces nothing, whatever the request sent. */
const noVariables: CoercedVariables = { coerced: Object.freeze({}) }

/** Variables that do not fit: the operation never ran. */
export const variableError = (error: GraphQLError) =>
  relocated(error, error.message, { ...error.extensions, http: { status: 400 }, code: 'BAD_USER_INPUT' })

/**
 * The variable definitions of `operation` whose type is nullable but which the operation uses (itself
 * or through its fragments) where a non-null value is due: an argument, an input field, a list item or a
 * directive's `if`.
 */
function nullableInNonNullPlaces(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): VariableDefinitionNode[] {
  const definitions = operation.variableDefinitions ?? []
  if (!definitions.some((definition) => definition.type.kind !== Kind.NON_NULL_TYPE)) return []
  const context = new ValidationContext(schema, document, new TypeInfo(schema), () => {})
  const nonNullPlaces = new Set(
    context
      .getRecursiveVariableUsages(operation)
      .filter(({ type }) => type !== undefined && isNonNullType(type))
      .map(({ node }) => node.name.value),
  )
  return definitions.filter(
    (definition) => definition.type.kind !== Kind.NON_NULL_TYPE && nonNullPlaces.has(definition.variable.name.value),
  )
}

/** Worked out once per operation: the coercion of each request's variables. */
export function variableCoercion(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  { hideSuggestions }: { hideSuggestions: boolean },
): VariableCoercion {
  const definitions = operation.variableDefinitions ?? []
  if (definitions.length === 0) return () => noVariables
  const mustNotBeNull = nullableInNonNullPlaces(schema, document, operation)
  const fitting = compileVariableValues(schema, definitions, { hideSuggestions })
  return (variables) => {
    const inputs = variables ?? {}
    let coerced = fitting(inputs)
    if (coerced === undefined) {
      // Variables that do not fit (or are out of the ordinary): graphql-js coerces them, and words the errors.
      const coercion = getVariableValues(schema, definitions, inputs, { maxErrors: 50, hideSuggestions })
      if (coercion.errors !== undefined) return { errors: coercion.errors.map(variableError) }
      coerced = coercion.coerced
    }
    if (mustNotBeNull.length === 0) return { coerced }
    const nulls = mustNotBeNull.filter((definition) => coerced[definition.variable.name.value] === null)
    if (nulls.length === 0) return { coerced }
    return {
      errors: nulls.map((definition) =>
        variableError(
          new GraphQLError(
            `Variable "$${definition.variable.name.value}" must not be null: it is used where a non-null value is due. Leave it out for its default.`,
            { nodes: definition },
          ),
        ),
      ),
    }
  }
}
