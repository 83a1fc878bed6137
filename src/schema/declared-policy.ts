/**
 * The caller policy (../auth/caller-policy.ts) as federation directives, for routers that enforce it:
 * `@authenticated` on what any verified caller may do, `@requiresScopes` with the admin scope on the
 * rest. Only a gateway with AUTH_FEDERATION_DIRECTIVES on serves them (./index.ts): the default SDL,
 * schema.graphql, has none, because `@apollo/gateway` refuses a supergraph with them.
 *
 * Each root field names its rule in its extensions; the SDL that declares them is the default one with
 * the directives written onto those fields. Pothos evaluates a field's options once, for the first
 * schema built, so its federation options (`authenticated`, `requiresScopes`) cannot differ per build.
 */
import { printSubgraphSchema } from '@apollo/subgraph'
import {
  type ConstDirectiveNode,
  type ConstListValueNode,
  type ConstValueNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type GraphQLSchema,
  Kind,
  parse,
  print,
  visit,
} from 'graphql'

/** What a root field requires of the caller: any verified caller, or the admin scope. */
export type DeclaredRule = 'anyVerifiedCaller' | 'adminScope'

/** A root field's extensions entry naming its rule. */
export const declaredPolicy = (rule: DeclaredRule) => ({ declaredPolicy: rule })

const name = (value: string) => ({ kind: Kind.NAME, value }) as const

function directiveFor(rule: DeclaredRule, adminScope: string): ConstDirectiveNode {
  if (rule === 'anyVerifiedCaller') return { kind: Kind.DIRECTIVE, name: name('authenticated') }
  const scope: ConstValueNode = { kind: Kind.STRING, value: adminScope }
  const anyOf: ConstListValueNode = { kind: Kind.LIST, values: [scope] }
  const scopes: ConstListValueNode = { kind: Kind.LIST, values: [anyOf] }
  return {
    kind: Kind.DIRECTIVE,
    name: name('requiresScopes'),
    arguments: [{ kind: Kind.ARGUMENT, name: name('scopes'), value: scopes }],
  }
}

/** The rule of each root field, by type and field name. */
function rulesOf(schema: GraphQLSchema): Map<string, DeclaredRule> {
  const rules = new Map<string, DeclaredRule>()
  for (const root of [schema.getQueryType(), schema.getMutationType()]) {
    for (const field of Object.values(root?.getFields() ?? {})) {
      const rule = field.extensions['declaredPolicy'] as DeclaredRule | undefined
      if (rule !== undefined) rules.set(`${root!.name}.${field.name}`, rule)
    }
  }
  return rules
}

/**
 * The subgraph SDL of `schema` (built importing `@authenticated` and `@requiresScopes`) with each root
 * field's rule declared on it.
 */
export function sdlDeclaringPolicy(schema: GraphQLSchema, adminScope: string): string {
  const rules = rulesOf(schema)
  const withDirectives = (typeName: string, field: FieldDefinitionNode): FieldDefinitionNode => {
    const rule = rules.get(`${typeName}.${field.name.value}`)
    if (rule === undefined) return field
    return { ...field, directives: [...(field.directives ?? []), directiveFor(rule, adminScope)] }
  }
  const document: DocumentNode = visit(parse(printSubgraphSchema(schema)), {
    ObjectTypeDefinition: (type) => ({
      ...type,
      fields: type.fields?.map((field) => withDirectives(type.name.value, field)),
    }),
    ObjectTypeExtension: (type) => ({
      ...type,
      fields: type.fields?.map((field) => withDirectives(type.name.value, field)),
    }),
  })
  return print(document)
}
