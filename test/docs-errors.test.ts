/**
 * The error table of docs/errors.md lists exactly the members of the `ErrorCode` union in
 * src/seam/errors.ts, as the type checker resolves it (so a union built from other unions counts too).
 */
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

import { errorTable } from './support/docs.js'
import { descendants, typedSource } from './support/typescript-source.js'

function errorCodeUnion(relativePath: string): Set<string> {
  const { file, checker } = typedSource(relativePath)
  const declaration = [...descendants(file)].find(
    (node): node is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(node) && node.name.text === 'ErrorCode',
  )
  if (declaration === undefined) throw new Error(`${relativePath} declares no ErrorCode type.`)
  const type = checker.getTypeAtLocation(declaration.name)
  const members = type.isUnion() ? type.types : [type]
  const notLiterals = members.filter((member) => !member.isStringLiteral())
  if (notLiterals.length > 0) {
    throw new Error(
      `ErrorCode has members that are not string literals: ${notLiterals.map((t) => checker.typeToString(t))}`,
    )
  }
  return new Set(members.map((member) => (member as ts.StringLiteralType).value))
}

describe('the error table of docs/errors.md and the ErrorCode union', () => {
  it('list the same codes, every row of the table with its code', () => {
    const union = errorCodeUnion('src/seam/errors.ts')
    const table = errorTable()
    expect(union.size).toBeGreaterThan(10)
    expect(table.rowsWithoutCode).toBe(0)
    expect({
      'in the union, not in the table': [...union].filter((code) => !table.codes.has(code)).sort(),
      'in the table, not in the union': [...table.codes].filter((code) => !union.has(code)).sort(),
    }).toEqual({ 'in the union, not in the table': [], 'in the table, not in the union': [] })
  })
})
