import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import { afterEach, describe, expect, it, vi } from 'vitest'

import { flushStdoutLines, writeLineToStdout } from '../src/stdout-lines.js'

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

describe('writeLineToStdout', () => {
  const writes: string[] = []

  afterEach(() => {
    flushStdoutLines()
    writes.length = 0
    vi.restoreAllMocks()
  })

  function catchWrites() {
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk))
      return true
    })
  }

  it('writes the lines of one turn of the event loop together, in order, each with its newline', async () => {
    catchWrites()
    writeLineToStdout('{"n":1}')
    writeLineToStdout('{"n":2}')
    writeLineToStdout('{"n":3}')
    expect(writes).toEqual([])

    await nextTurn()

    expect(writes).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n'])
  })

  it('writes a later turn’s lines in a write of their own', async () => {
    catchWrites()
    writeLineToStdout('first')
    await nextTurn()
    writeLineToStdout('second')
    await nextTurn()

    expect(writes).toEqual(['first\n', 'second\n'])
  })

  it('writes nothing when no line was given', async () => {
    catchWrites()
    flushStdoutLines()
    await nextTurn()

    expect(writes).toEqual([])
  })
})

describe('a process that exits in the turn that gave a line', () => {
  it('still writes it, before it exits', () => {
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '--eval',
        "const { writeLineToStdout } = await import('./src/stdout-lines.ts'); writeLineToStdout('last words'); process.exit(3)",
      ],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' },
    )

    expect(child.stderr).toBe('')
    expect(child.status).toBe(3)
    expect(child.stdout).toBe('last words\n')
  })
})

describe('a reader of stdout that goes away', () => {
  it('ends neither the process nor its work: the failed write is swallowed, as console.log does', async () => {
    // Lines in 200 turns of the event loop; the reader leaves after the first, then the process exits 0.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '--eval',
        "const { writeLineToStdout } = await import('./src/stdout-lines.ts'); " +
          "for (let turn = 0; turn < 200; turn++) { writeLineToStdout('line ' + turn); await new Promise((resolve) => setTimeout(resolve, 1)) } " +
          'process.exitCode = 7',
      ],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.stdout.once('data', () => child.stdout.destroy())
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))

    expect(stderr).toBe('')
    expect(code).toBe(7)
  })
})
