/**
 * One series of a prom-client metric, its labels fixed once, written without prom-client looking the
 * labels up on every observation.
 *
 * prom-client 15 turns the labels object into a key string, checks each label name against the metric's
 * and allocates a closure and a pair on each `observe` and `inc`, and `metric.labels(...)` binds only the
 * object, not the series, so it does the same: about half a microsecond a call, some ten calls a request
 * with metrics on. The label values of most of the gateway's series are decided per prepared operation
 * (or per endpoint and status), so the series is found once and then written where prom-client keeps it.
 *
 * That place is prom-client's own (`hashMap`, one entry per label set, keyed as lib/util.js `hashObject`
 * keys it): its first observation, and any after the metric was reset or the series removed, goes
 * through prom-client's API, which makes the entry this then writes to, exactly as prom-client would.
 * test/prometheus-series.test.ts compares both ways' scrapes, so an upgrade that moves things fails there.
 */
import type { Counter, Histogram, LabelValues, Summary } from 'prom-client'

type Labels = LabelValues<string>

/** What prom-client keeps of a metric's series (15.x). */
interface Stored<Entry> {
  hashMap: Record<string, Entry | undefined>
  sortedLabelNames: readonly string[]
}

interface CounterEntry {
  value: number
}

interface HistogramEntry {
  sum: number
  count: number
  bucketValues: Record<string, number>
}

interface SummaryEntry {
  sum: number
  count: number
  td: { push(value: number): void; compress(): void }
}

/** prom-client's key of a label set: `name:value,` for each label given, in the order of the sorted names. */
function keyOf({ sortedLabelNames }: Stored<unknown>, labels: Labels): string {
  let key = ''
  for (const name of sortedLabelNames) {
    const value = labels[name]
    if (value !== undefined) key += `${name}:${value},`
  }
  return key
}

/** Whether the metric keeps its series where prom-client 15 does. */
const isStored = (metric: Stored<unknown>) =>
  typeof metric.hashMap === 'object' && metric.hashMap !== null && Array.isArray(metric.sortedLabelNames)

/**
 * Writes one series: `direct` into prom-client's entry of the series while that entry is the metric's,
 * `viaApi` otherwise (the first time, after a reset, and for a value prom-client refuses, so that it
 * throws as it would).
 */
function boundSeries<Entry>(
  metric: unknown,
  labels: Labels,
  accepts: (value: number) => boolean,
  viaApi: (value: number) => void,
  direct: (entry: Entry, value: number) => void,
): (value: number) => void {
  const stored = metric as Stored<Entry>
  // Not the prom-client this was written for: its API alone, slower and never wrong.
  if (!isStored(stored)) return viaApi
  const key = keyOf(stored, labels)
  let entry: Entry | undefined
  return (value) => {
    if (entry !== undefined && stored.hashMap[key] === entry && accepts(value)) return direct(entry, value)
    viaApi(value)
    entry = stored.hashMap[key]
  }
}

/** `counter.inc(labels, value)`, for one label set. */
export function counterSeries(counter: Counter, labels: Labels): (value: number) => void {
  return boundSeries<CounterEntry>(
    counter,
    labels,
    (value) => Number.isFinite(value) && value >= 0,
    (value) => counter.inc(labels, value),
    (entry, value) => {
      entry.value += value
    },
  )
}

/** `histogram.observe(labels, value)`, for one label set. */
export function histogramSeries(histogram: Histogram, labels: Labels): (value: number) => void {
  const viaApi = (value: number) => histogram.observe(labels, value)
  const { upperBounds } = histogram as unknown as { upperBounds: readonly number[] | undefined }
  if (!Array.isArray(upperBounds)) return viaApi
  // The entry's buckets are keyed by the bounds as property names: converted once here, not per observation.
  const bucketKeys = upperBounds.map(String)
  return boundSeries<HistogramEntry>(histogram, labels, Number.isFinite, viaApi, (entry, value) => {
    entry.sum += value
    entry.count += 1
    // The first bucket whose bound is not below the value; above them all, only +Inf (the count) has it.
    for (let index = 0; index < upperBounds.length; index++) {
      if (value <= upperBounds[index]!) {
        entry.bucketValues[bucketKeys[index]!]! += 1
        return
      }
    }
  })
}

/** `summary.observe(labels, value)`, for one label set. */
export function summarySeries(summary: Summary, labels: Labels): (value: number) => void {
  const viaApi = (value: number) => summary.observe(labels, value)
  const { compressCount } = summary as unknown as { compressCount: number | undefined }
  if (typeof compressCount !== 'number') return viaApi
  return boundSeries<SummaryEntry>(summary, labels, Number.isFinite, viaApi, (entry, value) => {
    entry.td.push(value)
    entry.count += 1
    if (entry.count % compressCount === 0) entry.td.compress()
    entry.sum += value
  })
}
