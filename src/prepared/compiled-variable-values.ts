/**
 * graphql-js's coercion of an operation's variables (`getVariableValues`), worked out once per operation
 * for variables that fit: nearly every request's. graphql-js walks the types anew for each request, with
 * a path object per input field and list item, for the errors it might have to word; 4 % of busy time
 * under load (grant, `npm run bench:profile`).
 *
 * Each step below does what graphql-js's `coerceVariableValues` and `coerceInputValue` do for a value
 * they accept, in the same order, calling the same `parseValue`s, and gives up (`undefined`) wherever
 * graphql-js would report an error, or where a value is out of the ordinary (an iterable that is not an
 * array, a variable called `__proto__`, nesting deeper than the stack): graphql-js itself then coerces,
 * so its errors (messages, order, limit) stay exactly its own. test/variable-coercion.test.ts holds the
 * two to the same results.
 */
import {
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInputType,
  isListType,
  isNonNullType,
  Kind,
  typeFromAST,
  valueFromAST,
  type VariableDefinitionNode,
} from 'graphql'

/** What a step returns for a value graphql-js would refuse, or would coerce in a way not copied here. */
const unfit: unique symbol = Symbol('unfit')

type Coercion = (value: unknown) => unknown

/** One variable's coercion; `inputs` as graphql-js takes them. */
type VariableStep = (inputs: Readonly<Record<string, unknown>>, coerced: Record<string, unknown>) => boolean

const { hasOwnProperty } = Object.prototype

/** Each input object type's coercion, made once per operation: an input type may hold itself. */
type ObjectCoercions = Map<GraphQLInputObjectType, Coercion>

/**
 * The coercion of `type` for any value (a nullable place takes null, a non-null one refuses it, as
 * graphql-js does).
 */
function coercionOf(type: GraphQLInputType, objects: ObjectCoercions, hideSuggestions: boolean): Coercion {
  if (isNonNullType(type)) {
    const ofType = coercionOf(type.ofType, objects, hideSuggestions)
    return (value) => (value == null ? unfit : ofType(value))
  }
  const nonNull = nonNullCoercionOf(type, objects, hideSuggestions)
  return (value) => (value == null ? null : nonNull(value))
}

/** The coercion of a nullable `type` for a value that is neither null nor undefined. */
function nonNullCoercionOf(type: GraphQLInputType, objects: ObjectCoercions, hideSuggestions: boolean): Coercion {
  if (isListType(type)) {
    const item = coercionOf(type.ofType, objects, hideSuggestions)
    return (value) => {
      if (!Array.isArray(value)) {
        // graphql-js takes any iterable object as a list (never one from JSON): it decides those.
        if (typeof value === 'object' && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function')
          return unfit
        // A value that is not a list is a list of one.
        const only = item(value)
        return only === unfit ? unfit : [only]
      }
      const list = new Array<unknown>(value.length)
      for (let index = 0; index < value.length; index++) {
        const coerced = item(value[index])
        if (coerced === unfit) return unfit
        list[index] = coerced
      }
      return list
    }
  }
  if (isInputObjectType(type)) return objects.get(type) ?? objectCoercionOf(type, objects, hideSuggestions)
  // A leaf: graphql-js's refusal is parseValue throwing or giving undefined.
  const parse = isEnumType(type)
    ? (value: unknown) => type.parseValue(value, hideSuggestions)
    : (value: unknown) => type.parseValue(value)
  return (value) => {
    let parsed: unknown
    try {
      parsed = parse(value)
    } catch {
      return unfit
    }
    return parsed === undefined ? unfit : parsed
  }
}

function objectCoercionOf(type: GraphQLInputObjectType, objects: ObjectCoercions, hideSuggestions: boolean): Coercion {
  const definitions = type.getFields()
  const { isOneOf } = type
  let fields: { name: string; coerce: Coercion; defaultValue: unknown; required: boolean }[] = []
  const coerceObject: Coercion = (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return unfit
    const given = value as Record<string, unknown>
    const coerced: Record<string, unknown> = {}
    for (const field of fields) {
      const fieldValue = given[field.name]
      if (fieldValue === undefined) {
        if (field.defaultValue !== undefined) coerced[field.name] = field.defaultValue
        else if (field.required) return unfit
        continue
      }
      const fieldCoerced = field.coerce(fieldValue)
      if (fieldCoerced === unfit) return unfit
      coerced[field.name] = fieldCoerced
    }
    for (const name of Object.keys(given)) if (!definitions[name]) return unfit
    if (isOneOf) {
      const keys = Object.keys(coerced)
      if (keys.length !== 1 || coerced[keys[0]!] === null) return unfit
    }
    return coerced
  }
  // Registered before its fields are worked out, for a field whose type holds this one.
  objects.set(type, coerceObject)
  fields = Object.values(definitions).map((field) => ({
    name: field.name,
    coerce: coercionOf(field.type, objects, hideSuggestions),
    defaultValue: field.defaultValue,
    required: isNonNullType(field.type),
  }))
  return coerceObject
}

function variableStep(
  schema: GraphQLSchema,
  definition: VariableDefinitionNode,
  objects: ObjectCoercions,
  hideSuggestions: boolean,
): VariableStep | undefined {
  const name = definition.variable.name.value
  const type = typeFromAST(schema, definition.type)
  // Left to graphql-js: a type that is no input type (validation refuses it), and a name that is not
  // an ordinary property of an object literal.
  if (type === undefined || !isInputType(type) || name === '__proto__') return undefined
  const coerce = coercionOf(type, objects, hideSuggestions)
  const { defaultValue } = definition
  const required = definition.type.kind === Kind.NON_NULL_TYPE
  return (inputs, coerced) => {
    if (!hasOwnProperty.call(inputs, name)) {
      if (defaultValue !== undefined) coerced[name] = valueFromAST(defaultValue, type)
      else if (required) return false
      return true
    }
    const value = coerce(inputs[name])
    if (value === unfit) return false
    coerced[name] = value
    return true
  }
}

/**
 * The coerced variables of an operation with these variable definitions, as `getVariableValues` gives
 * them, or undefined when graphql-js must decide: the variables do not fit (it words the errors) or are
 * out of the ordinary.
 */
export function compileVariableValues(
  schema: GraphQLSchema,
  definitions: readonly VariableDefinitionNode[],
  { hideSuggestions }: { hideSuggestions: boolean },
): (inputs: Readonly<Record<string, unknown>>) => Record<string, unknown> | undefined {
  const steps: VariableStep[] = []
  const objects: ObjectCoercions = new Map()
  for (const definition of definitions) {
    const step = variableStep(schema, definition, objects, hideSuggestions)
    if (step === undefined) return () => undefined
    steps.push(step)
  }
  return (inputs) => {
    const coerced: Record<string, unknown> = {}
    try {
      for (const step of steps) if (!step(inputs, coerced)) return undefined
    } catch {
      // A value nested deeper than the stack allows: graphql-js reports what it reports for it.
      return undefined
    }
    return coerced
  }
}
