/**
 * The project's Markdown as marked's lexer reads it: headings, links and tables, never a match over the
 * whole text, so that a code block that looks like a link or a table row does not count. Shared by the
 * tests that hold the docs to the code (test/docs-*.test.ts) and the ones that read a table of codes.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import GithubSlugger from 'github-slugger'
import { lexer, type Token, type Tokens } from 'marked'

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url))

/** README.md and every page under docs/, as paths relative to the project root. */
export function markdownFiles(): string[] {
  const pages = readdirSync(new URL('../../docs', import.meta.url)).filter((name) => name.endsWith('.md'))
  return ['README.md', ...pages.sort().map((name) => `docs/${name}`)]
}

export function readMarkdown(relativePath: string): Token[] {
  return lexer(readFileSync(new URL(`../../${relativePath}`, import.meta.url), 'utf8'))
}

/** Every token, depth first: block tokens, list items, table cells and the inline tokens inside them. */
export function* allTokens(tokens: readonly Token[]): Generator<Token> {
  for (const token of tokens) {
    yield token
    if (token.type === 'table') {
      const table = token as Tokens.Table
      for (const cell of [...table.header, ...table.rows.flat()]) yield* allTokens(cell.tokens)
    } else if (token.type === 'list') {
      yield* allTokens((token as Tokens.List).items)
    }
    if ('tokens' in token && Array.isArray(token.tokens)) yield* allTokens(token.tokens as Token[])
  }
}

/** The text a reader sees: code spans and escapes as their characters, emphasis and links as their text. */
export function plainText(tokens: readonly Token[]): string {
  return tokens
    .map((token) => {
      if ('tokens' in token && Array.isArray(token.tokens) && token.tokens.length > 0) {
        return plainText(token.tokens as Token[])
      }
      return 'text' in token && typeof token.text === 'string' ? token.text : ''
    })
    .join('')
}

/** The anchors GitHub gives the headings of a page, in order, duplicates numbered as GitHub numbers them. */
export function headingAnchors(tokens: readonly Token[]): Set<string> {
  const slugger = new GithubSlugger()
  const anchors = new Set<string>()
  for (const token of allTokens(tokens)) {
    if (token.type === 'heading') anchors.add(slugger.slug(plainText((token as Tokens.Heading).tokens)))
  }
  return anchors
}

export interface MarkdownTable {
  /** The plain text of each header cell. */
  header: string[]
  /** Each row's cells, as their inline tokens. */
  rows: Token[][][]
}

export function tables(tokens: readonly Token[]): MarkdownTable[] {
  return [...allTokens(tokens)]
    .filter((token): token is Tokens.Table => token.type === 'table')
    .map((table) => ({
      header: table.header.map((cell) => plainText(cell.tokens)),
      rows: table.rows.map((row) => row.map((cell) => cell.tokens)),
    }))
}

/** The one table of a page whose header is `header`; fails when there is none, or more than one. */
export function tableWithHeader(relativePath: string, header: (cells: string[]) => boolean): MarkdownTable {
  const found = tables(readMarkdown(relativePath)).filter((table) => header(table.header))
  if (found.length !== 1) throw new Error(`${relativePath} has ${found.length} tables of that header, not 1.`)
  return found[0]!
}

/** The code spans of a cell that are names in SCREAMING_SNAKE_CASE: variables, error codes. */
export function screamingNames(cell: readonly Token[]): string[] {
  return [...allTokens(cell)]
    .filter((token): token is Tokens.Codespan => token.type === 'codespan')
    .map((token) => token.text)
    .filter((text) => /^[A-Z][A-Z0-9_]*$/.test(text))
}

/** The error table of docs/errors.md: the column headed `extensions.code`, each row with its codes. */
export function errorTable(): { codes: Set<string>; rowsWithoutCode: number } {
  const table = tableWithHeader('docs/errors.md', (cells) => cells.at(-1) === 'extensions.code')
  const perRow = table.rows.map((row) => screamingNames(row.at(-1) ?? []))
  return { codes: new Set(perRow.flat()), rowsWithoutCode: perRow.filter((codes) => codes.length === 0).length }
}
