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
    const demoted: string[] = []
    const cache = new SegmentedLruCache<string, number>(5, (key) => demoted.push(key))
    for (const [index, key] of ['a', 'b', 'c', 'd'].entries()) {
      cache.set(key, index)
      cache.protect(key)
    }
    // Used again: now `b` is the protected part's least recently used.
    cache.get('a')
    cache.set('e', 4)
    cache.protect('e')
    expect(cache.isProtected('b')).toBe(false)
    expect(demoted).toEqual(['b'])
    expect(cache.get('b')).toBe(1)
    expect(['a', 'c', 'd', 'e'].every((key) => cache.isProtected(key))).toBe(true)

    // Back on probation, `b` is the first to go; forgetting it is no demotion.
    cache.set('f', 5)
    expect(demoted).toEqual(['b'])
    expect(cache.get('b')).toBeUndefined()
    expect([cache.get('a'), cache.get('c'), cache.get('d'), cache.get('e'), cache.get('f')]).toEqual([0, 2, 3, 4, 5])
  })

  it('promotes only what is on probation', () => {
    const cache = new SegmentedLruCache<string, number>(5)
    cache.protect('never set')
    expect(cache.size).toBe(0)
    expect(cache.isProtected('never set')).toBe(false)
  })

  it('works with room for a single entry, protecting nothing', () => {
    const demoted: string[] = []
    const cache = new SegmentedLruCache<string, number>(1, (key) => demoted.push(key))
    cache.set('a', 1)
    cache.protect('a')
    expect([cache.isProtected('a'), demoted]).toEqual([false, []])
    expect(cache.get('a')).toBe(1)
    cache.set('b', 2)
    expect([cache.get('a'), cache.get('b'), cache.size]).toEqual([undefined, 2, 1])
  })

  it('behaves as a plain model of two ordered lists, whatever the order of calls', () => {
    let state = 7
    const random = (below: number) => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31
      return state % below
    }
    for (const capacity of [1, 2, 3, 5, 10]) {
      const demoted: [number, string][] = []
      const cache = new SegmentedLruCache<number, string>(capacity, (key, value) => demoted.push([key, value]))
      const model = new TwoListModel(capacity)
      for (let step = 0; step < 5000; step += 1) {
        const key = random(3 * capacity)
        const action = random(3)
        if (action === 0) {
          cache.set(key, `${key}@${step}`)
          model.set(key, `${key}@${step}`)
        } else if (action === 1) {
          cache.protect(key)
          model.protect(key)
        } else {
          expect(cache.get(key)).toBe(model.get(key))
        }
        expect(cache.size).toBe(model.size)
        expect(cache.size).toBeLessThanOrEqual(capacity)
        expect(demoted.length).toBe(model.demoted.length)
        for (let each = 0; each < 3 * capacity; each += 1) {
          expect(cache.isProtected(each)).toBe(model.isProtected(each))
        }
      }
      expect(demoted).toEqual(model.demoted)
    }
  })
})

/** The same policy written as plainly as it can be: two arrays of entries, the least recently used first. */
class TwoListModel {
  readonly probation: [number, string][] = []
  readonly protected: [number, string][] = []
  /** Each entry the protected part handed back to probation, in order. */
  readonly demoted: [number, string][] = []
  readonly protectedCapacity: number

  constructor(readonly capacity: number) {
    this.protectedCapacity = capacity - Math.max(1, Math.ceil(capacity / 5))
  }

  get size() {
    return this.probation.length + this.protected.length
  }

  isProtected(key: number) {
    return this.protected.some(([each]) => each === key)
  }

  get(key: number) {
    for (const list of [this.protected, this.probation]) {
      const at = list.findIndex(([each]) => each === key)
      if (at !== -1) {
        const [entry] = list.splice(at, 1)
        list.push(entry!)
        return entry![1]
      }
    }
    return undefined
  }

  set(key: number, value: string) {
    for (const list of [this.protected, this.probation]) {
      const at = list.findIndex(([each]) => each === key)
      if (at !== -1) list.splice(at, 1)
    }
    this.probation.push([key, value])
    if (this.size > this.capacity) this.probation.shift()
  }

  protect(key: number) {
    if (this.protectedCapacity === 0) return
    const at = this.probation.findIndex(([each]) => each === key)
    if (at === -1) return
    this.protected.push(...this.probation.splice(at, 1))
    if (this.protected.length > this.protectedCapacity) {
      const oldest = this.protected.shift()!
      this.probation.push(oldest)
      this.demoted.push([...oldest])
    }
  }
}
