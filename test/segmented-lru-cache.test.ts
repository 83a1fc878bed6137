/**
 * The prepared documents' cache: a segmented LRU whose owner promotes what it sees used again, so that keys
 * used once replace each other and not what was promoted.
 */
import { describe, expect, it } from 'vitest'

import { SegmentedLruCache } from '../src/prepared/segmented-lru-cache.js'

describe('a segmented LRU cache', () => {
  it('forgets the least recently used entry first while nothing is promoted', () => {
    const cache = new SegmentedLruCache<string, number>(3)
    cache.set('a', 1)
    cache.set('b', 2)
    cache.set('c', 3)
    cache.get('a')
    cache.set('d', 4)

    expect([cache.get('a'), cache.get('b'), cache.get('c'), cache.get('d')]).toEqual([1, undefined, 3, 4])
    expect(cache.size).toBe(3)
  })

  it('keeps a promoted entry however many keys come once after it', () => {
    const cache = new SegmentedLruCache<string, number>(5)
    cache.set('hot', 1)
    cache.protect('hot')
    for (let index = 0; index < 1000; index += 1) cache.set(`once-${index}`, index)

    expect(cache.get('hot')).toBe(1)
    expect(cache.get('once-999')).toBe(999)
    expect(cache.get('once-0')).toBeUndefined()
    expect(cache.size).toBe(5)
  })

  it('gives four fifths of its room to promoted entries, handing the least recently used back to probation', () => {
    const cache = new SegmentedLruCache<string, number>(5)
    for (const [index, key] of ['a', 'b', 'c', 'd'].entries()) {
      cache.set(key, index)
      cache.protect(key)
    }
    // Used again: now `b` is the protected part's least recently used.
    cache.get('a')
    cache.set('e', 4)
    cache.protect('e')
    expect(cache.isProtected('b')).toBe(false)
    expect(cache.get('b')).toBe(1)
    expect(['a', 'c', 'd', 'e'].every((key) => cache.isProtected(key))).toBe(true)

    // Back on probation, `b` is the first to go.
    cache.set('f', 5)
    expect(cache.get('b')).toBeUndefined()
    expect([cache.get('a'), cache.get('c'), cache.get('d'), cache.get('e'), cache.get('f')]).toEqual([0, 2, 3, 4, 5])
  })

  it('promotes only what is on probation', () => {
    const cache = new SegmentedLruCache<string, number>(5)
    cache.protect('never set')
    expect(cache.size).toBe(0)
    expect(cache.isProtected('never set')).toBe(false)
  })

  it('works with room for a single entry', () => {
    const cache = new SegmentedLruCache<string, number>(1)
    cache.set('a', 1)
    cache.protect('a')
    expect(cache.get('a')).toBe(1)
    cache.set('b', 2)
    expect([cache.get('a'), cache.get('b'), cache.size]).toEqual([undefined, 2, 1])
  })

  it('never holds more than its capacity and always answers the value last set, whatever the order of calls', () => {
    let state = 7
    const random = (below: number) => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31
      return state % below
    }
    for (const capacity of [1, 2, 5, 10]) {
      const cache = new SegmentedLruCache<number, string>(capacity)
      const lastSet = new Map<number, string>()
      for (let step = 0; step < 5000; step += 1) {
        const key = random(3 * capacity)
        const action = random(3)
        if (action === 0) {
          const value = `${key}@${step}`
          cache.set(key, value)
          lastSet.set(key, value)
        } else if (action === 1) {
          cache.protect(key)
        } else {
          const value = cache.get(key)
          if (value !== undefined) expect(value).toBe(lastSet.get(key))
        }
        expect(cache.size).toBeLessThanOrEqual(capacity)
      }
    }
  })
})
