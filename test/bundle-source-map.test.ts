/**
 * `dist/main.js` is one bundled, minified file, so its stack traces point into one long line. Its linked
 * source map leads them back to src/*.ts for a process started with `--enable-source-maps`, as
 * docs/observability.md tells operators. Held here with the bundle the tests build (./support/build-once.ts):
 * a gateway that exits on a bad setting, with `process.exit` replaced by a probe that prints the stack
 * it was called from, the bundle's own frames among it.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

const probe = join(mkdtempSync(join(tmpdir(), 'bundle-source-map-')), 'probe.mjs')
writeFileSync(
  probe,
  "const exit = process.exit.bind(process)\nprocess.exit = (code) => { console.log(new Error('probe').stack); exit(code) }\n",
)

/** The stack `dist/main.js` calls `process.exit` from when PORT is not a port. */
function exitStack(nodeOptions: string[]): string {
  const child = spawnSync(process.execPath, [...nodeOptions, '--import', probe, 'dist/main.js'], {
    cwd: root,
    env: { PATH: process.env['PATH'], PORT: 'not a port' },
    encoding: 'utf8',
    timeout: 20_000,
  })
  expect(child.status).toBe(1)
  expect(child.stderr).toContain('Configuration error: PORT')
  return child.stdout
}

/** The 1-based line of `text` in the source file `path`. */
function lineOf(path: string, text: string): number {
  const index = readFileSync(join(root, path), 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(text))
  expect(index).toBeGreaterThanOrEqual(0)
  return index + 1
}

describe('the bundled gateway, dist/main.js', () => {
  it('names the TypeScript sources and their lines in a stack trace, with --enable-source-maps', () => {
    const stack = exitStack(['--enable-source-maps'])
    expect(stack).toContain(`src/process-lifecycle.ts:${lineOf('src/process-lifecycle.ts', 'process.exit(1)')}:`)
    expect(stack).toContain(`src/process-lifecycle.ts:${lineOf('src/process-lifecycle.ts', '=> loadConfig()')}:`)
    expect(stack).toContain(`src/main.ts:${lineOf('src/main.ts', 'loadConfigOrExit()')}:`)
    expect(stack).not.toContain('dist/main.js')
  })

  it('points into the bundle itself without the flag: Node reads no map unless asked', () => {
    const stack = exitStack([])
    expect(stack).toMatch(/dist\/main\.js:\d+:\d+/)
    expect(stack).not.toMatch(/\.ts:\d+:\d+/)
  })
})
