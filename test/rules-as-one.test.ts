/**
 * The prepared operations validate with their rules run as one (src/prepared/rules-as-one.ts). Here each
 * document is validated both ways, by graphql-js with the rules as they are and with them as one, and
 * the errors must be the same: messages, locations, codes and order. The documents break every kind of
 * rule there is (graphql-js's, the operation limits, the hidden schema), and the rules' visitors'
 * answers that steer the walk (skip below a node, stop, replace a node) are held with rules written here.
 */
import {
  type ASTVisitor,
  BREAK,
  type GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type ValidationRule,
} from 'graphql'
import { describe, expect, it } from 'vitest'

import { gatewayDefaults } from '../src/defaults.js'
import { operationLimitRules } from '../src/prepared/operation-limits.js'
import { rulesAsOne } from '../src/prepared/rules-as-one.js'
import { schema } from '../src/schema/index.js'

const fields = 'clientSessionId userIdentifierKey connectWebviewIds deviceCount expiresAt'

/** Documents that validate. */
const valid: Record<string, string> = {
  'a grant with variables': `mutation Grant($input: GrantClientSessionAccessInput!) {
    grantClientSessionAccess(input: $input) { clientSession { ${fields} } } }`,
  'a read with a fragment': `query Read($id: ID!) { clientSession(clientSessionId: $id) { ...F } }
    fragment F on ClientSession { ${fields} }`,
  '_entities and _service': `query { _service { sdl } _entities(representations: []) { __typename } }`,
}

/** Documents that break each kind of rule. */
const invalid: Record<string, string> = {
  'unknown fields, with suggestions to hide': `{ clientSession(clientSessionId: "x") { tokn deviceCont } clientSesions { token } }`,
  'unknown and missing arguments': `{ clientSession(clientSesionId: "x") { token } grantClientSessionAccess { clientSession { token } } }`,
  'variables undefined, unused, of the wrong type': `query Q($unused: Int, $id: Boolean) {
    clientSession(clientSessionId: $id) { token } other: clientSession(clientSessionId: $undefined) { token } }`,
  'fragments unknown, unused, cyclic, on the wrong type': `query { clientSession(clientSessionId: "x") { ...Missing ...A } }
    fragment A on ClientSession { ...B } fragment B on ClientSession { ...A }
    fragment Unused on ClientSession { token } fragment Wrong on Query { token }`,
  'fields that cannot be merged': `{ clientSession(clientSessionId: "x") { id: token id: deviceCount } }`,
  'operations named twice, and an anonymous one beside them': `query A { __typename } query A { __typename } { __typename }`,
  'a subscription, and a type definition': `subscription S { x } type Extra { a: Int }`,
  'directives unknown, repeated, misplaced': `query @include(if: true) { __typename @skip(if: true) @skip(if: false) @nope }`,
  'a selection missing, and one on a scalar': `{ clientSession(clientSessionId: "x") clientSessions { token { x } } }`,
  'literals of the wrong type': `{ clientSession(clientSessionId: 1.5) { token } clientSessions(filter: { nope: 1 }) { token } }`,
  'too many aliases': `{ ${Array.from({ length: 20 }, (_, index) => `a${index}: clientSessions { token }`).join(' ')} }`,
  'too many directives': `{ __typename ${'@skip(if: false) '.repeat(60)} }`,
  'over a hundred errors': `{ ${Array.from({ length: 120 }, (_, index) => `unknown${index}`).join(' ')} }`,
}

/** Refused only with introspection off. */
const introspection = `{ __schema { types { name } } __type(name: "ClientSession") { fields { name } } }`

/** What a client reads of an error, and the code the gateway gives it. */
const readable = (errors: readonly GraphQLError[]) =>
  errors.map((error) => ({ ...error.toJSON(), code: error.extensions['code'] }))

const rulesWith = (introspection: boolean, limits = gatewayDefaults.operationLimits): ValidationRule[] => [
  ...specifiedRules,
  ...operationLimitRules(limits),
  ...(introspection ? [] : [NoSchemaIntrospectionCustomRule]),
]

describe('validation rules run as one', () => {
  for (const introspectionOn of [false, true]) {
    const defaultRules = rulesWith(introspectionOn)
    const options = { hideSuggestions: !introspectionOn }
    const bothWays = (text: string, rules = defaultRules) => {
      const document = parse(text)
      const expected = readable(validate(schema, document, rules, options))
      expect(readable(validate(schema, document, [rulesAsOne(rules)], options))).toEqual(expected)
      return expected
    }
    const mode = `introspection ${introspectionOn ? 'on' : 'off'}`

    for (const [name, text] of Object.entries(valid)) {
      it(`finds nothing wrong with ${name}, ${mode}`, () => expect(bothWays(text)).toEqual([]))
    }
    for (const [name, text] of Object.entries(invalid)) {
      it(`gives graphql-js's errors for ${name}, ${mode}`, () => expect(bothWays(text).length).toBeGreaterThan(0))
    }
    it(`gives graphql-js's answer to introspection, ${mode}`, () =>
      introspectionOn
        ? expect(bothWays(introspection)).toEqual([])
        : expect(bothWays(introspection).length).toBeGreaterThan(0))
    it(`gives graphql-js's errors for a document too deep, ${mode}`, () => {
      // Nothing of this schema nests deeper than 3 (introspection does, but the limit leaves it alone).
      const shallow = rulesWith(introspectionOn, { ...gatewayDefaults.operationLimits, depth: 2 })
      expect(bothWays(valid['a grant with variables']!, shallow).length).toBeGreaterThan(0)
    })
  }

  it('skips a rule below the node it answered false to, stops one that answered BREAK, and runs the others', () => {
    /** A rule that records the fields it enters and leaves, and answers `answer(name)` on entering one. */
    const recording =
      (log: string[], tag: string, answer: (name: string) => unknown): ValidationRule =>
      (): ASTVisitor => ({
        Field: {
          enter: (node) => {
            log.push(`${tag}>${node.name.value}`)
            return answer(node.name.value)
          },
          leave: (node) => {
            log.push(`${tag}<${node.name.value}`)
            return node.name.value === 'userIdentifierKey' ? false : undefined
          },
        },
        [Kind.SELECTION_SET]: () => {
          log.push(`${tag} selection set`)
        },
      })
    const rules = (log: string[]) => [
      recording(log, 'skip', (name) => (name === 'clientSession' ? false : undefined)),
      recording(log, 'stop', (name) => (name === 'token' ? BREAK : undefined)),
      recording(log, 'all', () => undefined),
    ]
    const document = parse(
      `{ clientSessions { clientSessionId token userIdentifierKey } clientSession(clientSessionId: "x") { token } __typename }`,
    )
    const asGraphqlJs: string[] = []
    const asOne: string[] = []
    validate(schema, document, rules(asGraphqlJs))
    validate(schema, document, [rulesAsOne(rules(asOne))])
    expect(asOne).toEqual(asGraphqlJs)
    // Each answer steered its own rule only: "skip" saw no field below clientSession, "stop" nothing after
    // the first token, "all" every field.
    const entered = (tag: string) => asOne.filter((entry) => entry.startsWith(`${tag}>`))
    expect(entered('skip')).toEqual([
      'skip>clientSessions',
      'skip>clientSessionId',
      'skip>token',
      'skip>userIdentifierKey',
      'skip>clientSession',
      'skip>__typename',
    ])
    expect(entered('stop')).toEqual(['stop>clientSessions', 'stop>clientSessionId', 'stop>token'])
    expect(entered('all')).toHaveLength(7)
  })

  it('hands on a node a rule answers with in place of the one visited, as graphql-js does', () => {
    const replaced: string[] = []
    const replacing: ValidationRule = () => ({
      Field: (node) => (node.name.value === 'clientSessions' ? { ...node, selectionSet: undefined } : undefined),
    })
    const after: ValidationRule = () => ({ Field: (node) => void replaced.push(node.name.value) })
    const document = parse(`{ clientSessions { token } __typename }`)
    validate(schema, document, [replacing, after])
    const asGraphqlJs = replaced.splice(0)
    validate(schema, document, [rulesAsOne([replacing, after])])
    expect(replaced).toEqual(asGraphqlJs)
  })
})
