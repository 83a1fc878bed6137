/**
 * RequestConcurrencyLimits keeps each request's limit on the request: these are the cases a property
 * on a shared object could get wrong, which the lanes' own tests (test/upstream-concurrency.test.ts)
 * never meet: a request handed to two gateways, and a request its host froze.
 */
import { describe, expect, it } from 'vitest'

import { RequestConcurrencyLimits } from '../src/seam/concurrency-limit.js'

describe('RequestConcurrencyLimits', () => {
  it('gives every operation of one request the same limit, and another request its own', () => {
    const limits = new RequestConcurrencyLimits(2)
    const request = {}
    const limit = limits.of(request)

    expect(limits.of(request)).toBe(limit)
    expect(limits.of({})).not.toBe(limit)
  })

  it('gives each gateway its own limit of a request both are handed, with its own cap', () => {
    const request = new Request('http://127.0.0.1/graphql', { method: 'POST' })
    const narrow = new RequestConcurrencyLimits(2).of(request)
    const wide = new RequestConcurrencyLimits(8).of(request)

    expect(wide).not.toBe(narrow)
    expect([narrow.maxConcurrentCalls, wide.maxConcurrentCalls]).toEqual([2, 8])
  })

  it.each([
    ['frozen', Object.freeze],
    ['sealed', Object.seal],
  ])('keeps the limit of a request its host %s', (_, close: <T>(request: T) => T) => {
    const limits = new RequestConcurrencyLimits(2)
    const request = close({ headers: {} })
    const limit = limits.of(request)

    expect(limits.of(request)).toBe(limit)
    expect(limits.of(close({ headers: {} }))).not.toBe(limit)
  })
})
