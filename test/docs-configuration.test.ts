/**
 * The configuration table of docs/configuration.md names exactly the environment variables src/config.ts
 * reads; the README's short table and the production checklist name only those, and the checklist all
 * of them.
 *
 * What config.ts reads is found in its syntax tree and those of the project files it imports, with the
 * type checker: an index or property of the environment (what `loadConfig` takes, or `process.env`) with
 * a literal name, or a call that hands a literal name to a function that does so with its parameter
 * (`read(env, 'PORT')`, then `integer(env, 'PORT', …)` through it); the environment is followed into
 * whatever function it is handed to. A name the walk cannot follow fails the test rather than go unseen.
 */
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

import { projectRoot, screamingNames, tableWithHeader } from './support/docs.js'
import { descendants, typedSource } from './support/typescript-source.js'

interface EnvironmentReads {
  names: Set<string>
  /** Expressions that name a variable in a way the walk cannot follow. */
  unfollowed: string[]
}

function environmentReads(relativePath: string): EnvironmentReads {
  const { file, checker, projectFiles } = typedSource(relativePath)
  const loadConfig = [...descendants(file)].find(
    (node): node is ts.FunctionDeclaration => ts.isFunctionDeclaration(node) && node.name?.text === 'loadConfig',
  )
  const environmentParameter = loadConfig?.parameters[0]
  if (environmentParameter === undefined) throw new Error(`${relativePath} has no loadConfig(env).`)
  const environmentType = checker.getTypeAtLocation(environmentParameter)

  const declarationOf = (expression: ts.Expression) => {
    const symbol = checker.getSymbolAtLocation(expression)
    // An imported function: its declaration in the module that exports it.
    const target =
      symbol !== undefined && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
    return target?.valueDeclaration
  }
  /** Parameters that hold the environment: loadConfig's, and those of functions it is handed to. */
  const environmentParameters = new Set<ts.Node>([environmentParameter])
  /** Parameters that name a variable their function reads. */
  const nameParameters = new Set<ts.Node>()
  const isEnvironment = (expression: ts.Expression) =>
    checker.getTypeAtLocation(expression) === environmentType ||
    (ts.isIdentifier(expression) && environmentParameters.has(declarationOf(expression) as ts.Node)) ||
    (ts.isPropertyAccessExpression(expression) && expression.getText() === 'process.env')
  const parametersOf = (callee: ts.Expression): readonly ts.ParameterDeclaration[] => {
    const declaration = declarationOf(callee)
    const target =
      declaration !== undefined && ts.isVariableDeclaration(declaration) ? declaration.initializer : declaration
    return target !== undefined && ts.isFunctionLike(target) ? target.parameters : []
  }

  let names = new Set<string>()
  let unfollowed: string[] = []
  const name = (expression: ts.Expression | undefined, at: ts.Node) => {
    if (expression !== undefined && ts.isStringLiteralLike(expression)) {
      names.add(expression.text)
      return
    }
    const declaration = expression !== undefined && ts.isIdentifier(expression) ? declarationOf(expression) : undefined
    if (declaration !== undefined && ts.isParameter(declaration)) {
      nameParameters.add(declaration)
      return
    }
    unfollowed.push(`${at.getSourceFile().fileName.slice(projectRoot.length)}: ${at.getText()}`)
  }

  // Until no new parameter turns up: a function that hands the environment or a name on is followed too.
  let parametersBefore = -1
  while (parametersBefore !== environmentParameters.size + nameParameters.size) {
    parametersBefore = environmentParameters.size + nameParameters.size
    names = new Set()
    unfollowed = []
    for (const node of projectFiles.flatMap((source) => [...descendants(source)])) {
      if (ts.isElementAccessExpression(node) && isEnvironment(node.expression)) name(node.argumentExpression, node)
      if (ts.isPropertyAccessExpression(node) && isEnvironment(node.expression)) names.add(node.name.text)
      if (ts.isCallExpression(node)) {
        const parameters = parametersOf(node.expression)
        node.arguments.forEach((argument, index) => {
          const parameter = parameters[index]
          if (parameter === undefined) return
          if (isEnvironment(argument)) environmentParameters.add(parameter)
          if (nameParameters.has(parameter)) name(argument, node)
        })
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
