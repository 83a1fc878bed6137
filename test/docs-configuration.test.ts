/**
 * The configuration table of docs/configuration.md names exactly the environment variables src/config.ts
 * reads; the README's short table and the production checklist name only those, and the checklist all
 * of them.
 *
 * What config.ts reads is found in its syntax tree, with the type checker: an index or property of the
 * environment (what `loadConfig` takes, or `process.env`) with a literal name, or a call that hands a
 * literal name to a function that does so with its parameter (`read(env, 'PORT')`, then `integer(env,
 * 'PORT', …)` through it). A name the walk cannot follow fails the test rather than go unseen.
 */
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

import { screamingNames, tableWithHeader } from './support/docs.js'
import { descendants, typedSource } from './support/typescript-source.js'

interface EnvironmentReads {
  names: Set<string>
  /** Expressions that name a variable in a way the walk cannot follow. */
  unfollowed: string[]
}

function environmentReads(relativePath: string): EnvironmentReads {
  const { file, checker } = typedSource(relativePath)
  const loadConfig = [...descendants(file)].find(
    (node): node is ts.FunctionDeclaration => ts.isFunctionDeclaration(node) && node.name?.text === 'loadConfig',
  )
  const environmentParameter = loadConfig?.parameters[0]
  if (environmentParameter === undefined) throw new Error(`${relativePath} has no loadConfig(env).`)
  const environmentType = checker.getTypeAtLocation(environmentParameter)
  const isEnvironment = (expression: ts.Expression) =>
    checker.getTypeAtLocation(expression) === environmentType ||
    (ts.isPropertyAccessExpression(expression) && expression.getText(file) === 'process.env')

  /** Functions that read the variable one of their parameters names, by that parameter's index. */
  const readers = new Map<ts.Node, number>()
  const functionOf = (callee: ts.Expression): ts.Node | undefined => {
    const declaration = checker.getSymbolAtLocation(callee)?.valueDeclaration
    if (declaration !== undefined && ts.isVariableDeclaration(declaration)) return declaration.initializer
    return declaration
  }

  let names = new Set<string>()
  let unfollowed: string[] = []
  const name = (expression: ts.Expression | undefined, at: ts.Node) => {
    if (expression !== undefined && ts.isStringLiteralLike(expression)) {
      names.add(expression.text)
      return
    }
    const declaration =
      expression !== undefined && ts.isIdentifier(expression)
        ? checker.getSymbolAtLocation(expression)?.valueDeclaration
        : undefined
    if (declaration !== undefined && ts.isParameter(declaration) && ts.isFunctionLike(declaration.parent)) {
      const index = declaration.parent.parameters.indexOf(declaration)
      if (readers.get(declaration.parent) !== index) readers.set(declaration.parent, index)
      return
    }
    unfollowed.push(at.getText(file))
  }

  // Until no new reader turns up: a function that hands its parameter to a reader is one too.
  let readersBefore = -1
  while (readersBefore !== readers.size) {
    readersBefore = readers.size
    names = new Set()
    unfollowed = []
    for (const node of descendants(file)) {
      if (ts.isElementAccessExpression(node) && isEnvironment(node.expression)) name(node.argumentExpression, node)
      if (ts.isPropertyAccessExpression(node) && isEnvironment(node.expression)) names.add(node.name.text)
      if (ts.isCallExpression(node)) {
        const callee = functionOf(node.expression)
        const index = callee === undefined ? undefined : readers.get(callee)
        if (index !== undefined) name(node.arguments[index], node)
      }
    }
  }
  return { names, unfollowed }
}

const isVariable = (cells: string[]) => cells[0] === 'variable'
const sorted = (names: Iterable<string>) => [...names].sort()

describe('the configuration table and what src/config.ts reads', () => {
  const reads = environmentReads('src/config.ts')

  it('are found: config.ts names every variable it reads with a literal the walk can follow', () => {
    expect(reads.unfollowed).toEqual([])
    expect(reads.names.size).toBeGreaterThan(30)
  })

  it('name the same variables, one per row of docs/configuration.md', () => {
    const rows = tableWithHeader('docs/configuration.md', isVariable).rows.map((row) => screamingNames(row[0] ?? []))
    expect(rows.filter((names) => names.length !== 1)).toEqual([])
    const documented = rows.flat()
    expect(documented.length, 'a variable has two rows').toBe(new Set(documented).size)
    expect({
      'read, not in the table': sorted(reads.names).filter((name) => !documented.includes(name)),
      'in the table, never read': sorted(documented).filter((name) => !reads.names.has(name)),
    }).toEqual({ 'read, not in the table': [], 'in the table, never read': [] })
  })

  it('the production checklist of docs/credentials-and-security.md names each of them, and no other', () => {
    const checklist = tableWithHeader('docs/credentials-and-security.md', (cells) => cells[0] === 'setting')
    const named = new Set(checklist.rows.flatMap((row) => screamingNames(row[0] ?? [])))
    expect({
      'read, not in the checklist': sorted(reads.names).filter((name) => !named.has(name)),
      'in the checklist, never read': sorted(named).filter((name) => !reads.names.has(name)),
    }).toEqual({ 'read, not in the checklist': [], 'in the checklist, never read': [] })
  })

  it("the README's table of the settings most users touch names only variables config.ts reads", () => {
    const named = tableWithHeader('README.md', isVariable).rows.flatMap((row) => screamingNames(row[0] ?? []))
    expect(named.length).toBeGreaterThan(5)
    expect(named.filter((name) => !reads.names.has(name))).toEqual([])
  })
})
