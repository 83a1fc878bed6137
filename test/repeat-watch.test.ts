/**
 * Whether clients repeat a document: told once, when a second request runs it, and once more after each
 * restart; never for runs of one request.
 */
import { describe, expect, it } from 'vitest'

import { RepeatWatch } from '../src/prepared/repeat-watch.js'

describe('a repeat watch', () => {
  it('tells once, when a second request runs the document, however many run it after', () => {
    let told = 0
    const watch = new RepeatWatch(() => (told += 1))
    const [first, second, third] = [{}, {}, {}]
    watch.ran(first)
    expect(told).toBe(0)
    watch.ran(second)
    watch.ran(third)
    watch.ran(first)
    expect(told).toBe(1)
  })

  it('does not tell for runs of one request', () => {
    let told = 0
    const watch = new RepeatWatch(() => (told += 1))
    const request = {}
    for (let run = 0; run < 3; run += 1) watch.ran(request)
    expect(told).toBe(0)
  })

  it('tells again after a restart, once two requests run the document again', () => {
    let told = 0
    const watch = new RepeatWatch(() => (told += 1))
    const [first, second, third] = [{}, {}, {}]
    watch.ran(first)
    watch.ran(second)
    watch.restart()
    // Runs before the restart do not count: the first run after it is a first run.
    watch.ran(second)
    expect(told).toBe(1)
    watch.ran(second)
    expect(told).toBe(1)
    watch.ran(third)
    watch.ran(first)
    expect(told).toBe(2)
  })
})
