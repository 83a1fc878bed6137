/**
 * Variables are coerced by code worked out once per operation when they fit, and by graphql-js when they
 * do not (./src/prepared/compiled-variable-values.ts): either way, each request must get exactly what
 * graphql-js's `getVariableValues` gave it before (the function below, as it was): the same values, with
 * their keys in the same order, or the same errors in the same order. Checked on the gateway's schema and
 * on a schema with what it lacks (Int, Float, Boolean, enums whose values are not their names, a scalar
 * that throws, defaults, nested lists, a oneOf input), for many values, fitting and not.
 */
import {
  type DocumentNode,
  getOperationAST,
  getVariableValues,
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLError,
  GraphQLFloat,
  GraphQLID,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  isNonNullType,
  Kind,
  type OperationDefinitionNode,
  parse,
  TypeInfo,
  validate,
  ValidationContext,
} from 'graphql'
import { describe, expect, it } from 'vitest'

import { type CoercedVariables, variableCoercion, variableError } from '../src/prepared/variables.js'
import { schema as gatewaySchema } from '../src/schema/index.js'

/** The coercion as it was: graphql-js's, then the refusal of a null where a non-null value is due. */
function graphqlJsCoercion(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  hideSuggestions: boolean,
) {
  const definitions = operation.variableDefinitions ?? []
  const context = new ValidationContext(schema, document, new TypeInfo(schema), () => {})
  const nonNullPlaces = new Set(
    context
      .getRecursiveVariableUsages(operation)
      .filter(({ type }) => type !== undefined && isNonNullType(type))
      .map(({ node }) => node.name.value),
  )
  const mustNotBeNull = definitions.filter(
    (definition) => definition.type.kind !== Kind.NON_NULL_TYPE && nonNullPlaces.has(definition.variable.name.value),
  )
  return (variables: Record<string, unknown> | null | undefined): CoercedVariables => {
    if (definitions.length === 0) return { coerced: {} }
    const values = getVariableValues(schema, definitions, variables ?? {}, { maxErrors: 50, hideSuggestions })
    if (values.errors !== undefined) return { errors: values.errors.map(variableError) }
    const nulls = mustNotBeNull.filter((definition) => values.coerced[definition.variable.name.value] === null)
    if (nulls.length === 0) return values
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

/** Everything a client or a resolver could tell apart: values, key order, errors and what is behind them. */
function observable(result: CoercedVariables) {
  if ('errors' in result) {
    return {
      errors: result.errors.map((error) => ({
        ...error.toJSON(),
        originalError: error.originalError?.message,
        originalErrorType: error.originalError?.constructor.name,
      })),
    }
  }
  return { coerced: result.coerced, keyOrder: JSON.stringify(result.coerced, (_key, value: unknown) => value ?? null) }
}

const color = new GraphQLEnumType({ name: 'Color', values: { RED: { value: 'r' }, GREEN: { value: 2 } } })
const odd = new GraphQLScalarType({
  name: 'Odd',
  parseValue: (value) => {
    if (value === 'throw') throw new Error('odd refuses this')
    if (value === 'graphql-error') throw new GraphQLError('odd refuses this too')
    if (value === 'nothing') return undefined
    return { parsed: value }
  },
})
const inner: GraphQLInputObjectType = new GraphQLInputObjectType({
  name: 'Inner',
  fields: () => ({
    a: { type: new GraphQLNonNull(GraphQLInt) },
    b: { type: GraphQLFloat, defaultValue: 1.5 },
    c: { type: new GraphQLList(new GraphQLNonNull(GraphQLString)) },
    d: { type: new GraphQLNonNull(GraphQLBoolean), defaultValue: true },
    e: { type: color },
    f: { type: odd },
    next: { type: inner },
  }),
})
const outer = new GraphQLInputObjectType({
  name: 'Outer',
  fields: {
    id: { type: new GraphQLNonNull(GraphQLID) },
    inner: { type: inner },
    inners: { type: new GraphQLList(new GraphQLList(new GraphQLNonNull(inner))) },
    numbers: { type: new GraphQLList(GraphQLInt) },
  },
})
const oneOf = new GraphQLInputObjectType({
  name: 'OneOf',
  isOneOf: true,
  fields: { x: { type: GraphQLInt }, y: { type: GraphQLString } },
})
const otherSchema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      f: {
        type: GraphQLString,
        args: {
          outer: { type: outer },
          one: { type: oneOf },
          ids: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(GraphQLID))) },
          n: { type: new GraphQLNonNull(GraphQLInt) },
          color: { type: color },
          odd: { type: odd },
          s: { type: GraphQLString },
        },
      },
    },
  }),
})

/** The same sequence every run: a failure can be replayed. */
function pseudoRandom(seed: number) {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
}
const random = pseudoRandom(7)
const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!

const scalars = [
  null,
  '',
  'x',
  'RED',
  'GREEN',
  'BLUE',
  'throw',
  'graphql-error',
  'nothing',
  '2024-01-02T03:04:05Z',
  '2024-13-45T99:00:00Z',
  '3ada79d3-2848-4320-b2ef-a82e1e6dafac',
  0,
  -0,
  1,
  -7,
  2 ** 31,
  1.5,
  1e300,
  true,
  false,
]

/** A value of any shape, deeper with less chance: lists, objects with the fields above and others. */
function anyValue(depth = 0): unknown {
  const shape = random()
  if (depth > 3 || shape < 0.45) return pick(scalars)
  if (shape < 0.7) return Array.from({ length: pick([0, 1, 2, 3]) }, () => anyValue(depth + 1))
  if (shape < 0.72) return new Set([pick(scalars)])
  const names = ['id', 'a', 'b', 'c', 'd', 'e', 'f', 'x', 'y', 'inner', 'inners', 'numbers', 'clientSessionId']
  const names2 = [...names, 'connectWebviewIds', 'expiresAt', 'userIdentifierKey', '__typename', 'bogus', 'ids']
  const object: Record<string, unknown> = {}
  for (const name of names2) if (random() < 0.3) object[name] = anyValue(depth + 1)
  return object
}

/** Values that fit more often than chance would make them. */
const fitting: Record<string, () => unknown> = {
  outer: () => ({
    id: pick(['id-1', 42]),
    ...(random() < 0.5 && {
      inner: {
        a: 1,
        ...(random() < 0.5 && { d: pick([false, null]) }),
        ...(random() < 0.5 && { e: pick(['RED', 'GREEN']) }),
      },
    }),
    ...(random() < 0.5 && { inners: pick([[[{ a: 2, c: ['s'] }]], [{ a: 3 }], { a: 4, f: 'odd' }, null]) }),
    ...(random() < 0.5 && { numbers: pick([[1, null, 3], 5, null]) }),
  }),
  one: () => pick([{ x: 1 }, { y: 'y' }, { x: null }, { x: 1, y: 'y' }, {}]),
  ids: () => pick([['a', 1], 'a', 7, [], ['a', null]]),
  n: () => pick([1, -5, 2 ** 31, 1.5, null]),
  color: () => pick(['RED', 'GREEN', 'BLUE', null]),
  odd: () => pick(['anything', 'throw', 7, null]),
  s: () => pick(['s', null, 5]),
  id: () => pick(['id', 5, 5.5, null]),
  representations: () => pick([[{ __typename: 'ClientSession', clientSessionId: 'a' }], [], { a: 1 }, [null]]),
  input: () => ({
    ...(random() < 0.5 && { clientSessionId: '3ada79d3-2848-4320-b2ef-a82e1e6dafac' }),
    ...(random() < 0.7 && { connectWebviewIds: pick([['dad03fb2'], 'dad03fb2', [1, 2]]) }),
    ...(random() < 0.5 && { expiresAt: pick(['2030-01-01T00:00:00Z', 'soon', '2030-01-01T00:00:00.000Z']) }),
    ...(random() < 0.3 && { userIdentifierKey: pick(['user_42', 42, null]) }),
  }),
  filter: () => pick([{ userIdentifierKey: 'user_42' }, { clientSessionId: 'id', withoutUserIdentifierKey: true }, {}]),
}

function randomVariables(names: readonly string[]): Record<string, unknown> | null | undefined {
  if (random() < 0.03) return pick([null, undefined])
  const variables: Record<string, unknown> = {}
  for (const name of names) {
    const chance = random()
    if (chance < 0.15) continue
    const fit = Object.hasOwn(fitting, name) ? fitting[name] : undefined
    // Defined, not assigned: `__proto__` too is then an own property, as JSON.parse makes it.
    Object.defineProperty(variables, name, {
      value: chance < 0.9 && fit !== undefined ? fit() : anyValue(),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  if (random() < 0.05) variables['unused'] = anyValue()
  return variables
}

const cases: { schema: GraphQLSchema; text: string }[] = [
  {
    schema: otherSchema,
    text: `query Q($outer: Outer, $one: OneOf, $ids: [ID!]!, $n: Int = 3, $color: Color = GREEN, $odd: Odd, $s: String = "d") {
      f(outer: $outer, one: $one, ids: $ids, n: $n, color: $color, odd: $odd, s: $s) }`,
  },
  { schema: otherSchema, text: `query P($__proto__: Int!, $s: String) { f(ids: [], n: $__proto__, s: $s) }` },
  { schema: otherSchema, text: `query L($ids: [ID!]! = ["a"], $n: Int!) { f(ids: $ids, n: $n) }` },
  {
    schema: gatewaySchema,
    text: `mutation Grant($input: GrantClientSessionAccessInput!) {
      grantClientSessionAccess(input: $input) { clientSession { clientSessionId } } }`,
  },
  {
    schema: gatewaySchema,
    text: `mutation Create($input: CreateClientSessionInput!) {
      createClientSession(input: $input) { clientSession { clientSessionId } } }`,
  },
  {
    schema: gatewaySchema,
    text: `query Sessions($filter: ClientSessionsFilter) { clientSessions(filter: $filter) { clientSessionId } }`,
  },
  {
    schema: gatewaySchema,
    text: `query Session($id: ID!) { clientSession(clientSessionId: $id) { clientSessionId } }`,
  },
  {
    schema: gatewaySchema,
    text: `query Entities($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on ClientSession { clientSessionId } } }`,
  },
]

describe('variable coercion', () => {
  it.each(cases)('gives each request what graphql-js gave it: $text', ({ schema, text }) => {
    const document = parse(text)
    expect(validate(schema, document)).toEqual([])
    const operation = getOperationAST(document)!
    const names = (operation.variableDefinitions ?? []).map((definition) => definition.variable.name.value)
    let fitted = 0
    for (const hideSuggestions of [false, true]) {
      const coercion = variableCoercion(schema, document, operation, { hideSuggestions })
      const reference = graphqlJsCoercion(schema, document, operation, hideSuggestions)
      for (let round = 0; round < 1_000; round++) {
        const variables = randomVariables(names)
        const expected = observable(reference(variables))
        expect(observable(coercion(variables)), JSON.stringify(variables)).toStrictEqual(expected)
        if ('coerced' in expected) fitted++
      }
    }
    // Both outcomes were exercised, not only refusals.
    expect(fitted).toBeGreaterThan(50)
  })

  it('gives what graphql-js gives for a value nested deeper than the stack allows', () => {
    const document = parse(`query D($outer: Outer, $ids: [ID!]!, $n: Int!) { f(outer: $outer, ids: $ids, n: $n) }`)
    const operation = getOperationAST(document)!
    const coercion = variableCoercion(otherSchema, document, operation, { hideSuggestions: false })
    const reference = graphqlJsCoercion(otherSchema, document, operation, false)
    let deep: Record<string, unknown> = { a: 1 }
    // The stack runs out in a different step for each depth.
    for (let depth = 1; depth <= 100_010; depth++) {
      deep = { a: depth, next: deep }
      if (depth < 100_000) continue
      const variables = { outer: { id: 'o', inner: deep }, ids: [], n: 1 }
      const expected = reference(variables)
      // graphql-js runs out of stack too, and reports it as an error of the variable.
      expect('errors' in expected && expected.errors[0]?.message).toMatch(/call stack/)
      expect(observable(coercion(variables))).toStrictEqual(observable(expected))
    }
  })

  it('gives graphql-js’s error limit for a list of many wrong values', () => {
    const document = parse(`query L($ids: [ID!]!, $n: Int!) { f(ids: $ids, n: $n) }`)
    const operation = getOperationAST(document)!
    const variables = { ids: Array.from({ length: 80 }, () => true), n: 1 }
    const result = variableCoercion(otherSchema, document, operation, { hideSuggestions: false })(variables)
    expect(observable(result)).toStrictEqual(
      observable(graphqlJsCoercion(otherSchema, document, operation, false)(variables)),
    )
    expect('errors' in result && result.errors.at(-1)?.message).toMatch(/error limit reached/)
  })
})
