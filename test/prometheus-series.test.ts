import { Counter, Histogram, Registry, Summary } from 'prom-client'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { counterSeries, histogramSeries, summarySeries } from '../src/prometheus-series.js'

const x = { operationName: 'X', operationType: 'query' }
const y = { operationName: 'Y', operationType: 'query' }

/** The metrics one script writes, in a registry of their own. */
function metrics() {
  const registry = new Registry()
  const labelNames = ['operationName', 'operationType']
  return {
    registry,
    counter: new Counter({ name: 'c', help: 'c', labelNames, registers: [registry] }),
    histogram: new Histogram({ name: 'h', help: 'h', labelNames, buckets: [0.01, 0.1, 1], registers: [registry] }),
    // Compressed every third observation, so that the script reaches the digest's compression too.
    summary: new Summary({ name: 's', help: 's', labelNames, compressCount: 3, registers: [registry] }),
  }
}

type Metrics = ReturnType<typeof metrics>
type Write = (value: number) => void

/** Writers of the series of x and y: bound series, or prom-client's own calls with the labels each time. */
function boundWriters({ counter, histogram, summary }: Metrics) {
  return {
    count: { x: counterSeries(counter, x), y: counterSeries(counter, y) },
    observe: { x: histogramSeries(histogram, x), y: histogramSeries(histogram, y) },
    summarize: { x: summarySeries(summary, x), y: summarySeries(summary, y) },
  }
}

function apiWriters({ counter, histogram, summary }: Metrics): ReturnType<typeof boundWriters> {
  const each = (write: (labels: typeof x, value: number) => void) => ({
    x: (value: number) => write(x, value),
    y: (value: number) => write(y, value),
  })
  return {
    count: each((labels, value) => counter.inc(labels, value)),
    observe: each((labels, value) => histogram.observe(labels, value)),
    summarize: each((labels, value) => summary.observe(labels, value)),
  }
}

/** tdigest compresses in a random order: the same sequence for both scripts. */
function seededRandom() {
  let state = 1
  vi.spyOn(Math, 'random').mockImplementation(() => {
    state = (state * 48271) % 2147483647
    return state / 2147483647
  })
}

afterEach(() => {
  vi.restoreAllMocks()
})

/**
 * The scrapes along a script of writes: on bucket bounds and between them, above every bound, to two label
 * sets in turn, besides prom-client's own writes to the same series (yoga's lane); then after a reset of
 * the registry, and after the removal of a series.
 */
async function scrapesAlong(writersOf: (metrics: Metrics) => ReturnType<typeof boundWriters>): Promise<string[]> {
  seededRandom()
  const made = metrics()
  const { count, observe, summarize } = writersOf(made)
  const writeBoth = (writers: Record<'x' | 'y', Write>, values: number[]) => {
    for (const value of values) {
      writers.x(value)
      writers.y(value * 2)
    }
  }
  const scrapes: string[] = []
  writeBoth(observe, [0.01, 0.005, 0.1, 0.5, 1, 7])
  writeBoth(count, [1, 2, 0, 1])
  writeBoth(summarize, [0.2, 0.01, 3, 0.4, 0.05, 0.7, 0.9])
  // Enough for the digest to merge what it compresses.
  writeBoth(
    summarize,
    Array.from({ length: 300 }, (_, index) => Math.abs(Math.sin(index))),
  )
  made.histogram.observe(x, 0.05)
  made.counter.inc(x, 3)
  made.summary.observe(x, 0.3)
  writeBoth(observe, [0.02, 2])
  writeBoth(count, [1])
  writeBoth(summarize, [0.6])
  scrapes.push(await made.registry.metrics())
  made.registry.resetMetrics()
  writeBoth(observe, [0.03])
  writeBoth(count, [4])
  writeBoth(summarize, [0.8])
  scrapes.push(await made.registry.metrics())
  made.histogram.remove(x)
  made.counter.remove(x)
  made.summary.remove(x)
  writeBoth(observe, [0.004])
  writeBoth(count, [5])
  writeBoth(summarize, [0.1])
  scrapes.push(await made.registry.metrics())
  return scrapes
}

describe('bound series of prom-client metrics', () => {
  it('leave the scrape prom-client leaves for the same writes', async () => {
    const viaApi = await scrapesAlong(apiWriters)
    const bound = await scrapesAlong(boundWriters)

    expect(bound).toEqual(viaApi)
    // The script reached what it meant to: each label set apart, on and between the bounds, then after the
    // reset, then x after its removal.
    const [first, reset, removed] = bound
    expect(first).toContain('h_bucket{le="0.1",operationName="X",operationType="query"} 5\n')
    expect(first).toContain('h_bucket{le="1",operationName="Y",operationType="query"} 5\n')
    expect(first).toContain('c{operationName="X",operationType="query"} 8\n')
    expect(first).toContain('s_count{operationName="Y",operationType="query"} 308\n')
    expect(reset).toContain('c{operationName="Y",operationType="query"} 8\n')
    expect(removed).toContain('h_count{operationName="X",operationType="query"} 1\n')
    expect(removed).toContain('c{operationName="Y",operationType="query"} 18\n')
  })

  it('refuse what prom-client refuses, as it does', () => {
    const made = metrics()
    const { count, observe, summarize } = boundWriters(made)
    for (const writers of [count, observe, summarize]) writers.x(0.5)

    expect(() => observe.x(Number.NaN)).toThrow(TypeError)
    expect(() => summarize.x(Number.POSITIVE_INFINITY)).toThrow(TypeError)
    expect(() => count.x(-1)).toThrow('It is not possible to decrease a counter')
  })
  it("go through prom-client's API alone for a metric that does not keep its series where prom-client 15 does", () => {
    const written: unknown[] = []
    const record = (labels: unknown, value: number) => void written.push([labels, value])
    const counter = { inc: record } as unknown as Counter
    const histogram = { observe: record } as unknown as Histogram
    const summary = { observe: record } as unknown as Summary
    counterSeries(counter, x)(1)
    histogramSeries(histogram, x)(2)
    summarySeries(summary, x)(3)
    counterSeries(counter, x)(4)

    expect(written).toEqual([
      [x, 1],
      [x, 2],
      [x, 3],
      [x, 4],
    ])
  })
})
