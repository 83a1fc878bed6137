/**
 * Source files of the project as the TypeScript compiler sees them, with the project's own compiler
 * options, for tests that hold the docs to what the code declares and reads.
 */
import ts from 'typescript'

import { projectRoot } from './docs.js'

export interface TypedSource {
  file: ts.SourceFile
  checker: ts.TypeChecker
  /** The file and the project's files it imports, directly or not (declaration files and packages aside). */
  projectFiles: ts.SourceFile[]
}

export function typedSource(relativePath: string): TypedSource {
  const configPath = ts.findConfigFile(projectRoot, ts.sys.fileExists, 'tsconfig.json')
  if (configPath === undefined) throw new Error(`No tsconfig.json in ${projectRoot}.`)
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile)
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, projectRoot)
  const path = `${projectRoot}${relativePath}`
  const program = ts.createProgram([path], { ...options, noEmit: true })
  const file = program.getSourceFile(path)
  if (file === undefined) throw new Error(`TypeScript did not load ${relativePath}.`)
  const projectFiles = program
    .getSourceFiles()
    .filter((source) => !source.isDeclarationFile && !source.fileName.includes('/node_modules/'))
  return { file, checker: program.getTypeChecker(), projectFiles }
}

export function* descendants(node: ts.Node): Generator<ts.Node> {
  const children: ts.Node[] = []
  node.forEachChild((child) => {
    children.push(child)
  })
  for (const child of children) {
    yield child
    yield* descendants(child)
  }
}
