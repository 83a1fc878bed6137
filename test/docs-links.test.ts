/**
 * Every relative link and image in README.md and docs/*.md points at a file that exists and, with a
 * `#anchor` into a Markdown file, at one of that file's headings under the anchor GitHub gives it. Links
 * come from marked's lexer: one inside a code block or code span is not a link.
 */
import { existsSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'

import type { Tokens } from 'marked'
import { describe, expect, it } from 'vitest'

import { allTokens, headingAnchors, markdownFiles, projectRoot, readMarkdown } from './support/docs.js'

interface Link {
  from: string
  href: string
}

function relativeLinks(file: string): Link[] {
  return [...allTokens(readMarkdown(file))]
    .filter((token): token is Tokens.Link | Tokens.Image => token.type === 'link' || token.type === 'image')
    .map((token) => ({ from: file, href: token.href }))
    .filter(({ href }) => !/^[a-z][a-z\d+.-]*:/i.test(href) && !href.startsWith('//'))
}

/** Why a link does not resolve, or undefined when it does. */
function brokenBecause({ from, href }: Link): string | undefined {
  const hashAt = href.indexOf('#')
  const path = decodeURIComponent(hashAt === -1 ? href : href.slice(0, hashAt))
  const anchor = hashAt === -1 ? undefined : decodeURIComponent(href.slice(hashAt + 1))
  if (path.startsWith('/')) return 'a path from the root of the host: use one relative to the page'
  const target = path === '' ? from : relative(projectRoot, join(projectRoot, dirname(from), path))
  if (target.startsWith('..')) return 'it leaves the repository'
  if (!existsSync(join(projectRoot, target))) return `${target} does not exist`
  if (anchor === undefined) return undefined
  if (!target.endsWith('.md')) return `an anchor into ${target}, which is not Markdown`
  const anchors = headingAnchors(readMarkdown(target))
  return anchors.has(anchor) ? undefined : `${target} has no heading #${anchor} (it has ${[...anchors].join(', ')})`
}

describe('relative links in README.md and docs/', () => {
  const links = markdownFiles().flatMap(relativeLinks)

  it('include one from the README to every page of docs/, and links between the pages', () => {
    const fromReadme = new Set(links.filter(({ from }) => from === 'README.md').map(({ href }) => href.split('#')[0]))
    for (const page of markdownFiles().filter((file) => file.startsWith('docs/'))) {
      expect(fromReadme, `README.md does not link ${page}`).toContain(page)
    }
    expect(links.filter(({ from }) => from.startsWith('docs/')).length).toBeGreaterThan(10)
  })

  it('each point at a file that exists, and a heading of it when they name one', () => {
    const broken = links.flatMap((link) => {
      const reason = brokenBecause(link)
      return reason === undefined ? [] : [`${link.from}: (${link.href}): ${reason}`]
    })
    expect(broken).toEqual([])
  })
})
